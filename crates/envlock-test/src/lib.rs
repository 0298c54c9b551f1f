//! Test support for envlock (never a dependency of a shipped crate).
//!
//! It owns: a fixture package index served over HTTP on 127.0.0.1 (PEP 691
//! JSON and PEP 503 HTML pages, PEP 658 metadata files, Range requests,
//! basic auth, injected faults), a generator of tiny but real wheels and
//! sdists with the right metadata, and a loader for the packse conformance
//! scenarios in `shared/conformance/`.
