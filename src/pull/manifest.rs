//! `data/.pull-manifest.json`: what `sitrep pull` ran to make each data
//! file. Hidden, so it is not an input of a build (a re-pull that gives the
//! same bytes changes nothing); builds read it only to say which source
//! made a file with a problem, and to warn about a file pulled before the
//! newest review week ended.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Period};
use crate::error::{Diagnostic, Error};

/// The manifest's path in the project.
pub const MANIFEST_FILE: &str = "data/.pull-manifest.json";

/// Every pulled data file, by path (`data/tickets.csv`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: BTreeMap<String, PulledFile>,
}

/// One run of a source that wrote a data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledFile {
    /// `sources/tickets.sql`.
    pub source: String,
    /// SHA-256 of the source file as it ran.
    pub source_sha256: String,
    /// `postgresql://user@host:port/database` (never the password);
    /// none for an executable source.
    pub connection: Option<String>,
    /// The dates bound to `:as_of` and `:since` (`SITREP_AS_OF`, `SITREP_SINCE`).
    pub as_of: String,
    pub since: String,
    /// UTC, RFC 3339.
    pub started: String,
    pub finished: String,
    /// Data rows (the header not counted) and bytes of the file written.
    pub rows: u64,
    pub bytes: u64,
    /// SHA-256 of the file written.
    pub sha256: String,
}

impl Manifest {
    /// The project's manifest; none yet is an empty one.
    pub fn read(root: &Path) -> Result<Manifest, Diagnostic> {
        match std::fs::read(root.join(MANIFEST_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                Diagnostic::new(MANIFEST_FILE, format!("cannot be read: {error}"))
                    .at(error.line(), error.column())
                    .with_help("restore it from version control, or delete it: the next `sitrep pull` writes a new one")
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(error) => Err(Diagnostic::new(MANIFEST_FILE, format!("cannot read: {error}"))),
        }
    }

    /// Writes the manifest in one step (a temporary file renamed over it).
    pub fn write(&self, root: &Path) -> Result<(), Error> {
        let path = root.join(MANIFEST_FILE);
        let folder = path.parent().expect("the manifest is in data/");
        let mut bytes = serde_json::to_vec_pretty(self).expect("the manifest serialises");
        bytes.push(b'\n');
        let mut file = tempfile::Builder::new()
            .prefix(".pull-manifest.")
            .tempfile_in(folder)
            .map_err(|error| Error::io("cannot write", &path, error))?;
        std::io::Write::write_all(&mut file, &bytes)
            .map_err(|error| Error::io("cannot write", &path, error))?;
        file.as_file()
            .sync_all()
            .map_err(|error| Error::io("cannot write", &path, error))?;
        super::set_permissions(file.path(), &path)
            .map_err(|error| Error::io("cannot write", &path, error))?;
        file.persist(&path)
            .map_err(|error| Error::io("cannot write", &path, error.error))?;
        Ok(())
    }

    /// Names the source behind each pulled file a diagnostic is about.
    pub fn annotate<'a>(&self, diagnostics: impl IntoIterator<Item = &'a mut Diagnostic>) {
        for diagnostic in diagnostics {
            let path = diagnostic.path.to_string_lossy().replace('\\', "/");
            if let Some(file) = self.files.get(&path) {
                diagnostic.origin = Some(Path::new(&file.source).into());
            }
        }
    }

    /// Pulled files that finished before the newest of `weeks` ended
    /// (local midnight after its last day): their data for it may be
    /// incomplete.
    pub fn stale(&self, root: &Path, calendar: &Calendar, weeks: &[Period]) -> Vec<Diagnostic> {
        let Some(newest) = weeks.iter().max() else {
            return Vec::new();
        };
        let zone = jiff::tz::TimeZone::system();
        let week = calendar.review_week(*newest);
        self.files
            .iter()
            .filter(|(path, _)| root.join(path).is_file())
            .filter_map(|(path, file)| {
                let finished: jiff::Timestamp = file.finished.parse().ok()?;
                let day = finished.to_zoned_datetime(zone.clone()).date();
                (day <= newest.end).then(|| {
                    let name = Path::new(path).file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
                    let mut warning = Diagnostic::new(path, format!(
                        "pulled on {day}, before review week {} ended on {}: its data for that week may be incomplete",
                        week.id, newest.end
                    ))
                    .with_help(format!("run `sitrep pull {name}` once the week is over"));
                    warning.origin = Some(Path::new(&file.source).into());
                    warning
                })
            })
            .collect()
    }

    /// For a build or check of the project at `root`: names the sources of
    /// pulled files in its errors and warnings and adds staleness warnings.
    /// A project without a manifest (or with one that cannot be read) is
    /// left as it is: the manifest is a record, not an input.
    pub fn explain<T>(
        root: &Path,
        result: Result<T, Error>,
        warnings: impl FnOnce(&mut T) -> &mut Vec<Diagnostic>,
    ) -> Result<T, Error> {
        let Ok(manifest) = Manifest::read(root) else {
            return result;
        };
        if manifest.files.is_empty() {
            return result;
        }
        match result {
            Ok(mut value) => {
                let list = warnings(&mut value);
                manifest.annotate(list.iter_mut());
                let calendar = std::fs::read_to_string(root.join(crate::load::SITE_FILE))
                    .ok()
                    .and_then(|text| {
                        crate::load::config::parse_site_config(
                            &text,
                            Path::new(crate::load::SITE_FILE),
                        )
                        .ok()
                    })
                    .map(|config| config.calendar)
                    .unwrap_or_default();
                let weeks = super::review_weeks(root, &calendar);
                list.extend(manifest.stale(root, &calendar, &weeks));
                Ok(value)
            }
            Err(Error::Input(mut diagnostics)) => {
                manifest.annotate(diagnostics.0.iter_mut());
                Err(Error::Input(diagnostics))
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn pulled(finished: &str) -> PulledFile {
        PulledFile {
            source: "sources/tickets.sql".to_string(),
            source_sha256: String::new(),
            connection: None,
            as_of: "2026-11-22".to_string(),
            since: "2024-10-01".to_string(),
            started: finished.to_string(),
            finished: finished.to_string(),
            rows: 1,
            bytes: 10,
            sha256: String::new(),
        }
    }

    #[test]
    fn a_file_pulled_before_the_newest_week_ended_is_stale() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(folder.path().join("data")).unwrap();
        std::fs::write(folder.path().join("data/tickets.csv"), "date,x\n").unwrap();
        let mut manifest = Manifest::default();
        // Noon UTC on the week's last day is that day in any time zone
        // within ±12 hours.
        manifest.files.insert(
            "data/tickets.csv".to_string(),
            pulled("2026-11-22T12:00:00Z"),
        );
        let weeks = [
            Period::new(date(2026, 11, 9), date(2026, 11, 15)),
            Period::new(date(2026, 11, 16), date(2026, 11, 22)),
        ];
        let warnings = manifest.stale(folder.path(), &Calendar::default(), &weeks);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].to_string(),
            "data/tickets.csv (from sources/tickets.sql): pulled on 2026-11-22, before review week 2026-W47 ended on 2026-11-22: its data for that week may be incomplete\n  help: run `sitrep pull tickets` once the week is over"
        );
        // Two days after the week: fresh.
        manifest.files.insert(
            "data/tickets.csv".to_string(),
            pulled("2026-11-24T12:00:00Z"),
        );
        assert!(manifest
            .stale(folder.path(), &Calendar::default(), &weeks)
            .is_empty());
    }

    #[test]
    fn diagnostics_about_pulled_files_name_their_source() {
        let mut manifest = Manifest::default();
        manifest.files.insert(
            "data/tickets.csv".to_string(),
            pulled("2026-11-24T12:00:00Z"),
        );
        let mut diagnostics = [
            Diagnostic::new("data/tickets.csv", "bad").at_line(Some(1042)),
            Diagnostic::new("data/other.csv", "bad"),
        ];
        manifest.annotate(diagnostics.iter_mut());
        assert_eq!(
            diagnostics[0].to_string(),
            "data/tickets.csv:1042 (from sources/tickets.sql): bad"
        );
        assert_eq!(diagnostics[1].origin, None);
    }
}
