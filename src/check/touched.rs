//! Which lines of the report files a change touched, against its base, so that
//! `luban check --base` judges a contributor on their own lines: errors there, warnings
//! elsewhere. A line is touched when its text (line ends aside) is not in the base as
//! many times, so a file re-saved with other line ends is not all touched.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::Result;

use super::git;
use crate::report::diagnostic::line_ranges;
use crate::report::error_report::ErrorRecord;

/// Each file's text and the lines the change touched in it.
type Texts = BTreeMap<String, (Vec<u8>, BTreeSet<u64>)>;

/// Errors on lines the change touched, and the others (warnings): a contributor answers
/// for their own rows. A file-level error (line 1) is always the change's. `reports` are
/// the report files, where a copied row is looked for ([`copied_row`]).
pub fn split_by_touched_lines(
    root: &Path,
    base: &str,
    errors: Vec<ErrorRecord>,
    reports: &[String],
) -> Result<(Vec<ErrorRecord>, Vec<ErrorRecord>)> {
    // each file's text and touched lines
    let mut texts: Texts = BTreeMap::new();
    // each file's text in the base
    let mut bases: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let read = |texts: &mut Texts, bases: &mut BTreeMap<String, Vec<u8>>, file: &str| -> Result<()> {
        if !texts.contains_key(file) {
            let head = std::fs::read(root.join(file)).unwrap_or_default();
            let before = git::show(root, base, file)?.unwrap_or_default();
            let touched = touched_lines(&before, &head);
            texts.insert(file.to_string(), (head, touched));
            bases.insert(file.to_string(), before);
        }
        Ok(())
    };
    for e in &errors {
        read(&mut texts, &mut bases, &e.file)?;
    }
    let is_touched =
        |texts: &Texts, e: &ErrorRecord| e.line <= 1 || texts.get(&e.file).is_some_and(|(_, t)| t.contains(&e.line));
    let (mut errors, warnings): (Vec<ErrorRecord>, Vec<ErrorRecord>) =
        errors.into_iter().partition(|e| is_touched(&texts, e));
    // each file with a type-error read once on both sides, not once per error (an Excel
    // save rewrites every date of the file)
    let mut sides: BTreeMap<String, Option<BaseCells>> = BTreeMap::new();
    for e in errors.iter_mut().filter(|e| e.code == "type-error") {
        let file = sides.entry(e.file.clone()).or_insert_with(|| {
            let (head, _) = texts.get(&e.file)?;
            BaseCells::new(head, bases.get(&e.file)?)
        });
        if let Some(was) = file.as_ref().and_then(|f| f.was(e)) {
            e.help = Some(format!(
                "`{base}` has `{was}` in this cell of this report: a spreadsheet rewrote it when it saved the file; write `{was}` back (and keep the column as Text)"
            ));
        }
    }
    if !warnings.iter().any(|w| w.code == "duplicate-row") {
        return Ok((errors, warnings));
    }
    // a copy may sit in a file that has no error of its own
    for file in reports {
        read(&mut texts, &mut bases, file)?;
    }
    let mut kept = Vec::new();
    for w in warnings {
        match copied_row(&w, &texts) {
            Some(copy) => errors.push(copy),
            None => kept.push(w),
        }
    }
    Ok((errors, kept))
}

/// One report file on both sides of the change, to find what the base had in a cell of
/// a `type-error` on a touched line: the cell a spreadsheet rewrote on saving (Excel turns
/// `2022-01-05` into `05/01/2022` and `2017-05` into `May-17` in every row of the file,
/// the contributor's or not). A report is found in the base by its `source_url`.
struct BaseCells<'t> {
    head: Vec<&'t [u8]>,
    /// the head's `source_url` column
    url_at: usize,
    base_header: csv::StringRecord,
    /// the base's rows by `source_url`, in line order
    base_rows: HashMap<String, Vec<csv::StringRecord>>,
}

/// Where `name` is in a header record (past a BOM).
fn label(header: &csv::StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|l| l.trim_start_matches('\u{feff}') == name)
}

impl<'t> BaseCells<'t> {
    fn new(head: &'t [u8], before: &[u8]) -> Option<BaseCells<'t>> {
        let head = physical_lines(head);
        let url_at = label(&cells(head.first()?)?, "source_url")?;
        let base = physical_lines(before);
        let base_header = cells(base.first()?)?;
        let base_url_at = label(&base_header, "source_url")?;
        let mut base_rows: HashMap<String, Vec<csv::StringRecord>> = HashMap::new();
        for r in base[1..].iter().filter_map(|l| cells(l)) {
            if let Some(url) = r.get(base_url_at) {
                base_rows.entry(url.to_string()).or_default().push(r);
            }
        }
        Some(BaseCells {
            head,
            url_at,
            base_header,
            base_rows,
        })
    }

    /// The base's value of `e`'s cell, when it holds the same report with another value.
    fn was(&self, e: &ErrorRecord) -> Option<String> {
        let p = e.field_position?;
        let row = cells(self.head.get((e.line as usize).checked_sub(1)?)?)?;
        let url = row.get(self.url_at).filter(|u| !u.is_empty())?;
        let base_at = label(&self.base_header, e.field.as_deref()?)?;
        let now = row.get(p - 1).unwrap_or_default();
        // of the base's rows citing the URL (a page can be about several workshops), the
        // one that agrees with this row on most cells, and on most of them
        let same = |r: &csv::StringRecord| r.iter().zip(row.iter()).filter(|(a, b)| a == b).count();
        self.base_rows
            .get(url)?
            .iter()
            .filter(|r| 2 * same(r) > row.len())
            .max_by_key(|r| same(r))
            .and_then(|r| r.get(base_at).map(str::to_string))
            .filter(|was| !was.is_empty() && was != now)
    }
}

/// The cells of a one-line CSV record, as duplicate-row compares them (quoted or not).
fn cells(line: &[u8]) -> Option<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line)
        .records()
        .next()?
        .ok()
}

/// A `duplicate-row` error on a line the change did not touch, when the change added a
/// line with the same cells elsewhere: the change's copy, as an error on the copy's line.
/// (The copy is the one reported when its file is read first; the line it repeats was
/// there before.) A record spanning lines is compared by its first line only.
fn copied_row(e: &ErrorRecord, texts: &Texts) -> Option<ErrorRecord> {
    if e.code != "duplicate-row" {
        return None;
    }
    let line_of = |text: &[u8], n: u64| physical_lines(text).get(n as usize - 1).and_then(|l| cells(l));
    let original = line_of(&texts.get(&e.file)?.0, e.line)?;
    let (file, line) = texts.iter().find_map(|(file, (text, touched))| {
        let lines = physical_lines(text);
        touched
            .iter()
            .find(|&&n| n > 1 && lines.get(n as usize - 1).and_then(|l| cells(l)).as_ref() == Some(&original))
            .map(|&n| (file.clone(), n))
    })?;
    Some(ErrorRecord {
        message: format!("row is the same as {}:{}, a report the dataset has", e.file, e.line),
        help: Some("remove this row; another page about the same workshop is a new row with its own source_url".into()),
        file,
        line,
        row: 0,
        field: None,
        field_position: None,
        byte: None, // the pointer finds the line
        ..e.clone()
    })
}

/// The physical lines of `text` ([`line_ranges`]).
fn physical_lines(text: &[u8]) -> Vec<&[u8]> {
    line_ranges(text).into_iter().map(|r| &text[r]).collect()
}

/// The lines of `head` whose text does not appear in `base` (as many times): the lines a
/// change touched. Line ends do not count: a file re-saved with CRLF is not all touched.
pub fn touched_lines(base: &[u8], head: &[u8]) -> BTreeSet<u64> {
    let mut pool: BTreeMap<&[u8], usize> = BTreeMap::new();
    for l in physical_lines(base) {
        *pool.entry(l).or_default() += 1;
    }
    let mut out = BTreeSet::new();
    for (i, l) in physical_lines(head).into_iter().enumerate() {
        match pool.get_mut(l) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                out.insert(i as u64 + 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_lines_ignore_line_ends_and_count_every_kind() {
        let base = b"h\na\nb\nc\n";
        // re-saved with CRLF, one row edited: only that row is touched
        assert_eq!(touched_lines(base, b"h\r\na\r\nB\r\nc\r\n"), BTreeSet::from([3]));
        // CR-only (old Excel on a Mac), a row added at the end
        assert_eq!(touched_lines(base, b"h\ra\rb\rc\rd\r"), BTreeSet::from([5]));
        // a blank line counts as a line, as diagnostics count it
        assert_eq!(touched_lines(base, b"h\na\n\nb\nc\nnew"), BTreeSet::from([3, 6]));
    }
}
