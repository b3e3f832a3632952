//! The malformed-input corpus: each case is a broken (or merely unusual) input with its
//! exact expected outcome — exit status, the error code and file:line in the message, and
//! whether anything was published. Every case also asserts that luban did not panic.

use crate::workdir::{machakos, row, Workdir, HEADER};

struct Case {
    name: &'static str,
    setup: fn(&Workdir),
    args: &'static [&'static str],
    status: i32,
    stderr: &'static [&'static str],
    /// Some(true): output/ must exist afterwards; Some(false): must not.
    published: Option<bool>,
}

fn reports(wd: &Workdir, body: &[u8]) {
    let mut b = format!("{HEADER}\n").into_bytes();
    b.extend_from_slice(body);
    wd.write("raw/reports/a.csv", b);
}

const RUN: &[&str] = &["run"];

// a table of cases, one entry each: splitting it would only scatter the table
#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "invalid UTF-8 in a cell",
            setup: |wd| {
                reports(
                    wd,
                    b"W,Portugal,Set\xfabal,IPS,,2018,operating,,https://example.org/1,,,,,,\n",
                )
            },
            args: RUN,
            status: 1,
            stderr: &["error[encoding-error]", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "invalid UTF-8 in the header",
            setup: |wd| wd.write("raw/reports/a.csv", b"workshop_name,countr\xff,city\n"),
            args: RUN,
            status: 1,
            stderr: &["error[encoding-error]: the header row is not valid UTF-8"],
            published: Some(false),
        },
        Case {
            name: "UTF-16 with a BOM",
            setup: |wd| {
                let mut b = vec![0xFF, 0xFE];
                for u in HEADER.encode_utf16() {
                    b.extend_from_slice(&u.to_le_bytes());
                }
                wd.write("raw/reports/a.csv", b);
            },
            args: RUN,
            status: 1,
            stderr: &["error[encoding-error]: file is UTF-16"],
            published: Some(false),
        },
        Case {
            name: "a NUL byte in a cell",
            setup: |wd| {
                reports(
                    wd,
                    b"W,Ke\0nya,Machakos,MU,,2019,operating,,https://example.org/1,,,,,,\n",
                )
            },
            args: RUN,
            status: 1,
            stderr: &[
                "error[control-character]: `country` holds a NUL (U+0000) at character 3",
                "raw/reports/a.csv:2:3",
            ],
            published: Some(false),
        },
        Case {
            name: "CRLF line ends",
            setup: |wd| wd.write("raw/reports/a.csv", format!("{HEADER}\r\n{}\r\n", machakos())),
            args: RUN,
            status: 0,
            stderr: &["publish:"],
            published: Some(true),
        },
        Case {
            name: "CR-only line ends",
            setup: |wd| wd.write("raw/reports/a.csv", format!("{HEADER}\r{}\r", machakos())),
            args: RUN,
            status: 0,
            stderr: &["publish:"],
            published: Some(true),
        },
        Case {
            name: "mixed line ends",
            setup: |wd| {
                wd.write(
                    "raw/reports/a.csv",
                    format!(
                        "{HEADER}\r\n{}\n{}\r",
                        machakos(),
                        row(
                            "Egypt",
                            "Ain Shams University",
                            "Cairo",
                            "2020",
                            "https://example.org/2"
                        )
                    ),
                )
            },
            args: RUN,
            status: 0,
            stderr: &["2 in"],
            published: Some(true),
        },
        Case {
            name: "a UTF-8 BOM",
            setup: |wd| wd.write("raw/reports/a.csv", format!("\u{feff}{HEADER}\n{}\n", machakos())),
            args: RUN,
            status: 0,
            stderr: &["publish:"],
            published: Some(true),
        },
        Case {
            name: "an empty file",
            setup: |wd| wd.write("raw/reports/a.csv", ""),
            args: RUN,
            status: 1,
            stderr: &["error[source-error]: file is empty"],
            published: Some(false),
        },
        Case {
            name: "a file holding only a BOM",
            setup: |wd| wd.write("raw/reports/a.csv", "\u{feff}"),
            args: RUN,
            status: 1,
            stderr: &["error[source-error]: file is empty"],
            published: Some(false),
        },
        Case {
            name: "a header and no rows",
            setup: |wd| reports(wd, b""),
            args: RUN,
            status: 0,
            stderr: &["ingest:      0 in"],
            published: Some(true),
        },
        Case {
            name: "a blank header cell",
            setup: |wd| wd.write("raw/reports/a.csv", HEADER.replace("city", "") + "\n"),
            args: RUN,
            status: 1,
            stderr: &["error[blank-label]", "raw/reports/a.csv:1:"],
            published: Some(false),
        },
        Case {
            name: "duplicate headers",
            setup: |wd| wd.write("raw/reports/a.csv", HEADER.replace("city", "country") + "\n"),
            args: RUN,
            status: 1,
            stderr: &["error[duplicate-label]: header `country` appears twice"],
            published: Some(false),
        },
        Case {
            name: "a misspelt header",
            setup: |wd| wd.write("raw/reports/a.csv", HEADER.replace("country", "Country") + "\n"),
            args: RUN,
            status: 1,
            stderr: &["error[incorrect-label]", "did you mean `country`?"],
            published: Some(false),
        },
        Case {
            name: "a missing column",
            setup: |wd| wd.write("raw/reports/a.csv", HEADER.replace(",host_partner", "") + "\n"),
            args: RUN,
            status: 1,
            stderr: &["error[missing-label]: the header has no column `host_partner`"],
            published: Some(false),
        },
        Case {
            name: "an unknown column",
            setup: |wd| wd.write("raw/reports/a.csv", format!("{HEADER},rumour\n")),
            args: RUN,
            status: 1,
            stderr: &["error[extra-label]: header `rumour`"],
            published: Some(false),
        },
        Case {
            name: "a row with too few cells",
            setup: |wd| reports(wd, b"W,Kenya,Machakos\n"),
            args: RUN,
            status: 1,
            stderr: &["error[missing-cell]", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "a row with too many cells",
            setup: |wd| reports(wd, format!("{},x\n", machakos()).as_bytes()),
            args: RUN,
            status: 1,
            stderr: &["error[extra-cell]", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "a trailing delimiter on every line",
            setup: |wd| wd.write("raw/reports/a.csv", format!("{HEADER},\n{},\n", machakos())),
            args: RUN,
            status: 1,
            stderr: &[
                "error[blank-label]",
                "= note: expected 15 columns",
                "help: delete the empty column after `host_partner`",
            ],
            published: Some(false),
        },
        Case {
            name: "an unterminated quote",
            setup: |wd| {
                reports(
                    wd,
                    format!(
                        "W,Kenya,\"Machakos,MU,,2019,operating,,https://example.org/1,,,,,,\n{}\n{}\n",
                        machakos(),
                        machakos()
                    )
                    .as_bytes(),
                )
            },
            args: RUN,
            status: 1,
            stderr: &["raw/reports/a.csv:2:", "is its closing quote missing?"],
            published: Some(false),
        },
        Case {
            name: "a quote inside an unquoted cell",
            setup: |wd| {
                reports(
                    wd,
                    b"W,Ke\"nya,Machakos,MU,,2019,operating,,https://example.org/1,,,,,,\n",
                )
            },
            args: RUN,
            status: 1,
            stderr: &["error[foreign-key]", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "a whitespace-only row",
            setup: |wd| reports(wd, b" , , , , , , , , , , , \n"),
            args: RUN,
            status: 1,
            stderr: &["error[foreign-key]", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "a blank row",
            setup: |wd| reports(wd, format!("{}\n,,,,,,,,,,,,\n", machakos()).as_bytes()),
            args: RUN,
            status: 1,
            stderr: &["error[blank-row]", "raw/reports/a.csv:3:1"],
            published: Some(false),
        },
        Case {
            name: "an empty line between rows",
            setup: |wd| reports(wd, format!("{}\n\n", machakos()).as_bytes()),
            args: RUN,
            status: 1,
            stderr: &[
                "error[blank-row]: row is an empty line",
                "raw/reports/a.csv:3:1",
                "help: delete the empty line",
            ],
            published: Some(false),
        },
        Case {
            name: "a date written day first",
            setup: |wd| {
                reports(
                    wd,
                    b"W,Kenya,Machakos,MU,,21/04/2019,operating,,https://example.org/1,,,,,\n",
                )
            },
            args: RUN,
            status: 1,
            stderr: &[
                "error[type-error]",
                "raw/reports/a.csv:2:22",
                "help: did you mean `2019-04-21`?",
            ],
            published: Some(false),
        },
        Case {
            name: "a 50 MB cell",
            setup: |wd| {
                reports(
                    wd,
                    format!(
                        "{},Kenya,Machakos,MU,,2019,operating,,https://example.org/1,,,,\n",
                        "x".repeat(50 << 20)
                    )
                    .as_bytes(),
                )
            },
            args: &["ingest"],
            status: 0,
            stderr: &["ingest:"],
            published: None,
        },
        Case {
            name: "100 000 columns",
            setup: |wd| reports(wd, format!("{}{}\n", machakos(), ",x".repeat(100_000)).as_bytes()),
            args: RUN,
            status: 1,
            stderr: &["error[extra-cell]", "99980 more cells beyond the 15 columns"],
            published: Some(false),
        },
        Case {
            name: "an impossible date",
            setup: |wd| {
                reports(
                    wd,
                    b"W,Kenya,Machakos,MU,,2019-02-30,operating,,https://example.org/1,,,,,,\n",
                )
            },
            args: RUN,
            status: 1,
            stderr: &["error[type-error]", "not a day of the calendar", "raw/reports/a.csv:2:"],
            published: Some(false),
        },
        Case {
            name: "an unknown status",
            setup: |wd| reports(wd, b"W,Kenya,Machakos,MU,,2019,rumoured,,https://example.org/1,,,,,,\n"),
            args: RUN,
            status: 1,
            stderr: &["error[constraint-error]", "expected one of"],
            published: Some(false),
        },
        Case {
            name: "a URL without a scheme",
            setup: |wd| reports(wd, b"W,Kenya,Machakos,MU,,2019,operating,,example.org/1,,,,,,\n"),
            args: RUN,
            status: 1,
            stderr: &["error[type-error]", "not an absolute http(s) URL"],
            published: Some(false),
        },
        Case {
            name: "no source URL",
            setup: |wd| reports(wd, b"W,Kenya,Machakos,MU,,2019,operating,,,,,,,,\n"),
            args: RUN,
            status: 1,
            stderr: &["error[constraint-error]: `source_url` is required"],
            published: Some(false),
        },
        Case {
            name: "an unknown country",
            setup: |wd| reports(wd, b"W,Narnia,,MU,,2019,operating,,https://example.org/1,,,,,,\n"),
            args: RUN,
            status: 1,
            stderr: &["error[foreign-key]: \"Narnia\" is not a known country"],
            published: Some(false),
        },
        Case {
            name: "an ambiguous country",
            setup: |wd| reports(wd, b"W,Congo,,MU,,2019,operating,,https://example.org/1,,,,,,\n"),
            args: RUN,
            status: 1,
            stderr: &["could be more than one country"],
            published: Some(false),
        },
        Case {
            name: "the same report twice",
            setup: |wd| reports(wd, format!("{}\n{}\n", machakos(), machakos()).as_bytes()),
            args: RUN,
            status: 1,
            stderr: &["error[duplicate-row]: row is the same as row 2", "raw/reports/a.csv:3:"],
            published: Some(false),
        },
        Case {
            name: "binary garbage",
            setup: |wd| {
                wd.write(
                    "raw/reports/a.csv",
                    (0u32..4096)
                        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                        .collect::<Vec<u8>>(),
                )
            },
            args: RUN,
            status: 1,
            stderr: &["raw/reports/a.csv:1:"],
            published: Some(false),
        },
        Case {
            name: "a schema that is not JSON",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                wd.write("schemas/reports.schema.json", "{ fields: [ }");
            },
            args: RUN,
            status: 2,
            stderr: &[
                "error[schema-error]: invalid schema JSON",
                "--> schemas/reports.schema.json:1:",
            ],
            published: Some(false),
        },
        Case {
            name: "a schema whose primaryKey names a missing field",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                let s = wd.read("schemas/reports.schema.json");
                wd.write(
                    "schemas/reports.schema.json",
                    s.replacen(
                        "\"missingValues\"",
                        "\"primaryKey\": [\"nope\"],\n  \"missingValues\"",
                        1,
                    ),
                );
            },
            args: RUN,
            status: 2,
            stderr: &["primaryKey names `nope`"],
            published: Some(false),
        },
        Case {
            name: "a schema with an invalid regex",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                let s = wd.read("schemas/reports.schema.json");
                wd.write("schemas/reports.schema.json", s.replacen("[0-9]{4}", "[0-9]{4", 1));
            },
            args: RUN,
            status: 2,
            stderr: &["has an invalid pattern", "--> schemas/reports.schema.json:"],
            published: Some(false),
        },
        Case {
            name: "an alias table with a cycle",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                let a = wd.read("raw/aliases/cities.csv");
                wd.write(
                    "raw/aliases/cities.csv",
                    format!("{a}Alpha,Beta,https://example.org/a\nBeta,Alpha,https://example.org/b\n"),
                );
            },
            args: RUN,
            status: 1,
            stderr: &["error[alias-chain]", "raw/aliases/cities.csv:"],
            published: Some(false),
        },
        Case {
            name: "an alias pointing to two names",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                let a = wd.read("raw/aliases/cities.csv");
                wd.write(
                    "raw/aliases/cities.csv",
                    format!(
                        "{a}Mombasa Town,Mombasa,https://example.org/a\nMombasa Town,Nairobi,https://example.org/b\n"
                    ),
                );
            },
            args: RUN,
            status: 1,
            stderr: &["error[alias-conflict]"],
            published: Some(false),
        },
        Case {
            name: "a decision that is neither same nor different",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                wd.write(
                    "raw/decisions.csv",
                    "field,country,name,candidate,score,evidence,decision,note\ncity,KEN,A,B,,,maybe,\n",
                );
            },
            args: RUN,
            // judged by the decisions schema before any stage runs, as `check` judges it
            status: 1,
            stderr: &["error[constraint-error]", "--> raw/decisions.csv:2:16"],
            published: Some(false),
        },
        Case {
            name: "a decision about names no report uses",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                wd.write("raw/decisions.csv", "field,country,name,candidate,score,evidence,decision,note\ninstitution,KEN,Gone College,Machakos University,,,same,\n");
            },
            args: RUN,
            status: 0,
            stderr: &["raw/decisions.csv:2: this decision is about names no report uses now"],
            published: Some(true),
        },
        Case {
            name: "a symlinked report file",
            setup: |wd| {
                wd.write("elsewhere.csv", format!("{HEADER}\n"));
                std::os::unix::fs::symlink(wd.path("elsewhere.csv"), wd.path("raw/reports/a.csv")).unwrap();
            },
            args: RUN,
            status: 2,
            stderr: &["refusing to read `raw/reports/a.csv`: symbolic links"],
            published: Some(false),
        },
        Case {
            name: "a folder named like a CSV file",
            setup: |wd| std::fs::create_dir_all(wd.path("raw/reports/a.csv")).unwrap(),
            args: RUN,
            status: 2,
            stderr: &["failed to read `raw/reports/a.csv`"],
            published: Some(false),
        },
        Case {
            name: "no raw/ folder",
            setup: |wd| std::fs::remove_dir_all(wd.path("raw")).unwrap(),
            args: RUN,
            status: 2,
            stderr: &["no `raw/` folder"],
            published: Some(false),
        },
        Case {
            name: "no dataset.json",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                std::fs::remove_file(wd.path("raw/dataset.json")).unwrap();
            },
            args: RUN,
            status: 2,
            stderr: &["failed to read `raw/dataset.json`"],
            published: Some(false),
        },
        Case {
            name: "a non-CSV file among the reports",
            setup: |wd| {
                reports(wd, machakos().as_bytes());
                wd.write("raw/reports/README.md", "not data");
            },
            args: RUN,
            status: 0,
            stderr: &["1 in"],
            published: Some(true),
        },
        Case {
            name: "a catastrophic pattern on a long cell",
            setup: |wd| {
                wd.write(
                    "s.json",
                    r#"{"fields":[{"name":"a","constraints":{"pattern":"(a+)+$"}}]}"#,
                );
                wd.write("d.csv", format!("a\n{}!\n", "a".repeat(200_000)));
            },
            args: &["validate", "d.csv", "--schema", "s.json"],
            status: 1,
            stderr: &["error[constraint-error]", "--> d.csv:2:1"],
            published: None,
        },
    ]
}

/// A line-ending or layout case: the report file's bytes after the header line (which
/// ends the way the case's lines do), and every error expected, as (line, column, code).
struct Layout {
    name: &'static str,
    header_end: &'static str,
    body: Vec<u8>,
    errors: &'static [(u64, usize, &'static str)],
    /// the source line a snippet shows for the first error
    shown: &'static str,
}

/// A valid report, and another with `rumoured` as its status (column 83).
const OK: &str = "Test Workshop,Kenya,Machakos,Machakos University,Tianjin Vocational Institute,2019-12-14,operating,robotics,https://example.org/1,,,test,Tianjin,,";
const BAD: &str = "Other Workshop,Egypt,Cairo,Ain Shams University,Tianjin Vocational Institute,2020,rumoured,robotics,https://example.org/2,,,test,Tianjin,,";
const BAD_COL: usize = 83;

fn layouts() -> Vec<Layout> {
    let bytes = |s: String| s.into_bytes();
    vec![
        Layout { name: "LF", header_end: "\n", body: bytes(format!("{OK}\n{BAD}\n")), errors: &[(3, BAD_COL, "constraint-error")], shown: BAD },
        Layout { name: "CRLF", header_end: "\r\n", body: bytes(format!("{OK}\r\n{BAD}\r\n")), errors: &[(3, BAD_COL, "constraint-error")], shown: BAD },
        Layout { name: "CR only", header_end: "\r", body: bytes(format!("{OK}\r{BAD}\r")), errors: &[(3, BAD_COL, "constraint-error")], shown: BAD },
        Layout { name: "mixed", header_end: "\r\n", body: bytes(format!("{OK}\r{OK}\n{BAD}\r\n")), errors: &[(3, 1, "duplicate-row"), (4, BAD_COL, "constraint-error")], shown: OK },
        Layout { name: "a bad row second, CRLF", header_end: "\r\n", body: bytes(format!("{BAD}\r\n{OK}\r\n")), errors: &[(2, BAD_COL, "constraint-error")], shown: BAD },
        Layout { name: "a BOM and CRLF", header_end: "\r\n", body: bytes(format!("{OK}\r\n{BAD}\r\n")), errors: &[(3, BAD_COL, "constraint-error")], shown: BAD },
        Layout { name: "a blank line before a bad row", header_end: "\n", body: bytes(format!("{OK}\n\n{BAD}\n")), errors: &[(3, 1, "blank-row"), (4, BAD_COL, "constraint-error")], shown: "" },
        Layout { name: "a blank CRLF line before a bad row", header_end: "\r\n", body: bytes(format!("{OK}\r\n\r\n{BAD}\r\n")), errors: &[(3, 1, "blank-row"), (4, BAD_COL, "constraint-error")], shown: "" },
        Layout { name: "blank CR lines", header_end: "\r", body: bytes(format!("\r{OK}\r\r{BAD}\r")), errors: &[(2, 1, "blank-row"), (4, 1, "blank-row"), (5, BAD_COL, "constraint-error")], shown: "" },
        Layout {
            name: "a quoted cell spanning lines before a bad row",
            header_end: "\n",
            body: bytes(format!("{}\"one\ntwo\",Tianjin,,\n{BAD}\n", &OK[..OK.len() - "test,Tianjin,,".len()])),
            errors: &[(4, BAD_COL, "constraint-error")],
            shown: BAD,
        },
        Layout {
            name: "a bad cell after a quoted cell spanning CRLF lines",
            header_end: "\r\n",
            body: "Other Workshop,Egypt,\"Cairo\r\nGiza\",Ain Shams University,x,2020,rumoured,robotics,https://example.org/2,,,t,Tianjin,,\r\n".into(),
            errors: &[(3, 35, "constraint-error")],
            shown: "Giza\",Ain Shams University,x,2020,rumoured,robotics,https://example.org/2,,,t,Tianjin,,",
        },
        Layout {
            // a lossy decoding made each bad byte three, and pointed every later error
            // of the file too far: at the line before, in another column
            name: "Windows-1252 bytes on a line before a bad row",
            header_end: "\r\n",
            body: {
                let mut b = OK.as_bytes()[..OK.len() - ",,test,Tianjin,,".len()].to_vec();
                b.extend_from_slice(b"\x93quoted\x94 \x96 title,,test,Tianjin,,\r\n");
                b.extend_from_slice(BAD.as_bytes());
                b.extend_from_slice(b"\r\n");
                b
            },
            errors: &[(2, 131, "encoding-error"), (3, BAD_COL, "constraint-error")],
            // the snippet starts near the cell; each bad byte shows as one `?`
            shown: "…perating,robotics,https://example.org/1,?quoted? ? title,,test,Tianjin,,",
        },
        Layout {
            // Excel's plain "CSV" writes the code page: the Chinese title became `?`s,
            // and the file is pure ASCII
            name: "a title saved as Excel's plain CSV",
            header_end: "\r\n",
            body: bytes(format!("{OK}\r\nW,Kenya,Machakos,MU,,2019,operating,,https://example.org/3,??????,,,Tianjin,,\r\n")),
            errors: &[(3, 60, "lost-characters")],
            shown: "W,Kenya,Machakos,MU,,2019,operating,,https://example.org/3,??????,,,Tianjin,,",
        },
        Layout {
            name: "a NUL in a cell",
            header_end: "\r\n",
            body: bytes(format!("{OK}\r\nW,Ke\0nya,Machakos,MU,,2019,operating,,https://example.org/3,,,,Tianjin,,\r\n")),
            errors: &[(3, 3, "control-character")],
            shown: "W,Ke\0nya,Machakos,MU,,2019,operating,,https://example.org/3,,,,Tianjin,,",
        },
    ]
}

impl Layout {
    fn bytes(&self) -> Vec<u8> {
        let mut b = if self.name.contains("BOM") {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        };
        b.extend_from_slice(HEADER.as_bytes());
        b.extend_from_slice(self.header_end.as_bytes());
        b.extend_from_slice(&self.body);
        b
    }
}

/// The (line, column, code) of every GitHub annotation in `stdout`.
fn annotations(stdout: &str) -> Vec<(u64, usize, String)> {
    stdout
        .lines()
        .filter(|l| l.starts_with("::error ") && l.contains("file=raw/reports/a.csv"))
        .map(|l| {
            let prop = |k: &str| {
                l.split([',', ' ', ':'])
                    .find_map(|p| p.strip_prefix(k))
                    .unwrap_or("0")
                    .to_string()
            };
            (
                prop("line=").parse().unwrap(),
                prop("col=").parse().unwrap(),
                prop("title="),
            )
        })
        .collect()
}

/// Issue 25: every line ending and layout puts each error on its own line and column,
/// in `validate FILE --schema S` (GitHub annotations and snippets), in `luban run`'s
/// diagnostics and quarantine file, and in `luban check`'s annotations.
#[test]
fn every_layout_puts_errors_on_their_line_and_column() {
    let mut failures = Vec::new();
    for case in layouts() {
        let wd = Workdir::new();
        wd.write("raw/reports/a.csv", case.bytes());
        let want: Vec<(u64, usize, String)> = case
            .errors
            .iter()
            .map(|(l, c, code)| (*l, *c, code.to_string()))
            .collect();
        let mut problems = Vec::new();
        let file = "raw/reports/a.csv";
        let github = wd.validate_report_file(file, &["--format", "github"]);
        if annotations(&github.stdout) != want {
            problems.push(format!(
                "validate --format github: {:?}{github}",
                annotations(&github.stdout)
            ));
        }
        let human = wd.validate_report_file(file, &[]);
        let (line, col, code) = &want[0];
        let at = format!("error[{code}]");
        let pointer = format!("--> {file}:{line}:{col}");
        // annotate-snippets cuts long lines at about 120 columns
        let shown = format!(
            "{line} | {}",
            case.shown
                .chars()
                .take(60)
                .collect::<String>()
                .replace('\0', "\u{fffd}")
        );
        let shown = if case.shown.is_empty() {
            format!("{line} | ...")
        } else {
            shown
        };
        for needle in [&at, &pointer, &shown] {
            if !human.stderr.replace('\0', "\u{fffd}").contains(needle.as_str()) {
                problems.push(format!("validate: stderr lacks {needle:?}{human}"));
            }
        }
        let run = wd.run(&["run"]);
        if run.status != 1 || !run.stderr.contains(&pointer) {
            problems.push(format!("run: exit {} or stderr lacks {pointer:?}{run}", run.status));
        }
        let quarantined: Vec<(u64, String)> = wd
            .csv_rows("build/quarantine.csv")
            .iter()
            .map(|r| (r["line"].parse().unwrap(), r["code"].clone()))
            .collect();
        // the quarantine file gives the line each record starts on
        let record_lines: Vec<(u64, String)> = want
            .iter()
            .map(|(l, _, c)| {
                (
                    if case.name.starts_with("a bad cell after") {
                        l - 1
                    } else {
                        *l
                    },
                    c.clone(),
                )
            })
            .collect();
        if quarantined != record_lines {
            problems.push(format!("run: quarantine.csv has {quarantined:?}"));
        }
        let check = wd.run(&["check", "--format", "github"]);
        if annotations(&check.stdout) != want {
            problems.push(format!(
                "check --format github: {:?}{check}",
                annotations(&check.stdout)
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n{}", case.name, problems.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_corpus_case_has_its_exact_outcome() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let wd = Workdir::new();
        (c.setup)(&wd);
        let start = std::time::Instant::now();
        let out = wd.run(c.args);
        let mut problems = Vec::new();
        if out.status != c.status {
            problems.push(format!("exit {} (expected {})", out.status, c.status));
        }
        if out.stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        for needle in c.stderr {
            if !out.stderr.contains(needle) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        match c.published {
            Some(true) if !wd.path("output/datapackage.json").exists() => problems.push("nothing published".into()),
            Some(false) if wd.path("output").exists() => problems.push("output/ was written".into()),
            _ => {}
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            problems.push(format!("took {:?}", start.elapsed()));
        }
        if !problems.is_empty() {
            let tail: String = out
                .stderr
                .chars()
                .rev()
                .take(1500)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            failures.push(format!("{}: {}\n{}", c.name, problems.join("; "), tail));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
