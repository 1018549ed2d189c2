//! `sitrep import wbr-app`: a wbr-app config (and its CSVs and annotation
//! files) becomes a sitrep site, or a program of an existing one. Reading
//! the config ([`config`]), mapping it onto sitrep's files ([`map`]) and
//! planning and writing them ([`plan`]) are separate steps: nothing is
//! written until everything has been read, mapped and checked.

pub mod config;
pub mod map;
pub mod plan;

use std::path::{Path, PathBuf};

use crate::error::Error;

pub use plan::Imported;

/// Imports the wbr-app config at `config_path` into `into` (default: a
/// folder named after the config, in `root`), copying the CSV files `csv`
/// into the site's `data/`.
pub fn import_wbr_app(
    root: &Path,
    config_path: &Path,
    into: Option<&Path>,
    csv: &[PathBuf],
) -> Result<Imported, Error> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|error| Error::io("cannot read", config_path, error))?;
    let config = config::read_config(&text, config_path)?;
    let dir = match into {
        Some(dir) if dir.is_absolute() || root == Path::new(".") => dir.to_path_buf(),
        Some(dir) => root.join(dir),
        None => {
            let stem = config_path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wbr".to_string());
            if root == Path::new(".") {
                PathBuf::from(stem)
            } else {
                root.join(stem)
            }
        }
    };
    plan::import(&config, config_path, &dir, csv)
}
