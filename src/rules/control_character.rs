//! `control-character`: a cell holding a control character other than tab and line
//! breaks (NUL, BEL, ESC, DEL, the C1 controls …). They are invisible in an editor and
//! in a spreadsheet, they end strings in C programs, and nothing a source says needs
//! one: a NUL in a cell is nearly always a file saved as UTF-16 or binary data pasted
//! in. Frictionless accepts them (luban's own code; see the deviations file). The cell
//! gets no other check.
//!
//! Example: `Ke\0nya` → "cell holds a NUL (U+0000) at character 3".

use super::Violation;

/// Whether `bytes` (a whole record's cells, in one buffer) may hold a control character:
/// one pass without an early exit, so that it vectorizes (this runs on every byte read;
/// called per cell it cost a tenth of validation's time, per record nothing measurable).
/// C1 controls are encoded as 0xC2 0x80–0x9F, so 0xC2 is a hit too (also for `°`, `«`
/// …: [`check`] then looks closer).
pub fn suspicious(bytes: &[u8]) -> bool {
    let mut hit = 0u8;
    for &b in bytes {
        hit |= u8::from(b < 0x20) | u8::from(b == 0x7f) | u8::from(b == 0xc2);
    }
    hit != 0
}

/// The first control character of `cell` that is not a tab or a line break, and its
/// position (1-based, in characters).
fn find(cell: &str) -> Option<(usize, char)> {
    cell.chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .map(|(i, c)| (i + 1, c))
}

fn name(c: char) -> String {
    let short = match c {
        '\0' => "NUL",
        '\u{7}' => "BEL",
        '\u{8}' => "backspace",
        '\u{b}' => "vertical tab",
        '\u{c}' => "form feed",
        '\u{1b}' => "ESC",
        '\u{7f}' => "DEL",
        _ => "control character",
    };
    format!("{short} (U+{:04X})", c as u32)
}

/// Records the violation when `cell` (field `i`) holds a control character; returns
/// whether it did.
pub fn check(i: usize, field: &str, cell: &str, out: &mut Vec<Violation>) -> bool {
    let Some((at, c)) = find(cell) else {
        return false;
    };
    out.push(
        Violation::new(
            "control-character",
            Some(i),
            format!("`{field}` holds a {} at character {at}", name(c)),
        )
        .expected("text without control characters (tabs and line breaks are fine)")
        .help(Some(
            "delete the invisible character; if the file came from another program, re-save it as UTF-8 CSV".into(),
        )),
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_tab_and_line_breaks_are_found() {
        let cases = [
            ("Kenya", None),
            ("a\tb\r\nc\nd", None),
            ("Ke\0nya", Some("holds a NUL (U+0000) at character 3")),
            ("\u{1b}[31m", Some("holds a ESC (U+001B) at character 1")),
            ("x\u{7f}", Some("holds a DEL (U+007F) at character 2")),
            ("°«é\u{85}", Some("holds a control character (U+0085) at character 4")),
            ("°«»", None),
        ];
        for (cell, want) in cases {
            let mut out = Vec::new();
            let hit = check(2, "country", cell, &mut out);
            assert_eq!(hit, want.is_some(), "{cell:?}");
            assert!(
                !hit || suspicious(cell.as_bytes()),
                "{cell:?}: the fast test must not miss it"
            );
            if let Some(w) = want {
                assert!(out[0].message.contains(w), "{}", out[0].message);
                assert_eq!((out[0].code, out[0].field_index), ("control-character", Some(2)));
            }
        }
    }
}
