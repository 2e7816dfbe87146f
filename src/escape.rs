//! Making hostile text safe to show a person. Log content is written by
//! whoever made the requests: every human-facing writer (the table,
//! `explain`, the summary, error messages, the report) passes it through
//! [`printable`] first. A leaf module, so that every layer may use it.

use std::borrow::Cow;

/// Whether a terminal could act on `c` or show it misleadingly: C0 and C1
/// controls and DEL (cursor movement, colours, titles, bells), the
/// bidirectional embeddings, overrides, isolates and marks that reorder the
/// text around them ("Trojan Source", CVE-2021-42574), the line and
/// paragraph separators, and invisible characters that make two different
/// names look the same. [`printable`] escapes exactly these.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// `text` made safe to show a person on one line: every control character
/// (newlines and tabs too), bidirectional control and invisible format
/// character becomes a visible escape, `\x1b` for those below U+0100 (as
/// the excerpts of rejected lines show them) and `\u{202e}` above.
/// Everything else, backslashes included, is kept as it is. Idempotent.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unprintable)
}

/// [`printable`] for a block of lines: keeps the newlines, escapes the rest.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_unprintable(c))
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}
