//! The comparison key of a name. Two spellings with the same key are the same name.
//!
//! Rules, in order (each is tested below):
//! 1. Unicode NFKC (full-width forms, ligatures, compatibility characters).
//! 2. Bracketed segments are dropped: "(EKTU)", "(candidate site)", "\[sic\]".
//! 3. "named after …" and everything after it is dropped ("Tajik Technical University
//!    named after academician M. Osimi" → "tajik technical university").
//! 4. Transliteration of every non-ASCII character to ASCII (`deunicode`): accents go
//!    ("Öskemen" → "oskemen"), Cyrillic and Chinese become Latin syllables.
//! 5. Case folding; `&` becomes "and"; every other punctuation mark becomes a space.
//! 6. Stop-words are dropped: "the", "of", "and", "in", "at", "for", "de", "d", "la",
//!    "le", "du", "des", and the phrase "luban workshop" / "lu ban workshop".
//! 7. Whitespace is collapsed.
//!
//! Transliteration gives pinyin syllables, not translations: "塔吉克斯坦技术大学" does not
//! get the key of "Tajik Technical University"; alias tables carry such matches.

use unicode_normalization::UnicodeNormalization;

const STOP_WORDS: &[&str] = &[
    "the", "of", "and", "in", "at", "for", "de", "d", "la", "le", "du", "des",
];

/// The comparison key of `name` (see the module doc for the rules).
pub fn name_key(name: &str) -> String {
    if name.is_ascii() {
        ascii_key(name)
    } else {
        general_key(name)
    }
}

/// [`general_key`] for ASCII text (already NFKC, nothing to transliterate) in one pass:
/// brackets, case, `&` and punctuation at once, then the token rules. Most names are
/// ASCII, and keys are computed for every distinct name of a million reports.
fn ascii_key(name: &str) -> String {
    let mut buf = String::with_capacity(name.len() + 8);
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                buf.push(' ');
            }
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            '&' => buf.push_str(" and "),
            c if c.is_ascii_alphanumeric() => buf.push(c.to_ascii_lowercase()),
            _ => buf.push(' '),
        }
    }
    token_rules(buf.split_whitespace().collect())
}

fn general_key(name: &str) -> String {
    let nfkc: String = if name.is_ascii() {
        name.to_string()
    } else {
        name.nfkc().collect()
    };
    let unbracketed = drop_brackets(&nfkc);
    let ascii = if unbracketed.is_ascii() {
        unbracketed.to_ascii_lowercase()
    } else {
        deunicode::deunicode(&unbracketed).to_lowercase()
    }
    .replace('&', " and ");
    let spaced: String = ascii
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    token_rules(spaced.split_whitespace().collect())
}

/// Stop-words, "named after …" and "Luban Workshop", applied until nothing changes, so
/// that the key of a key is itself.
fn token_rules(mut tokens: Vec<&str>) -> String {
    loop {
        let before = tokens.len();
        tokens.retain(|t| !STOP_WORDS.contains(t));
        if let Some(i) = tokens.windows(2).position(|w| w == ["named", "after"]) {
            tokens.truncate(i);
        }
        if let Some(i) = tokens.windows(2).position(|w| w == ["luban", "workshop"]) {
            tokens.drain(i..i + 2);
        } else if let Some(i) = tokens.windows(3).position(|w| w == ["lu", "ban", "workshop"]) {
            tokens.drain(i..i + 3);
        }
        if tokens.len() == before {
            break;
        }
    }
    tokens.join(" ")
}

/// Removes `(...)`, `[...]` and `{...}` segments, nested or not.
fn drop_brackets(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                out.push(' ');
            }
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Trims and NFC-normalizes a cell for display (keys are for matching only).
pub fn clean_text(s: &str) -> String {
    // ASCII text is already NFC; most cells have single spaces only and need no rebuilding
    let b = s.as_bytes();
    if s.is_ascii()
        && b.first().is_none_or(|c| *c != b' ')
        && b.last().is_none_or(|c| *c != b' ')
        && !b.windows(2).any(|w| w == b"  ")
        && !b.iter().any(|c| c.is_ascii_whitespace() && *c != b' ')
    {
        return s.to_string();
    }
    let nfc: std::borrow::Cow<str> = if s.is_ascii() {
        s.into()
    } else {
        s.nfc().collect::<String>().into()
    };
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn key_rules_table() {
        let same = [
            ("Öskemen", "Oskemen"),
            ("Côte d'Ivoire", "Cote d'Ivoire"),
            (
                "D. Serikbayev East Kazakhstan Technical University (EKTU)",
                "D. Serikbayev East Kazakhstan Technical University",
            ),
            (
                "Tajik Technical University named after academician M. Osimi",
                "Tajik Technical University",
            ),
            ("the United Kingdom", "United Kingdom"),
            (
                "Tianjin Urban Construction Management & Vocation Technology College",
                "Tianjin Urban Construction Management and Vocation Technology College",
            ),
            ("Kazakhstan Luban Workshop", "Kazakhstan"),
            ("ＵＫ", "UK"),
            ("Agricultural University – Plovdiv", "Agricultural University - Plovdiv"),
            (
                "University of Antananarivo (Polytechnic Institute / ESPA, Vontovorona campus)",
                "University of Antananarivo",
            ),
        ];
        for (a, b) in same {
            assert_eq!(name_key(a), name_key(b), "{a} vs {b}");
        }
        let different = [
            ("Niger", "Nigeria"),
            ("Guinea", "Papua New Guinea"),
            ("Dominica", "Dominican Republic"),
            (
                "Tianjin Bohai Vocational Technical College",
                "Tianjin Bohai Vocational Technological College",
            ),
        ];
        for (a, b) in different {
            assert_ne!(name_key(a), name_key(b), "{a} vs {b}");
        }
        assert_eq!(name_key("Усть-Каменогорск"), "ust kamenogorsk");
        assert_eq!(name_key("科特迪瓦"), "ke te di wa");
    }

    proptest! {
        #[test]
        fn name_key_is_idempotent(s in "\\PC{0,40}") {
            let k = name_key(&s);
            prop_assert_eq!(name_key(&k), k.clone());
        }

        #[test]
        fn the_ascii_fast_path_gives_the_general_key(s in "[ -~]{0,60}") {
            prop_assert_eq!(ascii_key(&s), general_key(&s));
        }

        #[test]
        fn clean_text_is_idempotent(s in "\\PC{0,40}") {
            let c = clean_text(&s);
            prop_assert_eq!(clean_text(&c), c.clone());
        }
    }
}
