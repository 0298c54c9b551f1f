//! The envlock command line.
fn main() {}
