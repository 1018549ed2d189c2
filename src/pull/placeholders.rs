//! The review context in a query: `:as_of` and `:since` in a `.sql`
//! source become bound parameters (`$1`, `$2`), never text pasted into the
//! SQL, and a position the server reports in the rewritten query maps back
//! to the line and column of the source file.

/// A named parameter a query can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `:as_of`: the last day the pulled data should cover.
    AsOf,
    /// `:since`: the first day any number of any review reads.
    Since,
}

impl Param {
    pub fn name(self) -> &'static str {
        match self {
            Param::AsOf => "as_of",
            Param::Since => "since",
        }
    }
}

/// A query with its placeholders replaced by `$n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewritten {
    pub text: String,
    /// The parameter of `$1`, `$2`, …: only those the query uses, so that
    /// the server never has to guess the type of one it does not see.
    pub params: Vec<Param>,
    /// Each replacement: (byte offset in the rewritten text, its length
    /// there, byte offset in the original, its length there).
    edits: Vec<(usize, usize, usize, usize)>,
}

/// A placeholder sitrep does not know, at a byte offset of the query.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownPlaceholder {
    pub offset: usize,
    pub name: String,
}

/// Replaces `:as_of` and `:since` outside string literals, quoted names,
/// comments and dollar-quoted bodies; `::` casts are left alone.
pub fn rewrite(sql: &str) -> Result<Rewritten, UnknownPlaceholder> {
    let bytes = sql.as_bytes();
    let mut text = String::with_capacity(sql.len());
    let mut params = Vec::new();
    let mut edits = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    let ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_';
    let ident_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                // E'…' strings escape with backslashes; others double quotes.
                let escapes = i > 0
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && (i < 2 || !ident_char(bytes[i - 2]));
                i += 1;
                while i < bytes.len() {
                    if escapes && bytes[i] == b'\\' {
                        i += 2;
                    } else if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                        } else {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            i += 2;
                        } else {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'$' if i == 0 || !ident_char(bytes[i - 1]) => {
                // `$tag$ … $tag$` (the tag may be empty); `$1` is a parameter.
                let mut end = i + 1;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                let tag_ok = end == i + 1 || ident_start(bytes[i + 1]);
                if tag_ok && bytes.get(end) == Some(&b'$') {
                    let tag = &sql[i..=end];
                    match sql[end + 1..].find(tag) {
                        Some(close) => i = end + 1 + close + tag.len(),
                        None => i = bytes.len(),
                    }
                } else {
                    i = end;
                }
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes.get(i + 1).is_some_and(|&b| ident_start(b)) => {
                let mut end = i + 1;
                while end < bytes.len() && ident_char(bytes[end]) {
                    end += 1;
                }
                let name = &sql[i + 1..end];
                let param = match name {
                    "as_of" => Param::AsOf,
                    "since" => Param::Since,
                    _ => {
                        return Err(UnknownPlaceholder {
                            offset: i,
                            name: name.to_string(),
                        })
                    }
                };
                let number = match params.iter().position(|&p| p == param) {
                    Some(index) => index + 1,
                    None => {
                        params.push(param);
                        params.len()
                    }
                };
                text.push_str(&sql[copied..i]);
                let replacement = format!("${number}");
                edits.push((text.len(), replacement.len(), i, end - i));
                text.push_str(&replacement);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    text.push_str(&sql[copied.min(sql.len())..]);
    Ok(Rewritten {
        text,
        params,
        edits,
    })
}

impl Rewritten {
    /// The byte offset in the original query of a byte offset in the
    /// rewritten one; inside a replaced placeholder, its start.
    pub fn original_offset(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for &(at, length, original, original_length) in &self.edits {
            if offset < at {
                break;
            }
            if offset < at + length {
                return original;
            }
            shift += original_length as isize - length as isize;
        }
        (offset as isize + shift).max(0) as usize
    }

    /// The 1-based line and column in `original` of the server's error
    /// position (1-based, counted in characters of the rewritten query).
    pub fn line_and_column(&self, original: &str, position: usize) -> (usize, usize) {
        let byte = self
            .text
            .char_indices()
            .nth(position.saturating_sub(1))
            .map(|(byte, _)| byte)
            .unwrap_or(self.text.len());
        // "At end of input" points past a trailing newline: show it
        // after the last character instead.
        let offset = self.original_offset(byte).min(original.trim_end().len());
        line_and_column(original, offset)
    }
}

/// The 1-based line and column (in characters) of a byte offset of `text`.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_placeholders_become_numbered_parameters_in_order_of_use() {
        let query =
            rewrite("select * from t where d between :since and :as_of or e = :since").unwrap();
        assert_eq!(
            query.text,
            "select * from t where d between $1 and $2 or e = $1"
        );
        assert_eq!(query.params, vec![Param::Since, Param::AsOf]);
        // A query that uses one of them binds only that one.
        let query = rewrite("select 1 where now() > :as_of").unwrap();
        assert_eq!(query.params, vec![Param::AsOf]);
        assert_eq!(query.text, "select 1 where now() > $1");
    }

    #[test]
    fn strings_names_comments_casts_and_dollar_quotes_are_left_alone() {
        let sql = "select ':as_of', \"a:since\", x::date, E'\\':since' -- :as_of\n/* :since /* nested */ :as_of */ $$ :since $$, $q$ :as_of $q$, :as_of";
        let query = rewrite(sql).unwrap();
        assert_eq!(query.params, vec![Param::AsOf]);
        assert!(query.text.ends_with("$q$ :as_of $q$, $1"), "{}", query.text);
        assert_eq!(query.text.matches("$1").count(), 1);
    }

    #[test]
    fn an_unknown_placeholder_is_reported_where_it_is() {
        let error = rewrite("select 1\nwhere d > :asof").unwrap_err();
        assert_eq!(error.name, "asof");
        assert_eq!(
            line_and_column("select 1\nwhere d > :asof", error.offset),
            (2, 11)
        );
    }

    #[test]
    fn server_positions_map_back_to_the_source_file() {
        // "select :since, :as_of\nfrom nowhere_at_all" becomes
        // "select $1, $2\nfrom nowhere_at_all": `nowhere_at_all` is
        // character 20 of the rewritten text, line 2 column 6 of the file.
        let original = "select :since, :as_of\nfrom nowhere_at_all";
        let query = rewrite(original).unwrap();
        assert_eq!(query.text, "select $1, $2\nfrom nowhere_at_all");
        assert_eq!(query.line_and_column(original, 20), (2, 6));
        // A position on `$2` (character 12) is the placeholder `:as_of`.
        assert_eq!(query.line_and_column(original, 12), (1, 16));
        // Characters, not bytes: `é` is one character and two bytes.
        let original = "select 'é', :as_of, bad";
        let query = rewrite(original).unwrap();
        assert_eq!(query.line_and_column(original, 17), (1, 21));
    }
}
