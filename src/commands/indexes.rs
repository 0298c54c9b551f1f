//! Building the index clients a command uses, from the global options, the
//! spec and the environment, in the order the README documents.

use std::path::PathBuf;
use std::sync::Arc;

use envlock_index::{
    ClientOptions, EnvVars, FindLinks, HttpIndex, IndexClient, IndexLocation, IndexSources,
    IndexUrls, PackageIndex, SpecIndex,
};
use envlock_spec::Spec;

use crate::cli::GlobalOptions;
use crate::diagnostics;

/// The indexes a command reads, and what else was learnt setting them up.
pub struct Opened {
    /// The indexes, primary first, sharing one pooled client.
    pub indexes: Vec<Arc<dyn PackageIndex>>,
    /// Where they are.
    pub urls: IndexUrls,
    /// The client's cache folder.
    pub cache_root: PathBuf,
    /// The pooled client the indexes share (also for plain files).
    pub client: Arc<IndexClient>,
}

/// Sets up the indexes from the global options, the spec and the environment.
pub fn open(global: &GlobalOptions, spec: Option<&Spec>) -> miette::Result<Opened> {
    open_with(global, spec, false)
}

/// Like [`open`], but having no index configured is fine: the command may
/// find everything in the cache, and says which file it missed otherwise.
pub fn open_optional(global: &GlobalOptions) -> miette::Result<Opened> {
    open_with(global, None, true)
}

/// The configured indexes; with none, nothing when that is fine, else
/// the ones the local pip uses, else the error that says how to set one.
fn choose_urls(sources: &IndexSources, optional: bool, quiet: u8) -> miette::Result<IndexUrls> {
    match IndexUrls::from_sources(sources) {
        Ok(urls) => Ok(urls),
        Err(envlock_index::IndexError::NoIndex) if optional => Ok(IndexUrls {
            indexes: Vec::new(),
        }),
        Err(envlock_index::IndexError::NoIndex) => pip_index_urls(quiet)
            .ok_or_else(|| diagnostics::report(&envlock_index::IndexError::NoIndex)),
        Err(error) => Err(diagnostics::report(&error)),
    }
}

/// With no index configured anywhere: the indexes the local pip would use,
/// announced in one line; `None` when there is no pip to ask.
fn pip_index_urls(quiet: u8) -> Option<IndexUrls> {
    let urls = super::pip_index::ask()?;
    let mut indexes = Vec::new();
    for (number, url) in urls.iter().enumerate() {
        let parsed = url::Url::parse(url).ok()?;
        indexes.push(envlock_index::ConfiguredIndex {
            name: if number == 0 {
                "default".to_owned()
            } else {
                format!("extra-{number}")
            },
            location: IndexLocation::Url(parsed),
            origin: "pip's configuration (python3 -m pip)".to_owned(),
        });
    }
    if quiet < 2
        && let Some(IndexLocation::Url(url)) = indexes.first().map(|index| &index.location)
    {
        say_pip_index(&envlock_index::redacted(url));
    }
    Some(IndexUrls { indexes })
}

fn say_pip_index(url: &str) {
    super::terminal::say(&format!(
        "using pip's index: {url}; set ENVLOCK_INDEX_URL to choose another"
    ));
}

/// Like [`open`] with a spec, but having no index configured is fine.
pub fn open_optional_with_spec(global: &GlobalOptions, spec: &Spec) -> miette::Result<Opened> {
    open_with(global, Some(spec), true)
}

/// The index client's options from the global ones. The archive limits,
/// which parsers deep inside the index crate read, are set here too.
fn client_options(
    global: &GlobalOptions,
    allow_insecure_hosts: Vec<String>,
    env: EnvVars,
) -> ClientOptions {
    envlock_index::set_archive_limits(
        global.max_archive_entries,
        global.max_archive_member_size.saturating_mul(1024 * 1024),
    );
    ClientOptions {
        cert: global.cert.clone(),
        allow_insecure_hosts,
        request_timeout: std::time::Duration::from_secs(global.request_timeout),
        max_page_size: global.max_page_size.saturating_mul(1024 * 1024),
        max_metadata_size: global.max_metadata_size.saturating_mul(1024 * 1024),
        offline: global.offline,
        refresh: global.refresh,
        page_max_age: std::time::Duration::from_secs(global.page_max_age),
        // Absolute, because build steps run in other folders and are given
        // paths under the cache (a relative `--cache-dir cache` would point
        // a build's PYTHONPATH at nothing).
        cache_dir: global
            .cache_dir
            .as_deref()
            .map(|dir| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())),
        env,
        ..ClientOptions::default()
    }
}

fn open_with(
    global: &GlobalOptions,
    spec: Option<&Spec>,
    optional: bool,
) -> miette::Result<Opened> {
    let env = EnvVars::from_process();
    // The spec's index URLs are only expanded when they are used: with
    // --index-url on the command line, an unset ${VAR} in the spec is fine.
    let spec_indexes = match (spec, &global.index_url) {
        (Some(spec), None) => spec
            .indexes
            .iter()
            .map(|index| {
                index
                    .expanded_url(&envlock_spec::process_environment)
                    .map(|url| SpecIndex {
                        name: index.name.clone(),
                        url,
                    })
                    .map_err(diagnostics::spec_error)
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let mut find_links: Vec<PathBuf> = global.find_links.clone();
    if let Some(spec) = spec {
        find_links.extend(spec.find_links.iter().map(|entry| entry.value.clone()));
    }
    let pip_config =
        IndexSources::read_pip_config(&env).map_err(|error| diagnostics::report(&error))?;
    let sources = IndexSources {
        index_url: global.index_url.clone(),
        extra_index_urls: global.extra_index_url.clone(),
        find_links,
        spec_indexes,
        env: env.clone(),
        pip_config,
    };
    let urls = choose_urls(&sources, optional, global.quiet)?;
    let mut allow_insecure_hosts = global.allow_insecure_host.clone();
    allow_insecure_hosts.extend(sources.trusted_hosts());
    let client = Arc::new(
        IndexClient::new(client_options(global, allow_insecure_hosts, env))
            .map_err(|error| diagnostics::report(&error))?,
    );
    // The client lives until the process ends: dropping it would join the
    // threads of its four HTTP clients one after another and stop its I/O
    // pool, about 7 ms after a small wheelhouse is finished, for memory
    // and threads the exit gives back anyway.
    std::mem::forget(Arc::clone(&client));
    let cache_root = client.cache().root().to_owned();
    let indexes = urls
        .indexes
        .iter()
        .map(|configured| -> miette::Result<Arc<dyn PackageIndex>> {
            match &configured.location {
                IndexLocation::Url(url) => Ok(Arc::new(
                    HttpIndex::new(&configured.name, url, Arc::clone(&client))
                        .map_err(|error| diagnostics::report(&error))?,
                )),
                IndexLocation::Directory(dir) => Ok(Arc::new(
                    FindLinks::new(&configured.name, dir.clone())
                        .map_err(|error| diagnostics::report(&error))?,
                )),
            }
        })
        .collect::<miette::Result<Vec<_>>>()?;
    Ok(Opened {
        indexes,
        urls,
        cache_root,
        client,
    })
}
