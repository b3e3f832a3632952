//! `lost-characters`: a cell whose letters a legacy encoding replaced with `?`. Excel's
//! plain "CSV" (not "CSV UTF-8") writes the Windows code page, and every character the
//! code page lacks (Chinese, Cyrillic, Arabic …) becomes `?`. A file of English and
//! Chinese text then comes out as pure ASCII: valid UTF-8, so `encoding-error` never
//! fires, and the damage would be published as titles and notes of `?`. Frictionless
//! has no such check (luban's own code; see the deviations file).
//!
//! A cell is flagged when it holds a run of four `?` or more, or only `?` (two or more)
//! with spaces and punctuation: "鲁班工坊" → "????", "天津" → "??". A real "Why???" has
//! a run of three and letters, and passes.
//!
//! Example: `Luban Workshop ????` → "`source_title` has 4 `?` (from character 16)".

use super::Violation;

/// Whether `bytes` (a whole record's cells) may hold such a cell: one memchr pass.
pub fn suspicious(bytes: &[u8]) -> bool {
    bytes.contains(&b'?')
}

/// Where `cell`'s lost characters start (1-based, in characters: the first `?` of a
/// cell of only `?`, else the first run of four) and how many `?` the cell holds.
fn find(cell: &str) -> Option<(usize, usize)> {
    let marks = cell.matches('?').count();
    if marks >= 2 && cell.chars().all(|c| c == '?' || !c.is_alphanumeric()) {
        return Some((cell.chars().position(|c| c == '?').unwrap_or(0) + 1, marks));
    }
    let (mut run, mut start) = (0, 0);
    for (i, c) in cell.chars().enumerate() {
        if c != '?' {
            run = 0;
            continue;
        }
        if run == 0 {
            start = i;
        }
        run += 1;
        if run == 4 {
            return Some((start + 1, marks));
        }
    }
    None
}

/// Records the violation when `cell` (field `i`) lost its characters; returns whether
/// it did.
pub fn check(i: usize, field: &str, cell: &str, out: &mut Vec<Violation>) -> bool {
    let Some((at, n)) = find(cell) else {
        return false;
    };
    out.push(
        Violation::new(
            "lost-characters",
            Some(i),
            format!("`{field}` has {n} `?` (from character {at}): characters the file's encoding could not write"),
        )
        .expected("the text as the source writes it")
        .help(Some(
            "the file was probably saved as Excel's \"CSV\", which turns Chinese, Cyrillic and other letters into `?`: \
             save it as \"CSV UTF-8 (Comma delimited)\" and retype the lost text from the source"
                .into(),
        )),
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_marks_that_replaced_letters_are_found_and_real_ones_pass() {
        let cases = [
            ("Luban Workshop ????", Some((16, 4))),
            ("??", Some((1, 2))),
            ("????-???????????", Some((1, 15))),
            ("Luban ???? ?? Workshop", Some((7, 6))),
            ("? ?", Some((1, 2))),
            ("Why???", None),
            ("https://example.org/a?b=1", None),
            ("?", None),
            ("Kazakhstan", None),
        ];
        for (cell, want) in cases {
            assert_eq!(find(cell), want, "{cell:?}");
            let mut out = Vec::new();
            assert_eq!(check(3, "source_title", cell, &mut out), want.is_some(), "{cell:?}");
            assert!(want.is_none() || suspicious(cell.as_bytes()), "{cell:?}");
        }
        let mut out = Vec::new();
        check(3, "source_title", "Luban Workshop ????", &mut out);
        assert_eq!((out[0].code, out[0].field_index), ("lost-characters", Some(3)));
        assert!(
            out[0].message.contains("has 4 `?` (from character 16)"),
            "{}",
            out[0].message
        );
    }
}
