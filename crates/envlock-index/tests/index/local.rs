//! Find-links directories and index configuration.

use std::path::PathBuf;

use envlock_index::{
    CacheKeeps, ConfiguredIndex, EnvVars, FindLinks, IndexError, IndexLocation, IndexSources,
    IndexUrls, PackageIndex, PipConfigFile, SpecIndex,
};
use url::Url;

use crate::{name, sample_index};

#[test]
fn a_find_links_directory_is_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    fixture.write_find_links_dir(dir.path()).unwrap();
    let index = FindLinks::new("wheelhouse", dir.path()).unwrap();
    assert_eq!(index.name(), "wheelhouse");
    let page = index.project(&name("DEMO")).unwrap();
    let expected = fixture.files("demo");
    let mut filenames: Vec<_> = page
        .files
        .iter()
        .map(|file| file.filename.clone())
        .collect();
    filenames.sort();
    let mut expected_names: Vec<_> = expected.iter().map(|file| file.filename.clone()).collect();
    expected_names.sort();
    assert_eq!(filenames, expected_names);
    for file in &page.files {
        let fixture_file = expected
            .iter()
            .find(|candidate| candidate.filename == file.filename)
            .unwrap();
        assert_eq!(file.sha256_hex(), Some(fixture_file.sha256()));
        let metadata = index.core_metadata(file).unwrap();
        assert_eq!(metadata.name.as_ref(), "demo");
        let fetched = index
            .fetch(file, &dest.path().join(&file.filename), CacheKeeps::Copy)
            .unwrap();
        assert_eq!(fetched.sha256.to_hex(), fixture_file.sha256());
    }
    assert!(matches!(
        index.project(&name("absent")),
        Err(IndexError::ProjectNotFound { .. })
    ));
}

#[test]
fn find_links_fetch_verifies_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    sample_index().write_find_links_dir(dir.path()).unwrap();
    let index = FindLinks::new("local", dir.path()).unwrap();
    let mut file = index.project(&name("leaf")).unwrap().files.remove(0);
    file.sha256 = Some(envlock_fs::Sha256::from_bytes([0; 32]));
    let target = dest.path().join("leaf.whl");
    assert!(matches!(
        index.fetch(&file, &target, CacheKeeps::Copy),
        Err(IndexError::HashMismatch { .. })
    ));
    assert!(!target.exists());
}

fn url_of(index: &ConfiguredIndex) -> String {
    match &index.location {
        IndexLocation::Url(url) => url.to_string(),
        IndexLocation::Directory(dir) => dir.display().to_string(),
    }
}

fn pip_conf(text: &str) -> Vec<PipConfigFile> {
    vec![PipConfigFile {
        path: PathBuf::from("/home/u/.config/pip/pip.conf"),
        contents: text.to_owned(),
    }]
}

#[test]
fn index_url_precedence() {
    let flag = Some("http://flag.invalid/simple/".to_owned());
    let spec = vec![SpecIndex {
        name: "corp".into(),
        url: "http://spec.invalid/simple/".into(),
    }];
    let all_env = EnvVars::from_pairs([
        ("ENVLOCK_INDEX_URL", "http://envlock.invalid/simple/"),
        ("PIP_INDEX_URL", "http://pip.invalid/simple/"),
        (
            "PIP_EXTRA_INDEX_URL",
            "http://pip-extra1.invalid/simple/ http://pip-extra2.invalid/simple/",
        ),
    ]);
    let pip_env = EnvVars::from_pairs([
        ("PIP_INDEX_URL", "http://pip.invalid/simple/"),
        ("PIP_EXTRA_INDEX_URL", "http://pip-extra1.invalid/simple/"),
    ]);
    let config = pip_conf(
        "[global]\nindex-url = http://conf.invalid/simple/\nextra-index-url = http://conf-extra.invalid/simple/\n",
    );

    // (flag, spec, env, config) → (primary name, urls in order, primary origin)
    let cases: Vec<(IndexSources, Vec<&str>, &str)> = vec![
        (
            IndexSources {
                index_url: flag.clone(),
                spec_indexes: spec.clone(),
                env: all_env.clone(),
                pip_config: config.clone(),
                ..Default::default()
            },
            vec!["http://flag.invalid/simple/"],
            "--index-url",
        ),
        (
            IndexSources {
                spec_indexes: spec.clone(),
                env: all_env.clone(),
                pip_config: config.clone(),
                ..Default::default()
            },
            vec!["http://spec.invalid/simple/"],
            "[[indexes]] `corp` in the spec",
        ),
        (
            IndexSources {
                env: all_env.clone(),
                pip_config: config.clone(),
                ..Default::default()
            },
            vec!["http://envlock.invalid/simple/"],
            "ENVLOCK_INDEX_URL",
        ),
        (
            IndexSources {
                env: pip_env.clone(),
                pip_config: config.clone(),
                ..Default::default()
            },
            vec![
                "http://pip.invalid/simple/",
                "http://pip-extra1.invalid/simple/",
            ],
            "PIP_INDEX_URL",
        ),
        (
            IndexSources {
                pip_config: config.clone(),
                ..Default::default()
            },
            vec![
                "http://conf.invalid/simple/",
                "http://conf-extra.invalid/simple/",
            ],
            "index-url in /home/u/.config/pip/pip.conf",
        ),
        (
            IndexSources {
                index_url: flag.clone(),
                extra_index_urls: vec!["http://extra-flag.invalid/simple/".into()],
                find_links: vec![PathBuf::from("/srv/wheels")],
                ..Default::default()
            },
            vec![
                "http://flag.invalid/simple/",
                "http://extra-flag.invalid/simple/",
                "/srv/wheels",
            ],
            "--index-url",
        ),
    ];
    for (sources, urls, origin) in cases {
        let chosen = IndexUrls::from_sources(&sources).unwrap();
        let got: Vec<String> = chosen.indexes.iter().map(url_of).collect();
        assert_eq!(got, urls, "{sources:?}");
        assert_eq!(chosen.primary().unwrap().origin, origin);
    }
    let all = IndexUrls::from_sources(&IndexSources {
        env: all_env,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        all.indexes.len(),
        1,
        "PIP_EXTRA_INDEX_URL belongs to the PIP_INDEX_URL tier"
    );
}

#[test]
fn no_index_says_how_to_set_one() {
    let error = IndexUrls::from_sources(&IndexSources::default())
        .unwrap_err()
        .to_string();
    for hint in [
        "--index-url",
        "ENVLOCK_INDEX_URL",
        "PIP_INDEX_URL",
        "[[indexes]]",
    ] {
        assert!(error.contains(hint), "{error}");
    }
    // find-links alone is enough (the air-gapped side).
    let local = IndexSources {
        find_links: vec![PathBuf::from("/w")],
        ..Default::default()
    };
    assert_eq!(
        IndexUrls::from_sources(&local).unwrap().indexes[0].location,
        IndexLocation::Directory("/w".into())
    );
}

#[test]
fn invalid_urls_name_their_origin_without_credentials() {
    let sources = IndexSources {
        env: EnvVars::from_pairs([("ENVLOCK_INDEX_URL", "ftp://user:hunter2@h.invalid/")]),
        ..Default::default()
    };
    let error = IndexUrls::from_sources(&sources).unwrap_err().to_string();
    assert!(
        error.contains("ENVLOCK_INDEX_URL") && !error.contains("hunter2"),
        "{error}"
    );
    let parsed = Url::parse("http://h.invalid/").unwrap();
    assert_eq!(envlock_index::redacted(&parsed), "http://h.invalid/");
}

#[test]
fn pip_config_files_are_read_from_the_injected_environment() {
    let home = tempfile::tempdir().unwrap();
    let conf = home.path().join(".config/pip/pip.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    std::fs::write(&conf, "[global]\nindex-url = http://home.invalid/simple/\n").unwrap();
    let env = EnvVars::from_pairs([("HOME", home.path().to_str().unwrap())]);
    let files = IndexSources::read_pip_config(&env).unwrap();
    let sources = IndexSources {
        pip_config: files,
        env,
        ..Default::default()
    };
    let chosen = IndexUrls::from_sources(&sources).unwrap();
    assert_eq!(url_of(&chosen.indexes[0]), "http://home.invalid/simple/");
}
