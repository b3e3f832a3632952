//! rustc-like diagnostics that point at the offending text: a CSV cell or a place in a
//! schema file. Rendering is delegated to `annotate-snippets` (what rustc and cargo use);
//! this module finds the line and the span to underline.

use annotate_snippets::{Level, Renderer, Snippet};

/// Where a diagnostic points: a file, a 1-based line, the text of that line and the byte
/// span within it to underline.
#[derive(Debug, Clone)]
pub struct Pointer {
    pub origin: String,
    pub line: usize,
    pub source_line: String,
    pub span: std::ops::Range<usize>,
}

/// Renders one diagnostic: `error[code]: title`, the pointer, and `note:`/`help:` footers.
pub fn render(
    code: &str,
    title: &str,
    pointer: Option<&Pointer>,
    label: &str,
    notes: &[String],
    help: Option<&str>,
    color: bool,
) -> String {
    let mut msg = Level::Error.title(title).id(code);
    let window = pointer.map(window);
    if let Some(p) = window.as_ref() {
        // an empty line (a blank row) is given as its line break, so that its number and
        // a caret show: annotate-snippets draws nothing at all for an empty source
        let source = if p.source_line.is_empty() {
            "\n"
        } else {
            p.source_line.as_str()
        };
        let span = clamp_span(source, p.span.clone());
        msg = msg.snippet(
            Snippet::source(source)
                .line_start(p.line)
                .origin(&p.origin)
                .fold(false)
                .annotation(Level::Error.span(span).label(label)),
        );
    }
    for n in notes {
        msg = msg.footer(Level::Note.title(n));
    }
    if let Some(h) = help {
        msg = msg.footer(Level::Help.title(h));
    }
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let out = renderer.render(msg).to_string();
    match (pointer, window.as_ref()) {
        (Some(p), Some(w)) => real_column(out, p, w),
        _ => out,
    }
}

/// `out` with the column of its `-->` line counted in the whole line, not in the window
/// shown of a long one (annotate-snippets counts in the text it is given).
fn real_column(out: String, whole: &Pointer, shown: &Pointer) -> String {
    if whole.source_line.len() == shown.source_line.len() {
        return out;
    }
    // the column of a byte offset in one line (the lines have no breaks)
    let col = |line: &str, at: usize| line_col(line, at).1;
    let start = clamp_span(&shown.source_line, shown.span.clone()).start;
    let wrong = format!("{}:{}:{}", shown.origin, shown.line, col(&shown.source_line, start));
    let right = format!(
        "{}:{}:{}",
        whole.origin,
        whole.line,
        col(&whole.source_line, whole.span.start)
    );
    out.replacen(&wrong, &right, 1)
}

/// Renders one warning pointing at `pointer` (`warning[code]: title`).
pub fn render_warning(code: &str, title: &str, pointer: &Pointer, label: &str, color: bool) -> String {
    let p = window(pointer);
    let source = if p.source_line.is_empty() {
        "\n"
    } else {
        p.source_line.as_str()
    };
    let span = clamp_span(source, p.span.clone());
    let msg = Level::Warning.title(title).id(code).snippet(
        Snippet::source(source)
            .line_start(p.line)
            .origin(&p.origin)
            .fold(false)
            .annotation(Level::Warning.span(span).label(label)),
    );
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let out = renderer.render(msg).to_string();
    real_column(out, pointer, &p)
}

/// Lines longer than this are shown as a window around the span (a 50 MB cell must not
/// become a 50 MB diagnostic).
const MAX_SHOWN: usize = 160;

fn window(p: &Pointer) -> Pointer {
    let line = &p.source_line;
    if line.len() <= MAX_SHOWN {
        return p.clone();
    }
    let floor = |mut i: usize| {
        i = i.min(line.len());
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(p.span.start.saturating_sub(40));
    let span_end = p.span.end.min(p.span.start + MAX_SHOWN - 80).max(p.span.start);
    let to = floor(span_end + 40);
    let prefix = if from > 0 { "…" } else { "" };
    let suffix = if to < line.len() { "…" } else { "" };
    let shown = format!("{prefix}{}{suffix}", &line[from..to]);
    let shift = prefix.len();
    let start = floor(p.span.start) - from + shift;
    let end = (floor(span_end) - from + shift).max(start);
    Pointer {
        origin: p.origin.clone(),
        line: p.line,
        source_line: shown,
        span: start..end,
    }
}

/// Keeps a span inside the line and on char boundaries; an empty cell gets a one-column
/// caret where it would be.
fn clamp_span(line: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = span.start.min(line.len());
    let mut end = span.end.min(line.len()).max(start);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    while !line.is_char_boundary(end) {
        end += 1;
    }
    if start == end {
        match line[start..].chars().next() {
            Some(c) => end = start + c.len_utf8(),
            // at the end of the line: underline its last character
            None => {
                if let Some(c) = line[..start].chars().last() {
                    start -= c.len_utf8();
                }
            }
        }
    }
    start..end
}

/// 1-based line and column (in characters) of a byte offset in `text`. `\r\n`, `\r`
/// and `\n` each end a line (Excel writes CRLF; old Mac files CR).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = line_breaks(&text.as_bytes()[..offset]) as usize + 1;
    let (line_start, _) = line_bounds(text, offset);
    (line, text[line_start..offset].chars().count() + 1)
}

/// The start and end (before its line break) of the line holding byte `offset`.
pub fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let start = bytes[..offset]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let end = bytes[offset..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |i| offset + i);
    (start, end)
}

/// The pointer for a byte span inside a whole file's text (the span is cut at the end of
/// its first line). The line number is counted from the start of the text.
pub fn pointer_in_text(origin: &str, text: &str, span: std::ops::Range<usize>) -> Pointer {
    let start = floor_char(text, span.start);
    let (line, _) = line_col(text, start);
    pointer_on_line(origin, text, span, line)
}

/// [`pointer_in_text`] when the caller knows the line `span` starts on (a CSV reader
/// does): nothing is counted, so this costs the length of one line, not of the file.
pub fn pointer_on_line(origin: &str, text: &str, span: std::ops::Range<usize>, line: usize) -> Pointer {
    // offsets come from parsers that may count differently: snap them to characters
    let start = floor_char(text, span.start);
    let (mut line_start, line_end) = line_bounds(text, start);
    // a byte order mark is not part of the first line as an editor shows it
    if line_start == 0 && text.starts_with('\u{feff}') {
        line_start = '\u{feff}'.len_utf8().min(line_end);
    }
    let start = start.max(line_start);
    let source_line = text[line_start..line_end].to_string();
    let mut end = span.end.min(line_end).max(start);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Pointer {
        origin: origin.to_string(),
        line,
        source_line,
        span: (start - line_start)..(end - line_start),
    }
}

fn floor_char(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Locates field `index` (0-based) of the CSV record that starts at byte `record_start`:
/// returns its byte span in `text`, quotes included. Used only to draw carets, so a
/// malformed record simply yields the best span it can.
pub fn csv_field_span(text: &[u8], record_start: usize, index: usize, delimiter: u8) -> std::ops::Range<usize> {
    let mut i = record_start.min(text.len());
    let mut field = 0;
    loop {
        let start = i;
        if i < text.len() && text[i] == b'"' {
            i += 1;
            while i < text.len() {
                if text[i] == b'"' {
                    if i + 1 < text.len() && text[i + 1] == b'"' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        while i < text.len() && !(text[i] == delimiter || matches!(text[i], b'\n' | b'\r')) {
            i += 1;
        }
        if field == index {
            return start..i;
        }
        if i >= text.len() || text[i] != delimiter {
            // the record ended before the field: point just past its end
            return i..i;
        }
        i += 1;
        field += 1;
    }
}

/// The closest of `candidates` to `value`, if close enough to suggest ("did you mean").
pub fn closest<'c>(value: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let v = value.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&v, &c.to_lowercase()), c))
        .filter(|(s, _)| *s >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Line breaks in `text`: `\r\n`, `\r` and `\n` count one each. Every line number luban
/// prints counts this way, whatever line ends the file has.
pub fn line_breaks(text: &[u8]) -> u64 {
    let mut n = 0;
    let mut prev_cr = false;
    for &b in text {
        n += u64::from(b == b'\r' || (b == b'\n' && !prev_cr));
        prev_cr = b == b'\r';
    }
    n
}

/// A file's bytes as the text diagnostics point into: each byte that is not part of
/// valid UTF-8 becomes one `?`. Offsets into the file (a record's byte) are then offsets
/// into the text, and a column counts such a byte as one character, as an editor that
/// reads the file as Windows-1252 shows it. (A lossy decoding's U+FFFD is three bytes:
/// every later offset of the file pointed that much too far.)
pub fn text_for_pointers(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// The byte ranges of the physical lines of `text`, line ends left out: `\n`, `\r\n` and
/// a lone `\r` (Excel on a Mac) each end one, as [`line_breaks`] counts them. A last line
/// without an end counts; nothing follows a final line end.
pub fn line_ranges(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < text.len() {
        match text[i] {
            b'\n' => {
                out.push(start..i);
                start = i + 1;
            }
            b'\r' => {
                out.push(start..i);
                if text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Where line `line` (1-based, as [`line_ranges`] cuts them) starts in `text`; None past
/// the last line.
pub fn line_start(text: &[u8], line: u64) -> Option<usize> {
    let n = usize::try_from(line).ok()?.checked_sub(1)?;
    line_ranges(text).get(n).map(|r| r.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_starts_after_the_break_before_it_whatever_the_line_ends() {
        for text in ["a\nb\nc", "a\r\nb\r\nc", "a\rb\rc", "a\r\nb\nc"] {
            let t = text.as_bytes();
            let starts: Vec<Option<usize>> = (1..=4).map(|l| line_start(t, l)).collect();
            let at = |l: usize| starts[l - 1].map(|i| t[i] as char);
            assert_eq!(
                (at(1), at(2), at(3), starts[3]),
                (Some('a'), Some('b'), Some('c'), None),
                "{text:?}"
            );
            // the line numbers agree with line_breaks
            for l in 1..=3 {
                assert_eq!(line_breaks(&t[..starts[l - 1].unwrap()]) + 1, l as u64, "{text:?}");
            }
        }
        assert_eq!(line_start(b"a\n", 2), None);
    }

    #[test]
    fn line_breaks_count_crlf_once() {
        for (t, n) in [("", 0), ("\n", 1), ("\r\n", 1), ("\r", 1), ("\n\r", 2), ("\r\r\n\n", 3)] {
            assert_eq!(line_breaks(t.as_bytes()), n, "{t:?}");
        }
    }

    #[test]
    fn csv_field_span_skips_quoted_commas_and_doubled_quotes() {
        let text = b"a,b\nx,\"y, \"\"z\"\"\",w\n";
        let rec = 4;
        assert_eq!(&text[csv_field_span(text, rec, 0, b',')], b"x");
        assert_eq!(&text[csv_field_span(text, rec, 1, b',')], b"\"y, \"\"z\"\"\"");
        assert_eq!(&text[csv_field_span(text, rec, 2, b',')], b"w");
        let past = csv_field_span(text, rec, 5, b',');
        assert_eq!(past.start, past.end);
    }

    #[test]
    fn a_long_line_keeps_its_real_column_in_the_pointer() {
        let line = format!("{},é,bad,{}", "x".repeat(300), "y".repeat(300));
        let text = format!("h\n{line}\n");
        let start = 2 + 300 + 1 + "é".len() + 1;
        let p = pointer_in_text("raw/x.csv", &text, start..start + 3);
        for color in [false, true] {
            let out = render("type-error", "bad", Some(&p), "here", &[], None, color);
            assert!(out.contains("raw/x.csv:2:304"), "{out}");
            assert!(out.contains("bad"), "{out}");
            let out = render_warning("w", "bad", &p, "here", color);
            assert!(out.contains("raw/x.csv:2:304"), "{out}");
        }
    }

    #[test]
    fn render_points_at_line_and_column() {
        let text = "h1,h2\nok,rumoured\n";
        let p = pointer_in_text("raw/x.csv", text, 9..17);
        let out = render(
            "constraint-error",
            "bad status",
            Some(&p),
            "not allowed",
            &[],
            Some("did you mean `announced`?"),
            false,
        );
        assert!(out.contains("error[constraint-error]: bad status"), "{out}");
        assert!(out.contains("--> raw/x.csv:2:4"), "{out}");
        assert!(out.contains("^^^^^^^^"), "{out}");
        assert!(out.contains("help: did you mean `announced`?"), "{out}");
    }
}
