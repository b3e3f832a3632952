//! The delimiter of a CSV file that is not the dataset's, guessed as Frictionless guesses
//! it: Python's `csv.Sniffer` on the first 100 lines, choosing among `,`, tab, `;` and
//! `|`. `luban validate FILE --schema S` reads such a file with the delimiter found, so
//! that a semicolon file (Excel in much of Europe) is not one column of errors; the
//! dataset's own files are always comma-separated.
//!
//! This is a port of `Sniffer._guess_quote_and_delimiter` (quoted cells between two
//! delimiters) and `Sniffer._guess_delimiter` (the character whose count per line is the
//! most consistent), with Python's tie-breaks: the first maximum in the order the
//! characters were first seen; and its guess of `skipinitialspace` (spaces after each
//! delimiter, as in `id, name`). Its guess of the quote is not used (Frictionless too
//! keeps `"`).

/// The delimiters Frictionless lets the sniffer choose.
const CANDIDATES: [char; 4] = [',', '\t', ';', '|'];
/// Python's `Sniffer.preferred`.
const PREFERRED: [char; 5] = [',', '\t', ';', ' ', ':'];
/// Lines Frictionless samples.
pub const SAMPLE_LINES: usize = 100;

/// What the sniffer found: the delimiter, and whether spaces after it are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    pub skip_initial_space: bool,
}

/// The dialect `sample` (the file's first lines, line ends kept) is written in, or None
/// when the sniffer cannot tell (Frictionless then reads commas).
pub fn dialect(sample: &str) -> Option<Dialect> {
    let (d, skip) = quoted(sample).or_else(|| by_frequency(sample))?;
    Some(Dialect {
        delimiter: u8::try_from(u32::from(d)).ok()?,
        skip_initial_space: skip,
    })
}

/// [`dialect`]'s delimiter.
#[cfg(test)]
fn delimiter(sample: &str) -> Option<u8> {
    dialect(sample).map(|d| d.delimiter)
}

fn is_delim_class(c: char) -> bool {
    // `[^\w\n"']`
    !(c.is_alphanumeric() || c == '_' || c == '\n' || c == '"' || c == '\'')
}

/// An ordered count: Python's dict, whose `max` returns the first key with the largest
/// value in insertion order.
#[derive(Default)]
struct Counts(Vec<(char, usize)>);

impl Counts {
    fn add(&mut self, c: char) {
        match self.0.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => self.0.push((c, 1)),
        }
    }
    fn max(&self) -> Option<char> {
        let mut best: Option<(char, usize)> = None;
        for &(k, n) in &self.0 {
            if best.is_none_or(|(_, b)| n > b) {
                best = Some((k, n));
            }
        }
        best.map(|(k, _)| k)
    }
}

/// `_guess_quote_and_delimiter`: the four patterns in turn, the first that matches
/// anywhere decides.
fn quoted(sample: &str) -> Option<(char, bool)> {
    let s: Vec<char> = sample.chars().collect();
    for pattern in 0..4 {
        let found = find_all(&s, pattern);
        if found.is_empty() {
            continue;
        }
        let mut delims = Counts::default();
        let mut spaces = 0;
        for (delim, space) in found {
            if let Some(d) = delim.filter(|d| CANDIDATES.contains(d)) {
                delims.add(d);
            }
            spaces += usize::from(delim.is_some() && space);
        }
        let d = delims.max()?;
        let n = delims.0.iter().find(|(k, _)| *k == d).map_or(0, |(_, n)| *n);
        return Some((d, n == spaces));
    }
    None
}

fn line_start(s: &[char], i: usize) -> bool {
    i == 0 || s[i - 1] == '\n'
}

/// Every non-overlapping match of one of the sniffer's patterns, left to right: the
/// delimiter (None for the pattern without one) and whether a space followed it.
fn find_all(s: &[char], pattern: usize) -> Vec<(Option<char>, bool)> {
    let n = s.len();
    let quote = |i: usize| s.get(i).is_some_and(|c| *c == '"' || *c == '\'');
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < n {
        let hit: Option<(usize, Option<char>, bool)> = match pattern {
            // `(?P<delim>D)(?P<space> ?)(?P<quote>Q).*?(?P=quote)(?P=delim)` and
            // `… .*?(?P=quote)(?:$|\n)`
            0 | 2 if is_delim_class(s[pos]) => {
                let d = s[pos];
                let space = s.get(pos + 1) == Some(&' ') && quote(pos + 2);
                let q_at = pos + 1 + usize::from(space);
                if !quote(q_at) {
                    None
                } else {
                    let q = s[q_at];
                    (q_at + 1..n)
                        .find(|&j| {
                            s[j] == q
                                && if pattern == 0 {
                                    s.get(j + 1) == Some(&d)
                                } else {
                                    j + 1 == n || s[j + 1] == '\n'
                                }
                        })
                        .map(|j| (if pattern == 0 { j + 2 } else { j + 1 }, Some(d), space))
                }
            }
            // `(?:^|\n)(?P<quote>Q).*?(?P=quote)(?P<delim>D)(?P<space> ?)` and
            // `(?:^|\n)(?P<quote>Q).*?(?P=quote)(?:$|\n)`
            1 | 3 => {
                let q_at = if line_start(s, pos) && quote(pos) {
                    Some(pos)
                } else if s[pos] == '\n' && quote(pos + 1) {
                    Some(pos + 1)
                } else {
                    None
                };
                q_at.and_then(|q_at| {
                    let q = s[q_at];
                    (q_at + 1..n)
                        .find(|&j| {
                            s[j] == q
                                && if pattern == 1 {
                                    s.get(j + 1).is_some_and(|c| is_delim_class(*c))
                                } else {
                                    j + 1 == n || s[j + 1] == '\n'
                                }
                        })
                        .map(|j| {
                            if pattern == 1 {
                                let space = s.get(j + 2) == Some(&' ');
                                (j + 2 + usize::from(space), Some(s[j + 1]), space)
                            } else {
                                (j + 1, None, false)
                            }
                        })
                })
            }
            _ => None,
        };
        match hit {
            Some((end, d, space)) => {
                out.push((d, space));
                pos = end.max(pos + 1);
            }
            None => pos += 1,
        }
    }
    out
}

/// `_guess_delimiter`: per chunk of ten lines, each ASCII character's most common count
/// per line (less the lines with another count); the candidates found on enough lines.
fn by_frequency(sample: &str) -> Option<(char, bool)> {
    let lines: Vec<&str> = sample.split('\n').filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return None;
    }
    // `skipinitialspace`: every delimiter of the first line has a space after it
    let skip = |d: char| lines[0].matches(d).count() == lines[0].matches(&format!("{d} ")).count();
    let chunk = lines.len().min(10);
    // per ASCII character: (count per line, lines with it), in first-seen order
    let mut freq: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 127];
    let mut modes: Vec<Option<(usize, i64)>> = vec![None; 127];
    let mut delims: Vec<(char, (usize, i64))> = Vec::new();
    let (mut start, mut end, mut iteration) = (0, chunk, 0);
    while start < lines.len() {
        iteration += 1;
        for line in &lines[start..end.min(lines.len())] {
            for (c, table) in freq.iter_mut().enumerate() {
                let f = line.matches(char::from(c as u8)).count();
                match table.iter_mut().find(|(k, _)| *k == f) {
                    Some((_, n)) => *n += 1,
                    None => table.push((f, 1)),
                }
            }
        }
        for (c, table) in freq.iter().enumerate() {
            if table.len() == 1 && table[0].0 == 0 || table.is_empty() {
                continue;
            }
            let mut best = table[0];
            for &t in table {
                if t.1 > best.1 {
                    best = t;
                }
            }
            let others: usize = table.iter().map(|t| t.1).sum::<usize>() - best.1;
            modes[c] = Some((best.0, best.1 as i64 - others as i64));
        }
        let total = (chunk * iteration).min(lines.len()) as f64;
        let mut consistency = 1.0f64;
        while delims.is_empty() && consistency >= 0.9 {
            for (c, m) in modes.iter().enumerate() {
                let Some((f, n)) = *m else { continue };
                let ch = char::from(c as u8);
                if f > 0 && n > 0 && n as f64 / total >= consistency && CANDIDATES.contains(&ch) {
                    delims.push((ch, (f, n)));
                }
            }
            consistency -= 0.01;
        }
        if delims.len() == 1 {
            return Some((delims[0].0, skip(delims[0].0)));
        }
        start = end;
        end += chunk;
    }
    if delims.is_empty() {
        return None;
    }
    if let Some(p) = PREFERRED.iter().find(|p| delims.iter().any(|(d, _)| d == *p)) {
        return Some((*p, skip(*p)));
    }
    delims
        .iter()
        .max_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)))
        .map(|(d, _)| (*d, skip(*d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_guessed_as_pythons_sniffer_guesses_them() {
        let cases = [
            ("id;name\n1;english\n2;中国人\n", Some(b';')),
            ("id,name\n1,english\n2,x\n", Some(b',')),
            ("a\tb\tc\n1\t2\t3\n", Some(b'\t')),
            ("a|b\n1|2\n", Some(b'|')),
            ("id,\"a;b\"\n1,\"x;y\"\n", Some(b',')),
            ("name\nenglish\n", None),
            ("", None),
        ];
        for (sample, want) in cases {
            assert_eq!(delimiter(sample), want, "{sample:?}");
        }
        let spaced = dialect("id, cid, name\n1, 1, London\n").unwrap();
        assert_eq!((spaced.delimiter, spaced.skip_initial_space), (b',', true));
        assert!(!dialect("id,name\n1, a\n").unwrap().skip_initial_space);
    }
}
