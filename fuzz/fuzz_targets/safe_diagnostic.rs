//! The property every diagnostic of the loaders must have, shared by the
//! fuzz targets that parse data and YAML.

use sitrep::error::{is_unsafe_char, Diagnostic, MAX_MESSAGE_CHARS};

/// The message and help are bounded and hold no raw control or invisible
/// character; shown, the diagnostic is one line and, maybe, a help line.
pub fn assert_safe_to_show(diagnostic: &Diagnostic) {
    let texts = [Some(&diagnostic.message), diagnostic.help.as_ref()];
    for text in texts.into_iter().flatten() {
        assert!(
            text.chars().count() <= MAX_MESSAGE_CHARS + 1,
            "{} characters: {text:?}",
            text.chars().count()
        );
        assert!(!text.chars().any(is_unsafe_char), "{text:?}");
    }
    let shown = diagnostic.to_string();
    let lines: Vec<&str> = shown.split('\n').collect();
    assert!(lines.len() <= 2, "{shown:?}");
    assert!(
        lines.iter().all(|line| !line.chars().any(is_unsafe_char)),
        "{shown:?}"
    );
}
