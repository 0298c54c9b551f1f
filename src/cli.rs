//! The command-line interface: argument definitions only.
//!
//! Parsing lives here so that `--help` text, defaults and the global options
//! are in one place; what each command does lives in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Lock Python environments per target and build verified wheelhouses for
/// machines that cannot reach the internet.
///
/// On a connected machine, `envlock lock` resolves the requirements in
/// envlock.toml into envlock.lock: for every declared target (a CPython
/// version and a platform), every file that will be installed, with its
/// sha256 and size. From that lock, `envlock wheelhouse` builds a folder that
/// is carried across the air gap and installed there with plain
/// `pip install --no-index`.
#[derive(Debug, Parser)]
#[command(
    name = "envlock",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalOptions,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command: where packages come from, the cache,
/// TLS and how much to print.
#[derive(Debug, Args)]
pub struct GlobalOptions {
    /// The package index (a PEP 503/691 "simple" URL). Overrides the spec's
    /// [[indexes]], ENVLOCK_INDEX_URL, PIP_INDEX_URL and pip's config files.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Index options"
    )]
    pub index_url: Option<String>,

    /// A further index to search after the main one (repeatable).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Index options"
    )]
    pub extra_index_url: Vec<String>,

    /// A local folder of wheels and sdists to use as an index, like pip's
    /// --find-links (repeatable). A carried wheelhouse is such a folder.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        help_heading = "Index options"
    )]
    pub find_links: Vec<PathBuf>,

    /// Use only what is in the cache; fail, naming what is missing, rather
    /// than touch the network.
    #[arg(long, global = true, help_heading = "Cache options")]
    pub offline: bool,

    /// Ignore cached index pages and metadata (the cache is still updated).
    #[arg(
        long,
        global = true,
        conflicts_with = "offline",
        help_heading = "Cache options"
    )]
    pub refresh: bool,

    /// How long, in seconds, a cached project page is used without asking
    /// the index again when the index said nothing about it: no
    /// Cache-Control freshness and no ETag / Last-Modified to revalidate
    /// with. 0 fetches such pages on every run. An index's own
    /// Cache-Control max-age always wins.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "ENVLOCK_PAGE_MAX_AGE",
        hide_env_values = true,
        default_value_t = 600,
        help_heading = "Cache options"
    )]
    pub page_max_age: u64,

    /// Where to keep downloaded pages, metadata and files.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "ENVLOCK_CACHE_DIR",
        hide_env_values = true,
        help_heading = "Cache options"
    )]
    pub cache_dir: Option<PathBuf>,

    /// A PEM bundle of extra certificate authorities to trust, on top of the
    /// system's trust store (for TLS-intercepting corporate proxies).
    /// SSL_CERT_FILE and SSL_CERT_DIR are honoured too.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Network options"
    )]
    pub cert: Option<PathBuf>,

    /// A host that may be reached over plain http (repeatable; HOST or
    /// HOST:PORT). Nothing else is: not even 127.0.0.1. pip's
    /// `trusted-host` (config files, PIP_TRUSTED_HOST) counts too.
    #[arg(
        long,
        global = true,
        value_name = "HOST",
        env = "ENVLOCK_ALLOW_INSECURE_HOST",
        hide_env_values = true,
        value_delimiter = ',',
        help_heading = "Network options"
    )]
    pub allow_insecure_host: Vec<String>,

    /// The longest one request may take, body included, in seconds. A
    /// download of a file of known size gets this plus the time the file
    /// takes at 64 KiB/s. Each read also times out after 30 s.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "ENVLOCK_REQUEST_TIMEOUT",
        hide_env_values = true,
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Network options"
    )]
    pub request_timeout: u64,

    /// The largest project page read from an index, in MiB.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "ENVLOCK_MAX_PAGE_SIZE",
        hide_env_values = true,
        default_value_t = 256,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Network options"
    )]
    pub max_page_size: u64,

    /// The largest PEP 658 metadata file read from an index, in MiB.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "ENVLOCK_MAX_METADATA_SIZE",
        hide_env_values = true,
        default_value_t = 32,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Network options"
    )]
    pub max_metadata_size: u64,

    /// The most entries an archive (wheel or sdist) read for its metadata,
    /// or unpacked whole for a build, may have.
    #[arg(
        long,
        global = true,
        value_name = "COUNT",
        env = "ENVLOCK_MAX_ARCHIVE_ENTRIES",
        hide_env_values = true,
        default_value_t = envlock_index::DEFAULT_MAX_ARCHIVE_ENTRIES,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Network options"
    )]
    pub max_archive_entries: u64,

    /// The largest member inflated from an archive, in MiB: METADATA,
    /// PKG-INFO or pyproject.toml read for metadata, and every member of an
    /// sdist unpacked for a build.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "ENVLOCK_MAX_ARCHIVE_MEMBER_SIZE",
        hide_env_values = true,
        default_value_t = envlock_index::DEFAULT_MAX_ARCHIVE_MEMBER_SIZE / (1024 * 1024),
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Network options"
    )]
    pub max_archive_member_size: u64,

    /// Print less (repeat for errors only).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,

    /// Print more about what is being done (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The commands, in the order a user meets them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented envlock.toml for a folder (its requirements file, targets).
    Init(InitArgs),
    /// Resolve envlock.toml into envlock.lock, for every declared target.
    Lock(LockArgs),
    /// Turn another tool's lock (pylock.toml, uv.lock, hashed requirements.txt) into envlock.lock.
    Import(ImportArgs),
    /// Build a verified, hermetic wheelhouse from a lock.
    Wheelhouse(WheelhouseArgs),
    /// Re-hash a wheelhouse against the lock inside it (run this after the carry).
    Verify(VerifyArgs),
    /// Upload a verified wheelhouse into a package repository, and read it back.
    Publish(PublishArgs),
    /// Write the lock as requirements.txt (with hashes and markers) or PEP 751 pylock.toml.
    Export(ExportArgs),
    /// Show what changed between two locks, target by target.
    Diff(DiffArgs),
    /// Show every path from the requirements to a package, with the marker on each edge.
    Why(WhyArgs),
}

/// Arguments of `envlock lock`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// The spec: an envlock.toml file or the folder that holds one.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,

    /// Where to write the lock (default: envlock.lock beside the spec).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write nothing; exit 1 and say what differs if the lock is stale or
    /// would change (for CI).
    #[arg(long)]
    pub check: bool,

    /// Ignore the existing lock's pins: take the newest versions allowed,
    /// and fetch the spec's resources again.
    #[arg(long, conflicts_with = "upgrade_package")]
    pub upgrade: bool,

    /// Let this package move to the newest allowed version, keeping every
    /// other pin (repeatable).
    #[arg(long, value_name = "NAME")]
    pub upgrade_package: Vec<String>,

    /// Re-resolve only this target, keeping the others as locked (repeatable).
    #[arg(long, value_name = "NAME")]
    pub target: Vec<String>,

    /// Never run an sdist's build backend: releases whose metadata would
    /// need a build are passed over, and a failed lock names them (also
    /// `no-build = true` in the spec).
    #[arg(long)]
    pub no_build: bool,

    /// Seconds an sdist build (installing its build environment, or running
    /// its backend) may take before it is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub build_timeout: u64,
}

/// Arguments of `envlock wheelhouse`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  envlock wheelhouse envlock.lock --platform manylinux -o wheelhouse
  envlock wheelhouse envlock.lock --target cp310-manylinux_2_28_x86_64 -o wh --archive wh.tar.zst
  envlock --offline wheelhouse envlock.lock -o wheelhouse   # cache, earlier builds
  envlock wheelhouse envlock.lock --platform manylinux -o wheelhouse \\
      --serve-url http://wheels.internal/clearml --queue gpu --image-pull-secret regcred")]
pub struct WheelhouseArgs {
    /// The lock to build from.
    #[arg(default_value = "envlock.lock", value_name = "LOCK")]
    pub lock: PathBuf,

    /// Build for the lock's targets on this platform family (manylinux,
    /// musllinux, macos, windows) or exact platform (manylinux_2_28_x86_64);
    /// repeatable. Default: every target of the lock.
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Vec<String>,

    /// Build only for the target of this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub target: Vec<String>,

    /// The wheelhouse folder: new, empty, or a wheelhouse to bring up to
    /// date (verified files in it are kept).
    #[arg(short, long, value_name = "DIR", default_value = "wheelhouse")]
    pub output: PathBuf,

    /// How many downloads run at once.
    #[arg(short, long, value_name = "N", default_value_t = 32)]
    pub jobs: usize,

    /// Also write the wheelhouse as one reproducible archive
    /// (.tar.gz, .tgz or .tar.zst).
    #[arg(long, value_name = "FILE")]
    pub archive: Option<PathBuf>,

    /// Build the wheels of packages that have only an sdist for a target
    /// here, with an interpreter of the target's Python, instead of leaving
    /// the build to the target. Refused when the wheel built here would not
    /// install on the target's platform.
    #[arg(long)]
    pub build_wheels: bool,

    /// The interpreter for --build-wheels (default: python3.X on PATH for a
    /// target of Python 3.X).
    #[arg(long, value_name = "PATH", requires = "build_wheels")]
    pub python: Option<PathBuf>,

    /// Seconds one --build-wheels build may take before it is killed.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 600,
        requires = "build_wheels"
    )]
    pub build_timeout: u64,

    /// Where the wheelhouse folder will be on the far side: the URL a web
    /// server serves it at, or the absolute path it is mounted at. Writes
    /// clearml.env, clearml-agent-values.override.yaml and
    /// clearml.conf.snippet, which point pip and the resources' variables
    /// there.
    #[arg(long, value_name = "URL|PATH")]
    pub serve_url: Option<String>,

    /// `extra` adds the served index to the one the far side already uses
    /// (PIP_EXTRA_INDEX_URL); `replace` makes it the only one (PIP_INDEX_URL).
    #[arg(long, value_enum, default_value = "extra", requires = "serve_url")]
    pub index_mode: IndexModeArg,

    /// A ClearML Agent queue whose pods get the variables, in the Helm
    /// values override (repeatable; default: the chart's `default` queue).
    #[arg(long, value_name = "QUEUE", requires = "serve_url")]
    pub queue: Vec<String>,

    /// An image pull secret for the agent and its pods, in the Helm values
    /// override (repeatable).
    #[arg(long, value_name = "NAME", requires = "serve_url")]
    pub image_pull_secret: Vec<String>,

    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `envlock publish`. The repository's simple index URL is
/// the global `--index-url` (derived for pypiserver and devpi when absent).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  envlock publish wheelhouse --repository-url https://pypi.internal/ --dry-run
  envlock publish wheelhouse --repository-url https://devpi.internal/ci/stable/ --kit-dir kit
  envlock publish wheelhouse --repository local          # URL and credentials from ~/.pypirc
  envlock publish wheelhouse --repository-url https://art.internal/artifactory/api/pypi/pypi-local \\
      --index-url https://art.internal/artifactory/api/pypi/pypi-local/simple/ \\
      --resources-url https://art.internal/artifactory/generic-local/clearml/")]
pub struct PublishArgs {
    /// The wheelhouse to publish (verified first; refused if it does not verify).
    #[arg(value_name = "DIR", default_value = "wheelhouse")]
    pub dir: PathBuf,

    /// The repository's upload URL (what twine calls --repository-url).
    #[arg(long, value_name = "URL", env = "ENVLOCK_PUBLISH_REPOSITORY_URL")]
    pub repository_url: Option<String>,

    /// A section of ~/.pypirc giving the upload URL and credentials.
    #[arg(long, value_name = "NAME")]
    pub repository: Option<String>,

    /// The .pypirc to read for --repository (default: ~/.pypirc).
    #[arg(long, value_name = "FILE", requires = "repository")]
    pub config_file: Option<PathBuf>,

    /// Publish only this target's files (repeatable; default: every target
    /// of the wheelhouse).
    #[arg(long, value_name = "NAME")]
    pub target: Vec<String>,

    /// Print what would be uploaded and skipped; upload nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// After the upload, also download every file from the repository and
    /// hash it (the read-back otherwise compares the index's sha256).
    #[arg(long)]
    pub download_check: bool,

    /// Where to PUT the lock's resources (a folder URL: an Artifactory
    /// generic or Nexus raw repository, a WebDAV folder). Without it the
    /// resources stay with the wheelhouse.
    #[arg(long, value_name = "URL")]
    pub resources_url: Option<String>,

    /// Write clearml.env, clearml-agent-values.override.yaml and
    /// clearml.conf.snippet into DIR, pointing at the repository's simple
    /// URL and the resources URL.
    #[arg(long, value_name = "DIR")]
    pub kit_dir: Option<PathBuf>,

    /// With --kit-dir: `extra` (PIP_EXTRA_INDEX_URL) or `replace` (PIP_INDEX_URL).
    #[arg(long, value_enum, default_value = "extra", requires = "kit_dir")]
    pub index_mode: IndexModeArg,

    /// With --kit-dir: a ClearML Agent queue whose pods get the variables
    /// (repeatable; default: `default`).
    #[arg(long, value_name = "QUEUE", requires = "kit_dir")]
    pub queue: Vec<String>,

    /// With --kit-dir: an image pull secret in the Helm values override
    /// (repeatable).
    #[arg(long, value_name = "NAME", requires = "kit_dir")]
    pub image_pull_secret: Vec<String>,

    /// How many uploads run at once.
    #[arg(short, long, value_name = "N", default_value_t = 8)]
    pub jobs: usize,

    /// How often a failed upload is retried (connection errors, 429, 5xx).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `--index-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IndexModeArg {
    /// PIP_EXTRA_INDEX_URL: added to the far side's index.
    Extra,
    /// PIP_INDEX_URL: the only index.
    Replace,
}

/// Arguments of `envlock verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The wheelhouse folder to check.
    #[arg(value_name = "DIR", default_value = "wheelhouse")]
    pub dir: PathBuf,

    /// The reviewed lock (from the repository, not from the carry): files
    /// are checked against it, and the carried envlock.lock must be the
    /// same bytes.
    #[arg(long, value_name = "REVIEWED.lock")]
    pub lock: Option<PathBuf>,

    /// Print the findings as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `envlock export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The lock to export.
    #[arg(default_value = "envlock.lock", value_name = "LOCK")]
    pub lock: PathBuf,

    /// What to write: a pip requirements file (pins, --hash lines, markers
    /// that pick each target's versions) or a PEP 751 pylock.toml.
    #[arg(long, value_enum, default_value = "requirements")]
    pub format: ExportFormat,

    /// Export only this target (repeatable; default: every target).
    #[arg(long, value_name = "NAME")]
    pub target: Vec<String>,

    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// For pylock: files are `path = "./<file>"` entries beside the
    /// pylock.toml in a wheelhouse, instead of URLs on the index given with
    /// --index-url.
    #[arg(long)]
    pub wheelhouse: bool,
}

/// The formats `envlock export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// requirements.txt for `pip install --require-hashes -r`.
    Requirements,
    /// PEP 751 pylock.toml.
    Pylock,
}

/// The formats `envlock diff` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// An aligned plain-text table for a terminal.
    Table,
    /// GitHub-flavoured Markdown for a pull-request comment.
    Markdown,
    /// JSON for scripts.
    Json,
}

/// Arguments of `envlock diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old lock: a file, or `REV:PATH` for a git revision's copy
    /// (`HEAD~1:lockfiles/clearml-session.lock`).
    #[arg(value_name = "OLD")]
    pub old: String,

    /// The new lock: a file or `REV:PATH` (with --git: omitted).
    #[arg(value_name = "NEW")]
    pub new: Option<String>,

    /// Compare OLD (a path) as it was at this git revision with the file now.
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,

    /// How to show the changes.
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
}

/// Arguments of `envlock why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The package to explain.
    #[arg(value_name = "PACKAGE")]
    pub package: String,

    /// The lock to read.
    #[arg(long, default_value = "envlock.lock", value_name = "LOCK")]
    pub lock: PathBuf,

    /// Only this target (default: every target).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
}

/// Targets given on the command line (`init`, `import`): the cross product
/// of the Pythons and the platforms.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// A CPython version to lock for (repeatable; default: the host's
    /// python3 version).
    #[arg(long, value_name = "3.X")]
    pub python: Vec<String>,

    /// A platform to lock for (repeatable; default: manylinux_2_28 on the
    /// host's architecture), exact (manylinux_2_28_x86_64) or a shorthand
    /// (manylinux, musllinux, macos, windows).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Vec<String>,
}

/// Arguments of `envlock init`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  envlock init && envlock lock
  envlock init --requirements requirements.in --python 3.10 --python 3.12 --platform manylinux
  envlock init --exclude-newer now   # freeze: ignore files uploaded after this moment")]
pub struct InitArgs {
    /// The folder to write envlock.toml into.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// A pip requirements file to lock (default: requirements.in or
    /// requirements.txt in DIR, when there is one).
    #[arg(long, short = 'r', value_name = "FILE")]
    pub requirements: Option<PathBuf>,

    /// The targets.
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Ignore files uploaded after this moment: `now`, or an RFC 3339 time.
    #[arg(long, value_name = "now|TIME")]
    pub exclude_newer: Option<String>,

    /// The spec's name (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,

    /// Overwrite an existing envlock.toml.
    #[arg(long)]
    pub force: bool,
}

/// The formats `envlock import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// PEP 751 pylock.toml.
    Pylock,
    /// uv's uv.lock.
    UvLock,
    /// A requirements file with --hash options.
    Requirements,
}

/// Arguments of `envlock import`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  envlock import uv.lock --python 3.8 --python 3.12 --platform manylinux
  envlock import pylock.toml --spec envlock.toml     # the spec's targets
  envlock import requirements.txt --index-url URL   # files found on the index by hash
  envlock import uv.lock --check                    # exit 1 when uv.lock changed since")]
pub struct ImportArgs {
    /// The other tool's lock: pylock.toml (PEP 751), uv.lock, or a
    /// requirements file with --hash options.
    #[arg(value_name = "SOURCE")]
    pub source: PathBuf,

    /// The source's format (default: from its name; pylock.*.toml, uv.lock,
    /// anything else is a requirements file).
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,

    /// Take the targets from this spec (default: ./envlock.toml when it
    /// exists and no --python/--platform is given).
    #[arg(long, value_name = "PATH")]
    pub spec: Option<PathBuf>,

    /// The targets (instead of a spec's).
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Where to write the lock (default: envlock.lock beside the source).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The lock's name (default: the spec's, else the source's folder name).
    #[arg(long)]
    pub name: Option<String>,

    /// Write nothing; exit 1 and say why if the lock is not what importing
    /// the source gives now (the source changed, say).
    #[arg(long)]
    pub check: bool,

    /// For packages the source gives no hash for, take the index's hashes
    /// (they then vouch for the index, not for the source).
    #[arg(long)]
    pub fetch_hashes: bool,
}
