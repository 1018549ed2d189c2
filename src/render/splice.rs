//! Rendering a deck once for both of its pages. A program page and the
//! week's print view show the same deck markup (the theme's
//! `partials/deck.html`), except that the print view, which holds every
//! program's deck, puts the program's id in front of each element id, and
//! leaves out what only a screen can use (`{% filter screen_only %}`).
//!
//! So the deck is rendered once with a *slot* in place of each id, and with
//! the screen-only parts between two marks; [`Fragment::parse`] cuts the
//! output at the slots and marks, and [`Fragment::write`] puts it together
//! for either page. A slot or mark is `<`, the control character U+0001, a
//! random number chosen when the theme is loaded (never written anywhere),
//! and what it stands for. No input text can make one: every text a deck
//! shows is HTML-escaped, so an input `<` is written `&lt;`, and the number
//! is not known outside this process. Whatever does not cut cleanly (a
//! U+0001 that is not a slot's, a slot a theme filter changed, marks that
//! do not pair) makes `parse` give up, and the deck is then rendered twice
//! the plain way.

use std::hash::{BuildHasher, Hasher};
use std::ops::Range;

/// How every slot and mark starts, before its random number.
const LEAD: &str = "<\u{1}";

/// Serialises an element id of a deck view (`#[serde(serialize_with)]`):
/// a slot goes to templates as markup, so that `{{ chart.anchor }}` writes
/// its `<` as it is, which no escaped input text can (ids sitrep makes have
/// no `<`).
pub fn serialize_id<S: serde::Serializer>(id: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if id.starts_with(LEAD) {
        serde::Serialize::serialize(
            &minijinja::Value::from_safe_string(id.to_string()),
            serializer,
        )
    } else {
        serializer.serialize_str(id)
    }
}

/// The marks of one theme's renderings.
#[derive(Debug, Clone)]
pub struct Marks {
    /// `<` U+0001 and the random number: how every slot and mark starts.
    lead: String,
}

// After [`Marks::lead`], a slot has `#` and its number, the start and end
// marks of screen-only markup `[` and `]`; each ends with `>`.

impl Marks {
    /// Marks with a number that differs from run to run.
    pub fn random() -> Marks {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x5172_6570);
        Marks {
            lead: format!("{LEAD}{:020}", hasher.finish()),
        }
    }

    /// The slot that stands for markup number `index` of a page (see
    /// [`fill_insets`]).
    pub fn inset(&self, index: usize) -> String {
        format!("{}@{index}>", self.lead)
    }

    /// The slot that stands for id number `index`.
    pub fn slot(&self, index: usize) -> String {
        format!("{}#{index}>", self.lead)
    }

    /// The marks around screen-only markup.
    pub fn screen_only(&self) -> (String, String) {
        (format!("{}[>", self.lead), format!("{}]>", self.lead))
    }
}

/// `html`, rendered with [`Marks::inset`] slots, with each slot replaced by
/// its markup from `insets`: a page gets its deck and chart data this way,
/// without copying them into template values and through the template
/// engine. `None` when a slot is not found as it was given (a theme filter
/// changed it, or text looks like one): the page is then rendered with the
/// markup itself. Any other U+0001 of input text is left as it is.
pub fn fill_insets(html: &str, marks: &Marks, insets: &[&str]) -> Option<String> {
    let lead = marks.lead.as_bytes();
    let bytes = html.as_bytes();
    let length = html.len() + insets.iter().map(|inset| inset.len()).sum::<usize>();
    let mut out = String::with_capacity(length);
    let mut start = 0;
    let mut filled = 0;
    for control in memchr::memchr_iter(1, bytes) {
        let Some(at) = control.checked_sub(1) else {
            continue;
        };
        if at < start {
            continue;
        }
        if !bytes[at..].starts_with(lead) {
            // Input text's U+0001 is left alone; what looks like a slot
            // cut short or escaped (by a theme filter) is not.
            if bytes[..control].ends_with(b"<") || bytes[..control].ends_with(b"&lt;") {
                return None;
            }
            continue;
        }
        let rest = html[at + lead.len()..].strip_prefix('@')?;
        let end = rest.find('>')?;
        let inset = insets.get(rest[..end].parse::<usize>().ok()?)?;
        out.push_str(&html[start..at]);
        out.push_str(inset);
        start = at + lead.len() + 1 + end + 1;
        filled += 1;
    }
    out.push_str(&html[start..]);
    // A slot a filter changed still has this run's number.
    let number = &marks.lead[LEAD.len()..];
    (memchr::memmem::find_iter(bytes, number).count() == filled).then_some(out)
}

/// One piece of a rendered deck.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Markup, as a range of the rendered text.
    Text(Range<usize>),
    /// Id number `n`.
    Id(usize),
}

/// A deck rendered with slots, cut into pieces.
#[derive(Debug)]
pub struct Fragment<'a> {
    html: String,
    /// Each piece, and whether it is screen-only.
    pieces: Vec<(Piece, bool)>,
    ids: &'a [String],
}

impl<'a> Fragment<'a> {
    /// Cuts `html`, rendered with `marks`, whose slots stand for `ids`;
    /// `None` when it does not cut cleanly (see the module's notes).
    pub fn parse(html: String, marks: &Marks, ids: &'a [String]) -> Option<Fragment<'a>> {
        let lead = marks.lead.as_bytes();
        let bytes = html.as_bytes();
        let mut pieces = Vec::with_capacity(ids.len() * 4 + 1);
        let mut screen = false;
        let mut start = 0;
        // Every U+0001 must be a slot's or a mark's: `<` before it, this
        // run's number after it, then what it stands for and `>`.
        for control in memchr::memchr_iter(1, bytes) {
            if control < start {
                return None;
            }
            let at = control.checked_sub(1)?;
            if !bytes[at..].starts_with(lead) {
                return None;
            }
            let rest = &html[at + lead.len()..];
            let end = rest.find('>')?;
            let piece = match rest.as_bytes().first()? {
                b'#' => {
                    let index: usize = rest[1..end].parse().ok()?;
                    if index >= ids.len() {
                        return None;
                    }
                    Some(Piece::Id(index))
                }
                b'[' if end == 1 && !screen => None,
                b']' if end == 1 && screen => None,
                _ => return None,
            };
            if start < at {
                pieces.push((Piece::Text(start..at), screen));
            }
            match piece {
                Some(piece) => pieces.push((piece, screen)),
                None => screen = !screen,
            }
            start = at + lead.len() + end + 1;
        }
        if start < html.len() {
            pieces.push((Piece::Text(start..html.len()), screen));
        }
        if screen {
            return None;
        }
        Some(Fragment { html, pieces, ids })
    }

    /// The deck as its program page shows it (`prefix` `None`), or as the
    /// print view does: each id with `prefix-` in front, without the
    /// screen-only parts.
    pub fn write(&self, prefix: Option<&str>) -> String {
        let mut out = String::with_capacity(self.html.len() + 64 * self.ids.len());
        for (piece, screen) in &self.pieces {
            if *screen && prefix.is_some() {
                continue;
            }
            match piece {
                Piece::Text(range) => out.push_str(&self.html[range.clone()]),
                Piece::Id(index) => {
                    if let Some(prefix) = prefix {
                        out.push_str(prefix);
                        out.push('-');
                    }
                    out.push_str(&self.ids[*index]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        vec!["metric-a".to_string(), "chart-2".to_string()]
    }

    #[test]
    fn a_fragment_is_written_for_each_page() {
        let marks = Marks::random();
        let (start, end) = marks.screen_only();
        let html = format!(
            "<figure id=\"{}\"><h3 id=\"{}-title\">T</h3>{start}<a href=\"#{}\">#</a>{end}</figure>",
            marks.slot(0),
            marks.slot(1),
            marks.slot(0)
        );
        let ids = ids();
        let fragment = Fragment::parse(html, &marks, &ids).unwrap();
        assert_eq!(
            fragment.write(None),
            "<figure id=\"metric-a\"><h3 id=\"chart-2-title\">T</h3><a href=\"#metric-a\">#</a></figure>"
        );
        assert_eq!(
            fragment.write(Some("trust")),
            "<figure id=\"trust-metric-a\"><h3 id=\"trust-chart-2-title\">T</h3></figure>"
        );
    }

    #[test]
    fn insets_are_filled_unless_changed() {
        let marks = Marks::random();
        let html = format!("<main>\u{1}{}</main>{}", marks.inset(0), marks.inset(1));
        assert_eq!(
            fill_insets(&html, &marks, &["<p>deck</p>", "{}"]).unwrap(),
            "<main>\u{1}<p>deck</p></main>{}"
        );
        // Digits and signs: upper-casing leaves a slot as it is.
        let upper = format!("<main>{}</main>", marks.inset(0).to_uppercase());
        assert_eq!(
            fill_insets(&upper, &marks, &["x"]).unwrap(),
            "<main>x</main>"
        );
        let escaped = format!("<main>{}</main>", marks.inset(0).replace('<', "&lt;"));
        assert_eq!(fill_insets(&escaped, &marks, &["x"]), None);
        assert_eq!(fill_insets(&marks.inset(2), &marks, &["x"]), None);
        let cut = format!("<main>{}</main>", &marks.inset(0)[..8]);
        assert_eq!(fill_insets(&cut, &marks, &["x"]), None);
    }

    #[test]
    fn what_does_not_cut_cleanly_is_refused() {
        let marks = Marks::random();
        let (start, end) = marks.screen_only();
        let ids = ids();
        // A stray U+0001, as input text could hold.
        assert!(Fragment::parse(format!("a\u{1}b{}", marks.slot(0)), &marks, &ids).is_none());
        // A slot a filter changed (escaped, cut short).
        let escaped = marks.slot(0).replace('<', "&lt;");
        assert!(Fragment::parse(escaped, &marks, &ids).is_none());
        let cut = marks.slot(0)[..8].to_string();
        assert!(Fragment::parse(cut, &marks, &ids).is_none());
        // Marks that do not pair, a slot with no id, a cut-off slot.
        assert!(Fragment::parse(format!("{start}x"), &marks, &ids).is_none());
        assert!(Fragment::parse(format!("{end}x{start}"), &marks, &ids).is_none());
        assert!(Fragment::parse(format!("{start}{start}{end}{end}"), &marks, &ids).is_none());
        assert!(Fragment::parse(marks.slot(2), &marks, &ids).is_none());
        assert!(Fragment::parse(marks.slot(1).replace('>', ""), &marks, &ids).is_none());
        // Another run's slot.
        assert!(Fragment::parse(Marks::random().slot(0), &marks, &ids).is_none());
        // Plain markup cuts into one piece.
        let plain = Fragment::parse("<p>x</p>".to_string(), &marks, &ids).unwrap();
        assert_eq!(plain.write(Some("p")), "<p>x</p>");
    }
}
