//! Loading a site project: every input file is read and parsed once, and
//! every problem found is reported together.

pub mod config;
pub mod program;
