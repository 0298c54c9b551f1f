//! What the user can do about each error of this crate ([`envlock_pep::Hint`]).

use envlock_pep::Hint;

use crate::FORMAT_VERSION;
use crate::decode::LockError;
use crate::environment::TargetEnvironmentError;
use crate::export::ExportError;
use crate::why::WhyError;

impl Hint for LockError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            LockError::UnsupportedVersion { found } if *found > FORMAT_VERSION => {
                "the lock was written by a newer envlock; upgrade envlock, or re-create the lock with this one"
            }
            LockError::UnsupportedVersion { .. }
            | LockError::Syntax { .. }
            | LockError::Invalid(_) => {
                "lockfiles are written by `envlock lock`; re-create it rather than edit it"
            }
            LockError::Io { .. } => return None,
        };
        Some(hint.to_owned())
    }
}

// The messages of these name what is wrong and the choices there are.
impl Hint for WhyError {
    fn hint(&self) -> Option<String> {
        None
    }
}

impl Hint for ExportError {
    fn hint(&self) -> Option<String> {
        None
    }
}

impl Hint for TargetEnvironmentError {
    fn hint(&self) -> Option<String> {
        None
    }
}
