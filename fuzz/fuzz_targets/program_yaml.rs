//! Any text as a program definition or site configuration: parsing either
//! succeeds or reports errors with positions; it never panics, and every
//! error is safe to print: no control or invisible character from the
//! input, and no more than a bounded message however long its values are.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
mod safe_diagnostic;
use safe_diagnostic::assert_safe_to_show;

fuzz_target!(|text: &str| {
    if let Err(errors) =
        sitrep::load::program::parse_program("fuzz", text, Path::new("content/programs/fuzz.yaml"))
    {
        errors.iter().for_each(assert_safe_to_show);
    }
    if let Err(errors) = sitrep::load::config::parse_site_config(text, Path::new("site.yaml")) {
        errors.iter().for_each(assert_safe_to_show);
    }
});
