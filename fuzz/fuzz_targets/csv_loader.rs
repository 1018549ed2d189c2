//! Any bytes as a data file: parsing either succeeds or reports errors;
//! it never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(parsed) = sitrep::load::data::parse_csv(bytes, Path::new("data/fuzz.csv")) {
        // Every series the loader builds must be usable.
        for (_, _, parts) in &parsed.columns {
            for part in parts {
                let _ = part.series.last_date();
                let _ = part.series.dates().count();
            }
        }
    }
});
