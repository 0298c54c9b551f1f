//! Building a wheelhouse: the steps in their order, each handed to the
//! module that owns it.
//!
//! The order of work is chosen for wall-clock time: files already in the
//! folder (an interrupted or repeated build) are kept when verified, files
//! in the content-addressed cache are linked in without touching the index,
//! and only the rest are looked up on the index and downloaded, while the
//! resources are placed and the exports written beside them.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use envlock_index::{Cache, IndexClient, PackageIndex};
use envlock_lock::{Lock, LockedFile};
use envlock_pep::{DistFilename, WheelFilename};
use serde::Serialize;

use crate::checksums::write_checksums;
use crate::error::WheelhouseError;
use crate::exports::write_exports;
use crate::far_side::{FarSide, write_far_side_files};
use crate::fetch::{Downloads, fetch_all};
use crate::folder::{LOCK, mark_incomplete, prepare_dir, remove_unplanned};
use crate::fsio::{set_readable_modes, write_atomic};
use crate::install_script::write_install_scripts;
use crate::manifest::write_manifest;
use crate::place::place_local;
use crate::plan::{PlannedFile, planned_files};
use crate::progress::{Origin, Reporter};
use crate::readme::write_readme;
use crate::resources::{
    ExpandedUrl, PlainFolder, ResourceSources, carried_interpreters, place_resources,
};
use crate::sdist::{SourceBuild, source_builds};
use crate::simple_index::write_simple_index;
use crate::wheel_build::{BuiltWheel, WheelBuildOptions, build_wheels};

/// What to build and from where.
pub struct BuildRequest<'a> {
    /// The lock.
    pub lock: &'a Lock,
    /// The lock's text, copied into the wheelhouse byte for byte.
    pub lock_text: &'a str,
    /// The targets chosen (see [`crate::select_targets`]).
    pub targets: Vec<String>,
    /// The indexes to look files up on; the one whose name the lock records
    /// for a package is asked first.
    pub indexes: &'a [Arc<dyn PackageIndex>],
    /// The content-addressed cache to link files from and store them in.
    pub cache: Option<&'a Cache>,
    /// The wheelhouse folder.
    pub out_dir: &'a Path,
    /// How many downloads run at once.
    pub jobs: usize,
    /// Progress.
    pub reporter: &'a dyn Reporter,
    /// Build the wheels of sdist-only packages here (`--build-wheels`)
    /// instead of leaving them to the target.
    pub build_wheels: Option<WheelBuildOptions>,
    /// Fetches the lock's resources that the cache lacks; `None` when no
    /// network client is at hand (then they must be in the cache).
    pub client: Option<&'a IndexClient>,
    /// The lock's folder: a resource whose URL is a relative path is found
    /// from here.
    pub lock_dir: &'a Path,
    /// Where `${VAR}` in resource URLs is looked up.
    pub variables: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Where the wheelhouse will be served on the far side, for the
    /// ClearML files (`--serve-url`); `None` writes none of them.
    pub far_side: Option<FarSide>,
}

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    /// The wheelhouse folder.
    pub dir: PathBuf,
    /// The targets it serves.
    pub targets: Vec<String>,
    /// Distribution files in it.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Files downloaded in this build.
    pub downloaded_files: usize,
    /// Bytes downloaded in this build.
    pub downloaded_bytes: u64,
    /// Files linked or copied from the cache.
    pub cached_files: usize,
    /// Files that were already in the folder, verified.
    pub kept_files: usize,
    /// Distribution files removed because the lock no longer has them.
    pub removed_files: Vec<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Packages that the target will build from source.
    pub source_builds: Vec<SourceBuild>,
    /// Wheels built here from sdists (`--build-wheels`).
    pub built_wheels: Vec<BuiltWheel>,
    /// Resources placed under `resources/`.
    pub resources: usize,
    /// Their total size in bytes.
    pub resource_bytes: u64,
    /// Resources downloaded in this build.
    pub downloaded_resources: usize,
    /// The sha256 of the lock it was built from (the bytes of its
    /// `envlock.lock`), for the far side to compare out of band.
    pub lock_sha256: String,
}

/// Builds (or brings up to date) the wheelhouse that `request` describes.
///
/// Every distribution file is verified against the lock before it gets its
/// final name. When some files cannot be fetched, the others stay in place
/// (a second run fetches only what is missing) and the wheelhouse is left
/// without its `SHA256SUMS`, so it cannot pass for complete.
pub fn build(request: &BuildRequest<'_>) -> Result<BuildSummary, WheelhouseError> {
    let started = Instant::now();
    let out_dir = request.out_dir;
    let files = start(request)?;
    let mut origins = place_without_network(request, &files)?;
    let to_fetch: Vec<usize> = (0..files.len())
        .filter(|&position| origins[position].is_none())
        .collect();
    if !to_fetch.is_empty() && request.indexes.is_empty() {
        mark_incomplete(out_dir)?;
        return Err(WheelhouseError::NoIndex {
            missing: to_fetch.len(),
            example: files[to_fetch[0]].name.clone(),
        });
    }
    let fetched = fetch_concurrently(request, &files, &to_fetch);
    for position in &to_fetch {
        if !fetched
            .failures
            .iter()
            .any(|(failed, _)| failed == position)
        {
            origins[*position] = Some(Origin::Downloaded);
        }
    }
    let Fetched {
        failures,
        resources,
        exported,
    } = fetched;
    let resource_origins = all_placed(request, files.len(), failures, resources)?;
    let removed_files = remove_unplanned(out_dir, &files)?;
    let (source_builds, built_wheels) = finish(request, &files, exported)?;

    let sizes_from = |origin: Origin| {
        origins
            .iter()
            .zip(&files)
            .filter(|(found, _)| **found == Some(origin))
            .map(|(_, file)| file.size)
            .collect::<Vec<_>>()
    };
    let downloaded = sizes_from(Origin::Downloaded);
    let resources = &request.lock.resources;
    Ok(BuildSummary {
        dir: out_dir.to_path_buf(),
        targets: request.targets.clone(),
        files: files.len(),
        bytes: files.iter().map(|file| file.size).sum(),
        downloaded_files: downloaded.len(),
        downloaded_bytes: downloaded.iter().sum(),
        cached_files: sizes_from(Origin::Cache).len(),
        kept_files: sizes_from(Origin::AlreadyThere).len(),
        removed_files,
        seconds: started.elapsed().as_secs_f64(),
        source_builds,
        built_wheels,
        resources: resources.len(),
        resource_bytes: resources.iter().map(|resource| resource.size).sum(),
        downloaded_resources: resource_origins
            .iter()
            .filter(|origin| **origin == Origin::Downloaded)
            .count(),
        lock_sha256: crate::verify::sha256_hex(request.lock_text),
    })
}

/// Prepares the folder and writes the lock and the targets into it first,
/// so that an unfinished build can be checked (`envlock verify` lists what
/// is missing) and resumed. Returns the planned files, announced to the
/// reporter with the resources.
fn start(request: &BuildRequest<'_>) -> Result<Vec<PlannedFile>, WheelhouseError> {
    let out_dir = request.out_dir;
    prepare_dir(out_dir)?;
    write_atomic(&out_dir.join(LOCK), request.lock_text.as_bytes())?;
    write_manifest(out_dir, request.lock, &request.targets, &[])?;
    let files = planned_files(request.lock, &request.targets);
    let plain: Vec<_> = request
        .lock
        .resources
        .iter()
        .cloned()
        .chain(carried_interpreters(request.lock, &request.targets))
        .collect();
    let bytes: u64 = files.iter().map(|file| file.size).sum::<u64>()
        + plain.iter().map(|resource| resource.size).sum::<u64>();
    request.reporter.planned(files.len() + plain.len(), bytes);
    Ok(files)
}

/// Keeps what is already in the folder and verified, and links what the
/// cache has. Returns each file's origin; `None` for those to download.
fn place_without_network(
    request: &BuildRequest<'_>,
    files: &[PlannedFile],
) -> Result<Vec<Option<Origin>>, WheelhouseError> {
    // In parallel: a file from the cache is a copy (not a link, see
    // place.rs), and a file without a matching stamp is hashed.
    use rayon::prelude::*;
    let (out_dir, cache, reporter) = (request.out_dir, request.cache, request.reporter);
    files
        .par_iter()
        .map(|file| {
            let dest = envlock_fs::join_file_name(out_dir, &file.name)
                .map_err(|error| WheelhouseError::io("write into", out_dir, error))?;
            let origin = place_local(&dest, &file.sha256, file.size, cache)?;
            if let Some(origin) = origin {
                reporter.file_done(&file.name, file.size, origin);
            }
            Ok(origin)
        })
        .collect()
}

/// What the concurrent part of a build did.
struct Fetched {
    /// The downloads that failed, by position.
    failures: Vec<(usize, WheelhouseError)>,
    /// The resources' origins, or their failures.
    resources: Result<Vec<Origin>, Vec<WheelhouseError>>,
    /// The exports, when they were written beside the downloads.
    exported: Option<Result<(), WheelhouseError>>,
}

/// Downloads the files at `to_fetch` and, beside them, places the
/// resources (they come from their own hosts) and writes the exports (they
/// need only the lock, unless wheels are built here, which changes them).
fn fetch_concurrently(
    request: &BuildRequest<'_>,
    files: &[PlannedFile],
    to_fetch: &[usize],
) -> Fetched {
    let downloads = Downloads {
        dir: request.out_dir,
        cache: request.cache,
        indexes: request.indexes,
        jobs: request.jobs,
        reporter: request.reporter,
    };
    let early_exports = request.build_wheels.is_none();
    std::thread::scope(|scope| {
        let resources = scope.spawn(|| place_plain_files(request));
        let exports = early_exports.then(|| {
            scope.spawn(|| {
                write_installer_files(request.out_dir, request.lock, &request.targets, files)
            })
        });
        let failures = fetch_all(&downloads, files, to_fetch);
        let resources = resources.join().unwrap_or_else(|_| {
            Err(vec![WheelhouseError::Internal(
                "placing the resources panicked".to_owned(),
            )])
        });
        let exported = exports.map(|handle| {
            handle.join().unwrap_or_else(|_| {
                Err(WheelhouseError::Internal(
                    "writing the exports panicked".to_owned(),
                ))
            })
        });
        Fetched {
            failures,
            resources,
            exported,
        }
    })
}

/// Places the resources under `resources/` and the carried interpreters
/// under `python/` (both come from their own hosts, not the index).
/// Returns the resources' origins (the interpreters' are not counted among
/// them), or every failure.
fn place_plain_files(request: &BuildRequest<'_>) -> Result<Vec<Origin>, Vec<WheelhouseError>> {
    let expand_all = |resources: &[envlock_lock::LockedResource]| -> Vec<ExpandedUrl> {
        resources
            .iter()
            .map(|resource| envlock_spec::expand(&resource.url, request.variables))
            .collect()
    };
    let sources = ResourceSources {
        cache: request.cache,
        client: request.client,
        lock_dir: request.lock_dir,
    };
    let placed = place_resources(
        request.out_dir,
        PlainFolder::Resources,
        &request.lock.resources,
        &expand_all(&request.lock.resources),
        &sources,
        request.reporter,
    );
    let interpreters = carried_interpreters(request.lock, &request.targets);
    let carried = place_resources(
        request.out_dir,
        PlainFolder::Python,
        &interpreters,
        &expand_all(&interpreters),
        &sources,
        request.reporter,
    );
    match (placed, carried) {
        (Ok(origins), Ok(_)) => Ok(origins),
        (Err(mut failures), Err(more)) => {
            failures.extend(more);
            Err(failures)
        }
        (Err(failures), Ok(_)) | (Ok(_), Err(failures)) => Err(failures),
    }
}

/// The resources' origins when every file and resource is in place;
/// otherwise marks the folder incomplete and returns every failure.
fn all_placed(
    request: &BuildRequest<'_>,
    file_count: usize,
    failures: Vec<(usize, WheelhouseError)>,
    resources: Result<Vec<Origin>, Vec<WheelhouseError>>,
) -> Result<Vec<Origin>, WheelhouseError> {
    let mut failures: Vec<WheelhouseError> = failures.into_iter().map(|(_, error)| error).collect();
    let origins = match resources {
        Ok(origins) => origins,
        Err(resource_failures) => {
            failures.extend(resource_failures);
            Vec::new()
        }
    };
    if failures.is_empty() {
        return Ok(origins);
    }
    mark_incomplete(request.out_dir)?;
    Err(WheelhouseError::Incomplete {
        failures,
        total: file_count
            + request.lock.resources.len()
            + carried_interpreters(request.lock, &request.targets).len(),
    })
}

/// What installers read: the exports and the static index. They depend on
/// the lock alone (and on wheels built here).
fn write_installer_files(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
    files: &[PlannedFile],
) -> Result<(), WheelhouseError> {
    write_exports(dir, lock, targets)?;
    write_simple_index(dir, files)
}

/// Once every file is in place: builds wheels here when asked, writes the
/// exports if they were not written yet, then the rest of the folder with
/// `SHA256SUMS` last.
fn finish(
    request: &BuildRequest<'_>,
    files: &[PlannedFile],
    exported: Option<Result<(), WheelhouseError>>,
) -> Result<(Vec<SourceBuild>, Vec<BuiltWheel>), WheelhouseError> {
    let out_dir = request.out_dir;
    let mut source_builds = source_builds(out_dir, request.lock, files);
    let (built_wheels, lock, all_files) = match &request.build_wheels {
        Some(options) => {
            let (built, lock, all_files) = build_here(request, options, &mut source_builds, files)?;
            (built, Cow::Owned(lock), Cow::Owned(all_files))
        }
        None => (
            Vec::new(),
            Cow::Borrowed(request.lock),
            Cow::Borrowed(files),
        ),
    };
    match exported {
        Some(result) => result?,
        None => write_installer_files(out_dir, &lock, &request.targets, &all_files)?,
    }
    write_readme(
        out_dir,
        request.lock,
        &request.targets,
        request.far_side.as_ref(),
        &source_builds,
    )?;
    write_manifest(out_dir, &lock, &request.targets, &built_wheels)?;
    write_far_side_files(
        out_dir,
        request.far_side.as_ref(),
        &lock.name,
        &lock.resources,
    )?;
    write_install_scripts(out_dir, &lock, &request.targets)?;
    // A web server running as its own user must be able to read the folder.
    set_readable_modes(out_dir)?;
    write_checksums(out_dir, &all_files, &lock.resources)?;
    Ok((source_builds, built_wheels))
}

/// `--build-wheels`: builds the wheels of the source builds here, and
/// returns them with the lock and the files the exports are written from.
/// What was built here is no longer built on the target.
fn build_here(
    request: &BuildRequest<'_>,
    options: &WheelBuildOptions,
    source_builds: &mut Vec<SourceBuild>,
    files: &[PlannedFile],
) -> Result<(Vec<BuiltWheel>, Lock, Vec<PlannedFile>), WheelhouseError> {
    let built_wheels = build_wheels(request.out_dir, request.lock, source_builds, options)?;
    let mut exported_lock = request.lock.clone();
    let mut all_files = files.to_vec();
    add_built_wheels(&mut exported_lock, &mut all_files, &built_wheels);
    for source in source_builds.iter_mut() {
        source.targets.retain(|target| {
            !built_wheels
                .iter()
                .any(|wheel| wheel.sdist == source.file && wheel.targets.contains(target))
        });
    }
    source_builds.retain(|source| !source.targets.is_empty());
    Ok((built_wheels, exported_lock, all_files))
}

/// Adds the wheels built here to the lock that the exports are written
/// from (the carried `envlock.lock` stays as it was) and to the files of
/// the static index.
fn add_built_wheels(lock: &mut Lock, files: &mut Vec<PlannedFile>, built: &[BuiltWheel]) {
    for wheel in built {
        let Some(package) = lock.packages.iter_mut().find(|package| {
            package.name.as_ref() == wheel.package && package.version.to_string() == wheel.version
        }) else {
            continue;
        };
        // The hash was computed here (`sha256_of`), so it always parses;
        // the wheel's name was checked when it was built.
        let (Ok(sha256), Ok(name)) = (wheel.sha256.parse(), WheelFilename::parse(&wheel.file))
        else {
            continue;
        };
        package.files.push(LockedFile {
            name: DistFilename::Wheel(name),
            sha256,
            size: wheel.size,
            targets: wheel.targets.iter().cloned().collect(),
        });
        files.push(PlannedFile {
            package: package.name.clone(),
            version: package.version.clone(),
            index: package.index.clone(),
            name: wheel.file.clone(),
            sdist: false,
            sha256,
            size: wheel.size,
            targets: wheel.targets.clone(),
            build_only: false,
            requires_python: package.requires_python.clone(),
        });
    }
    files.sort_by(|left, right| left.name.cmp(&right.name));
}
