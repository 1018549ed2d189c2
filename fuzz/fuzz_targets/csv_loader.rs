//! Any bytes as a data file: parsing either succeeds or reports errors;
//! it never panics, and every error is safe to print: no control or
//! invisible character from the input, and no more than a bounded message
//! however long the input's cells are.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
mod safe_diagnostic;
use safe_diagnostic::assert_safe_to_show;

fuzz_target!(|bytes: &[u8]| {
    match sitrep::load::data::parse_csv(bytes, Path::new("data/fuzz.csv")) {
        Ok(parsed) => {
            // Every series the loader builds must be usable.
            for (_, _, parts) in &parsed.columns {
                for part in parts {
                    let _ = part.series.last_date();
                    let _ = part.series.dates().count();
                }
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            // At most 20 per file, and the line that counts the rest.
            assert!(errors.len() <= 21, "{} errors", errors.len());
            errors.iter().for_each(assert_safe_to_show);
        }
    }
});
