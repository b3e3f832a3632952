//! How two names of a host institution compare, for record linkage
//! (`stages::dedupe::linkage`): the name evidence of a report whose host no alias table
//! knows, against the names a workshop is known by.
//!
//! A name is first turned into a [`NameForm`]: its comparison tokens (the [`name_key`]
//! rules, then institution words of other languages put into English, so that
//! "Instituto Nacional de Tecnología" and "National Institute of Technology" have the same
//! tokens; Chinese place names the reference tables know put into English, the rest of a
//! Chinese proper name kept as one pinyin token; ordinals as digits), the acronyms it is
//! written with ("ASU", "INP-HB"), the initials of its words, and the names in its
//! brackets, each a form of its own ("Crawley College" in "Chichester College Group
//! (Crawley College)").
//!
//! Two forms compare at one of the [`NameLevel`]s, strongest first: the same tokens; an
//! acronym of the other; one name's tokens all found in the other's (containment); then
//! by a weighted token similarity (a Dice coefficient over tokens matched one to one,
//! fuzzily: "Universty" ~ "University", "Univ." ~ "University", a pinyin token by sound
//! with a Latin one, "deban" (德班) ~ "Durban" (`names::phonetic`); each token weighted by how
//! rare it is among institutions, so that "University" counts little and "Machakos"
//! much). A place name (a country, a city) that both names share weighs as little as the
//! commonest word: two institutions of one city share its name; a place only one of
//! them names weighs in full.
//!
//! The levels only sort the comparisons; what each level is worth as evidence is
//! estimated from the data (`stages::dedupe::linkage::weights`).

use std::collections::{BTreeMap, BTreeSet};

use unicode_normalization::UnicodeNormalization;

use super::key::name_key;
use super::phonetic::sound_similarity;
use super::words::{DROPPED, FOREIGN_STEMS, HAN_WORDS, KINDS, ORDINALS};

/// A name made ready for comparison (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct NameForm {
    /// The name as written.
    pub text: String,
    /// Comparison tokens, in order.
    pub tokens: Vec<String>,
    /// The tokens sorted and joined: equal keys are the same name.
    pub key: String,
    /// Words written as acronyms, lower case, without inner punctuation ("inphb").
    pub acronyms: Vec<String>,
    /// Initials of the name's words, with and without function words ("asu").
    pub initials: Vec<String>,
    /// By token: whether it names a place ([`Places::is_place`]).
    pub places: Vec<bool>,
    /// By token: whether it is Chinese read as pinyin (compared by sound with Latin
    /// tokens: `names::phonetic`).
    pub pinyin: Vec<bool>,
    /// The kinds of institution it names ("university", "college"; see `KINDS`).
    pub kinds: Vec<&'static str>,
    /// The names inside its brackets.
    pub parts: Vec<NameForm>,
    /// Written (at least partly) in a script other than Latin.
    pub other_script: bool,
}

/// Names of places: the words of country and city names (a token that is one, or that
/// one starts, as "Tajik" starts "Tajikistan", names a place), and the Chinese spellings
/// of places with their English names (so that a Chinese institution name names its
/// place the way an English one does). Filled from the reference tables, the city alias
/// table and the cities the reports give.
#[derive(Debug, Default, Clone)]
pub struct Places {
    /// Chinese text → English name; matched longest first
    han: BTreeMap<String, String>,
    longest: usize,
    /// the tokens of place names
    words: BTreeSet<String>,
}

impl Places {
    /// Adds `name` as the name of a place called `english` in English.
    pub fn add(&mut self, name: &str, english: &str) {
        let name: String = name.nfkc().collect();
        if !name.is_empty() && name.chars().all(is_han) {
            self.longest = self.longest.max(name.chars().count());
            self.han.insert(name, english.to_string());
        } else {
            self.words
                .extend(name_key(&name).split(' ').filter(|t| t.len() >= 3).map(str::to_string));
        }
        self.words.extend(
            name_key(english)
                .split(' ')
                .filter(|t| t.len() >= 3)
                .map(str::to_string),
        );
    }

    /// Whether `token` names a place, or starts or is started by a place word of four
    /// letters or more ("tajik", "kenyan").
    pub fn is_place(&self, token: &str) -> bool {
        if self.words.contains(token) {
            return true;
        }
        if token.len() >= 4
            && self
                .words
                .range(token.to_string()..)
                .next()
                .is_some_and(|w| w.starts_with(token))
        {
            return true;
        }
        (4..token.len()).any(|n| token.is_char_boundary(n) && self.words.contains(&token[..n]))
    }
}

/// A Han (Chinese) character.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// A letter of a script other than Latin.
fn other_script(c: char) -> bool {
    c.is_alphabetic() && !matches!(c, 'A'..='Z' | 'a'..='z' | '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}')
}

impl NameForm {
    /// The form of `name` (see the module doc).
    pub fn of(name: &str, places: &Places) -> NameForm {
        let nfkc: String = name.nfkc().collect();
        let (outside, inside) = split_brackets(&nfkc);
        let parts = inside
            .iter()
            .map(|p| NameForm::plain(p, places))
            .filter(|p| !p.tokens.is_empty())
            .collect();
        NameForm {
            parts,
            ..NameForm::plain(&outside, places)
        }
        .with_text(name)
    }

    fn with_text(mut self, text: &str) -> NameForm {
        self.text = text.to_string();
        self
    }

    /// The form of a name without brackets.
    fn plain(text: &str, places: &Places) -> NameForm {
        let (translated, read) = translate_han(text, places);
        let mut tokens: Vec<String> = Vec::new();
        for t in name_key(&translated).split(' ').filter(|t| !t.is_empty()) {
            if t == "imeni" {
                break; // Russian "named after": what follows is a person's name
            }
            if DROPPED.contains(&t) {
                continue;
            }
            let english = ORDINALS
                .iter()
                .find(|(word, _)| *word == t)
                .or_else(|| FOREIGN_STEMS.iter().find(|(stem, _)| t.starts_with(stem)))
                .map(|(_, e)| *e);
            match english {
                Some(e) => tokens.extend(e.split(' ').map(str::to_string)),
                None => tokens.push(t.to_string()),
            }
        }
        let mut sorted = tokens.clone();
        sorted.sort();
        NameForm {
            text: text.to_string(),
            places: tokens.iter().map(|t| places.is_place(t)).collect(),
            pinyin: tokens.iter().map(|t| read.contains(t)).collect(),
            // (a word of another script names no clear kind: 学院 is a college, an
            // institute or an academy)
            kinds: if text.chars().any(other_script) {
                Vec::new()
            } else {
                KINDS
                    .iter()
                    .copied()
                    .filter(|k| tokens.iter().any(|t| t == k))
                    .collect()
            },
            key: sorted.join(" "),
            acronyms: acronyms(text),
            initials: initials(text, &tokens),
            tokens,
            parts: Vec::new(),
            other_script: text.chars().any(other_script),
        }
    }

    /// This form and the forms of its bracketed parts.
    pub fn all(&self) -> impl Iterator<Item = &NameForm> {
        std::iter::once(self).chain(self.parts.iter())
    }
}

/// The text outside top-level brackets, and the texts inside them.
fn split_brackets(s: &str) -> (String, Vec<String>) {
    let (mut outside, mut inside, mut cur) = (String::new(), Vec::new(), String::new());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' | '（' => {
                if depth > 0 {
                    cur.push(' ');
                }
                depth += 1;
                outside.push(' ');
            }
            ')' | ']' | '}' | '）' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    inside.push(std::mem::take(&mut cur));
                }
            }
            _ if depth > 0 => cur.push(c),
            _ => outside.push(c),
        }
    }
    (outside, inside)
}

/// Chinese text with institution words and known places put into English (each a word of
/// its own), and every other run of Chinese characters made one pinyin word
/// ("马查科斯大学" → " machakesi university "); and those pinyin words.
fn translate_han(text: &str, places: &Places) -> (String, Vec<String>) {
    if !text.chars().any(is_han) {
        return (text.to_string(), Vec::new());
    }
    let mut read = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut pending = String::new();
    let mut flush = |out: &mut String, pending: &mut String| {
        if !pending.is_empty() {
            out.push(' ');
            out.push_str(pending);
            out.push(' ');
            read.push(std::mem::take(pending));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        if !is_han(chars[i]) {
            flush(&mut out, &mut pending);
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // the longest place or word starting here
        let longest = places.longest.max(4).min(chars.len() - i);
        let found = (1..=longest).rev().find_map(|n| {
            let s: String = chars[i..i + n].iter().collect();
            places
                .han
                .get(&s)
                .map(String::as_str)
                .or_else(|| HAN_WORDS.iter().find(|(w, _)| *w == s).map(|(_, e)| *e))
                .map(|e| (n, e))
        });
        match found {
            Some((n, english)) => {
                flush(&mut out, &mut pending);
                out.push(' ');
                out.push_str(english);
                out.push(' ');
                i += n;
            }
            None => {
                let syllable = deunicode::deunicode_char(chars[i]).unwrap_or("");
                pending.extend(syllable.trim().chars().map(|c| c.to_ascii_lowercase()));
                i += 1;
            }
        }
    }
    flush(&mut out, &mut pending);
    (out, read)
}

/// Words written as acronyms: two or more capitals and no small letters ("ASU",
/// "INP-HB", "КГТУ"), lower case and transliterated, without inner punctuation. A name
/// written all in capitals has none, unless it is one word ("ENERGY ACADEMY" is no
/// acronym; "INATEC" is).
fn acronyms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | ',' | ';'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    if words.len() > 1 && !text.chars().any(char::is_lowercase) {
        return out;
    }
    for word in words {
        let letters: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        let capitals = letters.chars().filter(|c| c.is_uppercase()).count();
        if capitals >= 2 && !letters.chars().any(char::is_lowercase) {
            let ascii = deunicode::deunicode(&letters).to_ascii_lowercase();
            let ascii: String = ascii.chars().filter(char::is_ascii_alphanumeric).collect();
            if ascii.len() >= 2 && !out.contains(&ascii) {
                out.push(ascii);
            }
        }
    }
    out
}

/// Initials of the name's words: of every word as written (function words included:
/// "Institute of Technology" → "iot"; not for Chinese, whose characters transliterate
/// as one word each), and of its comparison tokens.
fn initials(text: &str, tokens: &[String]) -> Vec<String> {
    let text = if text.chars().any(is_han) { "" } else { text };
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let all: String = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| w.chars().next())
        .filter(char::is_ascii_alphabetic)
        .collect();
    let content: String = tokens.iter().filter_map(|t| t.chars().next()).collect();
    let mut out = Vec::new();
    for i in [content, all] {
        if i.len() >= 2 && !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// How two names compare, strongest first (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameLevel {
    /// The same tokens (one of them maybe a bracketed part of the other).
    Same,
    /// One is an acronym of the other, or both are written with the same acronym.
    Acronym,
    /// Every token of one is found in the other.
    Contained,
    /// Every token of one is found in the other, but those are only common words and
    /// place names ("Ayutthaya Technical College" / "Phra Nakhon Si Ayutthaya Technical
    /// College").
    ContainedCommon,
    /// Weighted token similarity of at least 0.85.
    High,
    /// ... at least 0.65.
    Mid,
    /// ... at least 0.4.
    Low,
    /// At least 0.4, but sharing only common words and place names ("Ayutthaya
    /// Vocational College" / "Ayutthaya Technical College").
    Common,
    /// Below 0.4, one of the names in another script (Chinese, Cyrillic): little can be
    /// compared.
    OtherScript,
    /// Below 0.4, both in Latin script.
    Different,
}

impl NameLevel {
    pub const ALL: [NameLevel; 10] = [
        NameLevel::Same,
        NameLevel::Acronym,
        NameLevel::Contained,
        NameLevel::ContainedCommon,
        NameLevel::High,
        NameLevel::Mid,
        NameLevel::Low,
        NameLevel::Common,
        NameLevel::OtherScript,
        NameLevel::Different,
    ];

    /// What each level means, in the order of [`NameLevel::ALL`].
    pub const LABELS: [&'static str; 10] = [
        "same name",
        "acronym",
        "contained",
        "contained, common words",
        "very similar",
        "similar",
        "somewhat similar",
        "only common words in common",
        "other script",
        "different",
    ];

    pub fn as_str(self) -> &'static str {
        NameLevel::LABELS[self as usize]
    }
}

/// How rare each token is among institutions (one count per institution, however many
/// names it has), for weighting tokens.
#[derive(Debug, Default, Clone)]
pub struct Corpus {
    df: BTreeMap<String, u32>,
    institutions: u32,
}

impl Corpus {
    /// Counts the tokens of one institution, all its names together.
    pub fn add<'a>(&mut self, names: impl IntoIterator<Item = &'a NameForm>) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for n in names {
            for f in n.all() {
                seen.extend(f.tokens.iter().map(String::as_str));
            }
        }
        for t in seen {
            *self.df.entry(t.to_string()).or_default() += 1;
        }
        self.institutions += 1;
    }

    /// Inverse document frequency, at least 1 (a token every institution has); a token
    /// no institution has weighs the most.
    pub fn weight(&self, token: &str) -> f64 {
        let n = f64::from(self.institutions) + 1.0;
        let df = f64::from(self.df.get(token).copied().unwrap_or(0)) + 1.0;
        (n / df).ln().max(0.0) + 1.0
    }

    /// Whether a token names few institutions: at most two, or 2% of them.
    fn distinctive(&self, token: &str) -> bool {
        let df = self.df.get(token).copied().unwrap_or(0);
        df <= 2.max(self.institutions / 50)
    }
}

/// What the two names of a comparison share.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    pub level: NameLevel,
    /// Weighted token similarity, 0 to 1.
    pub similarity: f64,
    /// Both name a kind of institution, and not the same ("University" / "Polytechnic").
    pub kinds_differ: bool,
}

/// Whether both names carry numbers and share none ("No. 1" / "No. 2"): then they are
/// never one institution, whatever else they share. Only the names themselves count,
/// not their brackets ("(2018 LW cooperation agreement)").
pub fn numbers_differ(a: &NameForm, b: &NameForm) -> bool {
    fn numbers(f: &NameForm) -> Vec<&str> {
        f.tokens
            .iter()
            .filter(|t| t.bytes().any(|c| c.is_ascii_digit()))
            .map(String::as_str)
            .collect()
    }
    let (x, y) = (numbers(a), numbers(b));
    !x.is_empty() && !y.is_empty() && !x.iter().any(|n| y.contains(n))
}

impl NameMatch {
    /// Whether the names themselves say it is one institution: near-identical, an
    /// acronym, or a distinctive word in common, and no conflict of kind.
    pub fn agrees(&self) -> bool {
        self.level <= NameLevel::Low && !self.kinds_differ
    }
}

/// How alike two tokens are: 1 for the same, 0.9 when one abbreviates the other
/// ("univ" / "university", "tajik" / "tajikistan"), else Jaro–Winkler when at least 0.88
/// (typos), else 0. Tokens with digits, and short tokens, must be equal.
pub fn token_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let short = a.len().min(b.len());
    if short < 4 || a.bytes().chain(b.bytes()).any(|c| c.is_ascii_digit()) {
        return 0.0;
    }
    if a.starts_with(b) || b.starts_with(a) {
        return 0.9;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.88 {
        jw
    } else {
        0.0
    }
}

/// Compares two forms (not their parts: see [`compare_names`]).
pub fn compare_forms(q: &NameForm, n: &NameForm, corpus: &Corpus) -> NameMatch {
    let matched = |level| NameMatch {
        level,
        similarity: 1.0,
        kinds_differ: false,
    };
    if q.tokens.is_empty() || n.tokens.is_empty() {
        return NameMatch {
            level: if q.other_script || n.other_script {
                NameLevel::OtherScript
            } else {
                NameLevel::Different
            },
            similarity: 0.0,
            kinds_differ: false,
        };
    }
    if q.key == n.key {
        return matched(NameLevel::Same);
    }
    if is_acronym_of(q, n) || is_acronym_of(n, q) {
        return matched(NameLevel::Acronym);
    }
    let (mut wq, mut wn): (Vec<f64>, Vec<f64>) = (
        q.tokens.iter().map(|t| corpus.weight(t)).collect(),
        n.tokens.iter().map(|t| corpus.weight(t)).collect(),
    );
    // tokens matched one to one, the most alike first
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, a) in q.tokens.iter().enumerate() {
        for (j, b) in n.tokens.iter().enumerate() {
            let s = match (q.pinyin[i], n.pinyin[j]) {
                (true, false) => token_similarity(a, b).max(sound_similarity(a, b)),
                (false, true) => token_similarity(a, b).max(sound_similarity(b, a)),
                _ => token_similarity(a, b),
            };
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut used_q, mut used_n) = (vec![false; wq.len()], vec![false; wn.len()]);
    let mut shared = 0.0;
    let mut distinctive = false;
    for (s, i, j) in pairs {
        if used_q[i] || used_n[j] {
            continue;
        }
        used_q[i] = true;
        used_n[j] = true;
        // a place both name is little evidence (two institutions of one city share its
        // name); a place only one names is full evidence against
        if q.places[i] || n.places[j] {
            wq[i] = 1.0;
            wn[j] = 1.0;
        }
        shared += s * (wq[i] + wn[j]);
        // a number tells one of a series apart, not one institution from another
        let number = q.tokens[i].bytes().all(|c| c.is_ascii_digit());
        distinctive |= !q.places[i] && !number && corpus.distinctive(&q.tokens[i]) && corpus.distinctive(&n.tokens[j]);
    }
    let total: f64 = wq.iter().sum::<f64>() + wn.iter().sum::<f64>();
    let similarity = shared / total;
    let covers = |used: &[bool]| used.len() >= 2 && used.iter().all(|&u| u);
    let contained = covers(&used_q) || covers(&used_n);
    let level = if contained && distinctive {
        NameLevel::Contained
    } else if contained {
        NameLevel::ContainedCommon
    } else if similarity >= 0.85 {
        NameLevel::High
    } else if similarity >= 0.4 && !distinctive {
        NameLevel::Common
    } else if similarity >= 0.65 {
        NameLevel::Mid
    } else if similarity >= 0.4 {
        NameLevel::Low
    } else if q.other_script != n.other_script {
        NameLevel::OtherScript
    } else {
        NameLevel::Different
    };
    // names of two kinds of institution are at best somewhat similar
    let kinds_differ = !q.kinds.is_empty() && !n.kinds.is_empty() && !q.kinds.iter().any(|k| n.kinds.contains(k));
    let level = if kinds_differ { level.max(NameLevel::Low) } else { level };
    NameMatch {
        level,
        similarity,
        kinds_differ,
    }
}

/// Whether `a` is written with an acronym of `b`'s words, or both with one acronym.
fn is_acronym_of(a: &NameForm, b: &NameForm) -> bool {
    a.acronyms.iter().any(|x| {
        x.len() >= 3
            && (b.acronyms.contains(x)
                || b.initials.iter().any(|i| {
                    // all of them, those of a leading or trailing run of words
                    // ("EKTU": D. Serikbayev East Kazakhstan Technical University), or
                    // all but one ("INP-HB": Institut National Polytechnique Félix
                    // Houphouët-Boigny)
                    i.starts_with(x.as_str())
                        || i.ends_with(x.as_str())
                        || (x.len() + 1 >= i.len() && x[..1] == i[..1] && is_subsequence(x, i))
                }))
    })
}

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

/// Compares two names, each with its bracketed parts: the strongest comparison of any
/// form of one with any form of the other.
pub fn compare_names(q: &NameForm, n: &NameForm, corpus: &Corpus) -> NameMatch {
    let mut best: Option<NameMatch> = None;
    for a in q.all() {
        for b in n.all() {
            let m = compare_forms(a, b, corpus);
            if best
                .as_ref()
                .is_none_or(|x| (m.level, -m.similarity) < (x.level, -x.similarity))
            {
                best = Some(m);
            }
        }
    }
    best.expect("a name has at least its own form")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(names: &[&[&str]], place_names: &[&str]) -> (Corpus, Places) {
        let mut places = Places::default();
        for p in place_names {
            places.add(p, p);
        }
        let mut c = Corpus::default();
        for inst in names {
            let forms: Vec<NameForm> = inst.iter().map(|n| NameForm::of(n, &places)).collect();
            c.add(&forms);
        }
        (c, places)
    }

    const INSTITUTIONS: &[&[&str]] = &[
        &["Machakos University"],
        &["Meru University of Science and Technology"],
        &["Taita Taveta University"],
        &["Ain Shams University"],
        &["Advanced Technical School for Maintenance Technology, Cairo (CATSMT)"],
        &["Institut National Polytechnique Félix Houphouët-Boigny (INP-HB)"],
        &["National Institute of Transport (NIT)"],
        &["Uganda Technical College Elgon"],
        &["Tashkent State Transport University"],
        &["Kyrgyz State Technical University named after I. Razzakov"],
        &["University of Energy and Natural Resources (UENR)"],
        &["Accra Technical University"],
    ];

    fn level(a: &str, b: &str, places: &[&str]) -> NameLevel {
        let (c, p) = corpus(INSTITUTIONS, places);
        compare_names(&NameForm::of(a, &p), &NameForm::of(b, &p), &c).level
    }

    #[test]
    fn places_are_words_of_place_names_and_their_starts() {
        let mut p = Places::default();
        p.add("Tajikistan", "Tajikistan");
        p.add("Ust-Kamenogorsk", "Oskemen");
        for t in ["tajikistan", "tajik", "ust", "kamenogorsk", "oskemen"] {
            assert!(p.is_place(t), "{t}");
        }
        for t in ["taj", "university", "technical"] {
            assert!(!p.is_place(t), "{t}");
        }
    }

    #[test]
    fn forms_translate_institution_words_and_keep_acronyms_and_parts() {
        let p = Places::default();
        let f = NameForm::of("Instituto Nacional de Tecnología (Inatec)", &p);
        assert_eq!(f.key, "institute national technology");
        assert_eq!(f.parts[0].key, "inatec");
        let f = NameForm::of("INP-HB de Yamoussoukro", &p);
        assert_eq!(f.acronyms, vec!["inphb"]);
        let f = NameForm::of("Ain Shams University", &p);
        assert!(f.initials.contains(&"asu".to_string()), "{f:?}");
        assert!(NameForm::of("ENERGY ACADEMY NO. 5", &p).acronyms.is_empty());
        assert_eq!(NameForm::of("INATEC", &p).acronyms, vec!["inatec"]);
        let f = NameForm::of("Second Vocational Technical School in Ponorogo", &p);
        assert_eq!(f.tokens, ["2", "vocational", "technical", "school", "ponorogo"]);
        let f = NameForm::of("No 2 Vocational and Technical School of Ponorogo", &p);
        assert_eq!(f.tokens, ["2", "vocational", "technical", "school", "ponorogo"]);
        let number = |a: &str, b: &str| numbers_differ(&NameForm::of(a, &p), &NameForm::of(b, &p));
        assert!(number("Host One", "Host Two"));
        assert!(number("Technical University No. 12", "TECHNICAL UNIVERSITY NO. 21"));
        assert!(!number("Second Vocational School", "No 2 Vocational School"));
        assert!(!number("Academy (2018 agreement)", "Academy No. 3"));
        let f = NameForm::of(
            "Кыргызский государственный технический университет имени И.Раззакова",
            &p,
        );
        assert!(f.other_script);
        assert!(
            f.tokens
                .ends_with(&["state".into(), "technical".into(), "university".into()]),
            "{f:?}"
        );
        let mut places = Places::default();
        places.add("哈萨克斯坦", "Kazakhstan");
        let f = NameForm::of("东哈萨克斯坦谢里克巴耶夫技术大学", &places);
        assert!(f.tokens.contains(&"kazakhstan".to_string()), "{f:?}");
        assert!(f.tokens.ends_with(&["technical".into(), "university".into()]), "{f:?}");
        let f = NameForm::of("马查科斯大学", &Places::default());
        assert_eq!(f.tokens, ["machakesi", "university"]);
    }

    /// A table of pairs and the level each must reach (or not exceed).
    #[test]
    fn levels_table() {
        let at_least = [
            ("ASU", "Ain Shams University", NameLevel::Acronym, &[][..]),
            ("NIT", "National Institute of Transport (NIT)", NameLevel::Same, &[]),
            (
                "INP-HB de Yamoussoukro",
                "Institut National Polytechnique Félix Houphouët-Boigny (INP-HB)",
                NameLevel::Acronym,
                &["yamoussoukro"],
            ),
            (
                "National Polytechnic Institute Felix Houphouet-Boigny",
                "Institut National Polytechnique Félix Houphouët-Boigny (INP-HB)",
                NameLevel::High,
                &[],
            ),
            (
                "Machakos Universty",
                "Machakos University",
                NameLevel::High,
                &["Machakos"],
            ),
            ("Machakos Univ.", "Machakos University", NameLevel::High, &["Machakos"]),
            (
                "Elgon Technical College",
                "Uganda Technical College Elgon",
                NameLevel::Contained,
                &["uganda"],
            ),
            (
                "Cairo Advanced Maintenance Technical School",
                "Advanced Technical School for Maintenance Technology, Cairo (CATSMT)",
                NameLevel::Contained,
                &["cairo"],
            ),
            (
                "Taita Tavita University (TTU)",
                "Taita Taveta University",
                NameLevel::Acronym,
                &[],
            ),
        ];
        for (a, b, want, places) in at_least {
            let got = level(a, b, places);
            assert!(got <= want, "{a} / {b}: {got:?}, want {want:?} or stronger");
        }
        let at_most_low = [
            (
                "Meru University of Science and Technology",
                "Machakos University",
                &["machakos"][..],
            ),
            (
                "Machakos Technical Training Institute",
                "Machakos University",
                &["machakos"],
            ),
            ("Cairo University", "Ain Shams University", &["cairo"]),
            ("Accra Technical University", "Taita Taveta University", &[]),
            (
                "University of Cairo",
                "Advanced Technical School for Maintenance Technology, Cairo (CATSMT)",
                &["cairo"],
            ),
        ];
        for (a, b, places) in at_most_low {
            let got = level(a, b, places);
            assert!(got >= NameLevel::Low, "{a} / {b}: {got:?}");
        }
        assert_eq!(
            level("马查科斯大学", "Nairobi Polytechnic", &[]),
            NameLevel::OtherScript
        );
    }

    #[test]
    fn token_similarity_is_fuzzy_only_where_it_is_safe() {
        assert!(token_similarity("universty", "university") > 0.9);
        assert_eq!(token_similarity("univ", "university"), 0.9);
        assert_eq!(token_similarity("no1", "no2"), 0.0);
        assert_eq!(token_similarity("nit", "nat"), 0.0);
        assert_eq!(token_similarity("machakos", "meru"), 0.0);
    }
}
