//! sitrep: a static site generator for weekly business reviews (WBRs).
//!
//! The pipeline, one module per stage:
//!
//! 1. [`load`] reads and validates a site project (`site.yaml`, programs,
//!    data CSVs, review folders) into a [`load::Site`];
//! 2. [`compute`] derives every number of every review version
//!    ([`compute::ReviewNumbers`]) following the WBR conventions;
//! 3. [`pipeline`] runs the stages, renders the outputs and [`write`] puts them on disk,
//!    touching only files that changed.
//!
//! [`calendar`] holds the week, month and fiscal-period rules both stages
//! share; [`error`] the diagnostics every stage reports with.

pub mod calendar;
pub mod compute;
pub mod confined;
pub mod error;
pub mod import;
pub mod load;
pub mod pipeline;
pub mod pull;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod serve;
pub mod write;
mod yaml;

/// This sitrep: its version and a fingerprint of the sources and built-in
/// theme it was built from. Pages made by another sitrep are made again.
pub const BUILD_IDENTITY: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "+",
    env!("SITREP_SOURCE_FINGERPRINT")
);

/// A hash of `value` for telling whether inputs changed between builds.
/// Stable for one build of sitrep; a different one only costs a rebuild.
pub fn fingerprint(value: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
