//! How alike two names are, from 0 to 1, over their comparison keys (so after case,
//! accents, brackets, stop-words and transliteration are dealt with). The score is the
//! better of two measures, each good at one kind of variation:
//! - edit distance (normalized Levenshtein) over the keys with their words sorted: catches
//!   small spelling changes ("Technological" / "Technical") and reordered words;
//! - Sørensen–Dice over character bigrams: catches dropped or added words
//!   ("Serikbayev East Kazakhstan Technical University" / "D. Serikbayev …").

use super::key::name_key;

/// Similarity of two names (1.0 = same key).
pub fn similarity(a: &str, b: &str) -> f64 {
    key_similarity(&name_key(a), &name_key(b))
}

/// Similarity of two comparison keys.
pub fn key_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let sorted = |k: &str| {
        let mut t: Vec<&str> = k.split(' ').collect();
        t.sort_unstable();
        t.join(" ")
    };
    let lev = strsim::normalized_levenshtein(&sorted(a), &sorted(b));
    let dice = strsim::sorensen_dice(a, b);
    lev.max(dice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_score_high_and_different_places_low() {
        let high = [
            (
                "Tianjin Bohai Vocational Technological College",
                "Tianjin Bohai Vocational Technical College",
            ),
            (
                "Serikbayev East Kazakhstan Technical University",
                "D. Serikbayev East Kazakhstan Technical University (EKTU)",
            ),
            (
                "Tianjin Railway Vocational Technical College",
                "Tianjin Railway Technical and Vocational College",
            ),
            ("Uganda Technical College-Elgon", "Uganda Technical College Elgon"),
        ];
        for (a, b) in high {
            assert!(similarity(a, b) >= 0.9, "{a} / {b}: {}", similarity(a, b));
        }
        let low = [
            ("Machakos University", "Meru University of Science and Technology"),
            ("Tianjin Vocational Institute", "Tianjin University of Technology"),
            (
                "Ain Shams University",
                "Advanced Technical School for Maintenance Technology, Cairo",
            ),
            ("Almaty", "Astana"),
        ];
        for (a, b) in low {
            assert!(similarity(a, b) < 0.8, "{a} / {b}: {}", similarity(a, b));
        }
        assert_eq!(similarity("Öskemen", "OSKEMEN"), 1.0);
    }
}
