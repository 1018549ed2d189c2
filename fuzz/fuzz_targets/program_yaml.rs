//! Any text as a program definition: parsing either succeeds or reports
//! errors with positions; it never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = sitrep::load::program::parse_program("fuzz", text, Path::new("content/programs/fuzz.yaml"));
    let _ = sitrep::load::config::parse_site_config(text, Path::new("site.yaml"));
});
