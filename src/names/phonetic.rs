//! Sound skeletons: whether a foreign name written in Chinese characters, read as pinyin
//! ("deban" for 德班, "aiergong" for 埃尔贡, "xielikebayefu" for 谢里克巴耶夫), is the name
//! written in Latin letters ("Durban", "Elgon", "Serikbayev").
//!
//! Chinese writes a foreign name by sound, a character a syllable, and what survives is
//! mostly its consonants, by where they are said: 德 de for "d", 班 ban for "ban"; r and
//! l share characters (尔 er, 利 li, 里 li), f, v and w do (夫 fu for "-ev", 瓦 wa for
//! "va"), s, z, sh and ch do (斯 si, 谢 xie, 查 cha). Vowels, h and y shift or vanish, and
//! an r before a consonant is often dropped (Durban → 德班). So both spellings are
//! reduced to their consonants, each by class, and compared by their longest common
//! subsequence: `2 · LCS / (|a| + |b|)`. Skeletons of fewer than [`MIN_CLASSES`]
//! consonants say too little to compare.
//!
//! Only a pinyin token is compared with a Latin one this way (`names::compare`); what a
//! name agreeing by sound is worth as evidence is estimated from the data, like every
//! other name level.

/// Skeletons shorter than this compare as different.
pub const MIN_CLASSES: usize = 3;

/// Skeletons at least this alike are the same name.
pub const MIN_SIMILARITY: f64 = 0.8;

/// The consonant classes of a lower-case ASCII word: P (b, p), T (d, t), K (g, k, q,
/// j, hard c), S (s, z, x, soft c, sh, ch, zh), L (l, r), F (f, v, w, ph), M, N (n, ng).
/// `pinyin` reads x, c and q as pinyin does (x is s, c is ts, q is ch).
pub fn skeleton(word: &str, pinyin: bool) -> Vec<u8> {
    let b: Vec<u8> = word.bytes().filter(u8::is_ascii_lowercase).collect();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        // digraphs first
        let (class, len) = match (b[i], next) {
            (b's' | b'c' | b'z', Some(b'h')) => (Some(b'S'), 2),
            (b'p', Some(b'h')) => (Some(b'F'), 2),
            (b't', Some(b'h')) => (Some(b'T'), 2),
            (b'k' | b'g', Some(b'h')) => (Some(b'K'), 2),
            (b'c', Some(b'k')) => (Some(b'K'), 2),
            (b'n', Some(b'g')) if pinyin => (Some(b'N'), 2),
            (c, _) if Some(c) == next => (class_of(c, None, pinyin), 2),
            (c, n) => (class_of(c, n, pinyin), 1),
        };
        if let Some(c) = class {
            out.push(c);
            if !pinyin && b[i] == b'x' {
                // English x is "ks"
                out.push(b'S');
            }
        }
        i += len;
    }
    out
}

/// The class of one letter (`next` is the letter after it), None for vowels, h and y.
fn class_of(c: u8, next: Option<u8>, pinyin: bool) -> Option<u8> {
    Some(match c {
        b'b' | b'p' => b'P',
        b'd' | b't' => b'T',
        b'g' | b'k' | b'j' => b'K',
        b'q' if pinyin => b'S',
        b'q' => b'K',
        b'x' if pinyin => b'S',
        b'x' => b'K',
        b'c' if pinyin => b'S',
        b'c' if matches!(next, Some(b'e' | b'i' | b'y')) => b'S',
        b'c' => b'K',
        b's' | b'z' => b'S',
        b'l' | b'r' => b'L',
        b'f' | b'v' | b'w' => b'F',
        b'm' => b'M',
        b'n' => b'N',
        _ => return None,
    })
}

fn lcs(a: &[u8], b: &[u8]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for &x in a {
        let mut diagonal = 0;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// How alike pinyin word `pinyin` and Latin word `latin` sound: `2 · LCS / (|a| + |b|)`
/// of their skeletons when at least [`MIN_SIMILARITY`], else 0.
pub fn sound_similarity(pinyin: &str, latin: &str) -> f64 {
    let (a, b) = (skeleton(pinyin, true), skeleton(latin, false));
    if a.len() < MIN_CLASSES || b.len() < MIN_CLASSES {
        return 0.0;
    }
    let s = 2.0 * lcs(&a, &b) as f64 / (a.len() + b.len()) as f64;
    if s >= MIN_SIMILARITY {
        s
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_keep_consonants_by_class() {
        assert_eq!(skeleton("aiergong", true), b"LKN");
        assert_eq!(skeleton("elgon", false), b"LKN");
        assert_eq!(skeleton("xielikebayefu", true), b"SLKPF");
        assert_eq!(skeleton("serikbayev", false), b"SLKPF");
        assert_eq!(skeleton("machakesi", true), b"MSKS");
        assert_eq!(skeleton("machakos", false), b"MSKS");
        assert_eq!(skeleton("mississippi", false), b"MSSP");
    }

    /// Chinese renderings of the names of hosts match their Latin spelling; other names of
    /// one country or city do not.
    #[test]
    fn transliterations_match_and_other_names_do_not() {
        for (pinyin, latin) in [
            ("deban", "durban"),
            ("aiergong", "elgon"),
            ("xielikebayefu", "serikbayev"),
            ("machakesi", "machakos"),
            ("tananalifo", "antananarivo"),
        ] {
            assert!(sound_similarity(pinyin, latin) >= MIN_SIMILARITY, "{pinyin} / {latin}");
        }
        for (pinyin, latin) in [
            ("deban", "dubai"),
            ("machakesi", "meru"),
            ("xielikebayefu", "humanitarian"),
            ("aiergong", "kampala"),
            ("banpai", "khon"),
            ("ta", "ta"),
        ] {
            assert_eq!(sound_similarity(pinyin, latin), 0.0, "{pinyin} / {latin}");
        }
    }
}
