//! The package-index client of envlock (being written).
