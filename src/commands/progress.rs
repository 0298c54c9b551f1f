//! Progress on a terminal: a spinner with counts, on standard error, only
//! when standard error is a terminal and the user did not ask for quiet.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts resolution events and shows them on a spinner.
pub struct LockProgress {
    bar: ProgressBar,
    projects: AtomicUsize,
    metadata: AtomicUsize,
    targets_done: AtomicUsize,
    targets: usize,
}

impl LockProgress {
    /// A spinner for resolving `targets` targets; hidden when `visible` is false.
    pub fn new(targets: usize, visible: bool) -> LockProgress {
        let bar = if visible {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        let progress = LockProgress {
            bar,
            projects: AtomicUsize::new(0),
            metadata: AtomicUsize::new(0),
            targets_done: AtomicUsize::new(0),
            targets,
        };
        progress.redraw();
        progress
    }

    fn redraw(&self) {
        self.bar.set_message(format!(
            "Resolving: {}/{} targets done, {} project pages, {} metadata files",
            self.targets_done.load(Ordering::Relaxed),
            self.targets,
            self.projects.load(Ordering::Relaxed),
            self.metadata.load(Ordering::Relaxed),
        ));
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl envlock_resolver::Reporter for LockProgress {
    fn project_fetched(&self, _name: &str) {
        self.projects.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }

    fn file_ignored(&self, project: &str, message: &str) {
        self.bar.suspend(|| {
            super::terminal::say(&format!(
                "warning: ignoring a file listed for `{project}`: {message}"
            ));
        });
    }

    fn metadata_fetched(&self, _filename: &str) {
        self.metadata.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }

    fn target_resolved(&self, _target: &str, _packages: usize) {
        self.targets_done.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }
}

/// A progress bar of a wheelhouse build: files, bytes and rate.
pub struct WheelhouseProgress {
    bar: ProgressBar,
    files_done: AtomicUsize,
    files: AtomicUsize,
}

impl WheelhouseProgress {
    /// A bar on standard error; hidden when `visible` is false.
    pub fn new(visible: bool) -> WheelhouseProgress {
        let bar = if visible {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} [{elapsed}]",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        WheelhouseProgress {
            bar,
            files_done: AtomicUsize::new(0),
            files: AtomicUsize::new(0),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl envlock_wheelhouse::Reporter for WheelhouseProgress {
    fn planned(&self, files: usize, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{files} files"));
    }

    fn file_done(&self, _name: &str, size: u64, _origin: envlock_wheelhouse::Origin) {
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.inc(size);
        self.bar.set_message(format!(
            "{done}/{} files",
            self.files.load(Ordering::Relaxed)
        ));
    }
}
