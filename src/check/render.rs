//! How a [`CheckReport`] is shown: the Markdown summary (the GitHub step summary, or
//! `--summary FILE`), and the lines printed beside the diagnostics. The summary lists
//! every error and warning with its file, line and column: GitHub shows at most ten
//! annotations of a kind per step, and a bad PR's other errors were only in the raw log.

use std::fmt::Write as _;

use super::{CheckReport, DataDiff, OutputState};
use crate::report::error_report::ErrorRecord;

/// What to tell a contributor about `output/`, as an error (`error[code]: …`) when the
/// state fails the check.
pub fn output_message(r: &CheckReport) -> String {
    let text = output_text(r);
    match (r.output.state.code(), r.output.state.is_error()) {
        (Some(code), _) => format!("error[{code}]: {text}"),
        (None, true) => format!("error: {text}"),
        (None, false) => text,
    }
}

/// [`output_message`] without its `error[code]: ` prefix (a GitHub annotation carries the
/// code as its title).
pub fn output_text(r: &CheckReport) -> String {
    let files = r.output.files.join(", ");
    match r.output.state {
        OutputState::UpToDate => "output/ is up to date".into(),
        OutputState::RebuiltOnMerge => format!(
            "output/ will be rebuilt from raw/ when this change merges ({files}); nothing to do: contributors edit raw/ only"
        ),
        OutputState::Stale => format!(
            "output/ is not what `luban run` produces from raw/ ({files}): run `cargo run --release -- run` and commit output/ (a pull request that edits raw/ only: run `check --base main` instead; output/ is rebuilt when it merges)"
        ),
        OutputState::Edited => {
            let base = r.diff.as_ref().map_or("<base>", |d| d.base.as_str());
            format!(
                "this change edits output/ ({files}), which is generated from raw/, and `luban run` does not make it so: undo those edits with `git restore --source={base} --staged --worktree output/` (and `git clean -fd output/` for files never committed), then commit; output/ is rebuilt on merge"
            )
        }
        OutputState::CannotBeRebuilt => {
            "`luban run` rejects raw/, so output/ cannot be rebuilt (see the errors above)".into()
        }
    }
}

/// The columns a changed workshop's values are not shown for: its sources, which the
/// reports above list, and the conflicts text the sources make.
const LISTED_ELSEWHERE: [&str; 3] = ["source_urls", "source_count", "conflicts"];

/// What changed in one column: a list (`;`-joined) by the items added and removed, any
/// other value as before → after.
/// The changed columns of `w` whose values are shown (not those [`LISTED_ELSEWHERE`]).
pub fn shown_values(w: &super::WorkshopChange) -> impl Iterator<Item = &super::FieldChange> {
    w.values
        .iter()
        .filter(|v| !LISTED_ELSEWHERE.contains(&v.field.as_str()))
}

pub fn change_text(v: &super::FieldChange) -> String {
    if !(v.before.contains(';') || v.after.contains(';')) {
        return format!("{} → {}", shown(&v.before), shown(&v.after));
    }
    let items = |s: &str| {
        s.split(';')
            .filter(|i| !i.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (before, after) = (items(&v.before), items(&v.after));
    let added: Vec<String> = after.iter().filter(|i| !before.contains(i)).map(|i| shown(i)).collect();
    let removed: Vec<String> = before.iter().filter(|i| !after.contains(i)).map(|i| shown(i)).collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    if parts.is_empty() {
        parts.push("the same items in another order".into());
    }
    parts.join("; ")
}

/// A value in a Markdown list: quoted, "(empty)" when empty, cut past 120 characters.
fn shown(v: &str) -> String {
    if v.is_empty() {
        return "(empty)".into();
    }
    let cut: String = v.chars().take(120).collect();
    let more = if cut.len() < v.len() { "…" } else { "" };
    format!("`{}`{more}", cell(&cut).replace('`', "'"))
}

/// One Markdown table cell: no line breaks, no column separators.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The step summary. `location` gives an error's line and column (found from its
/// file's text).
pub fn markdown(r: &CheckReport, location: &dyn Fn(&ErrorRecord) -> (usize, usize)) -> String {
    let mut md = String::from("## luban check\n\n");
    let verdict = if r.valid { "**passes**" } else { "**fails**" };
    let _ = writeln!(
        md,
        "- Verdict: {verdict}\n- Errors: {}; warnings (on lines this change did not touch): {}; in {} tables and {} rows",
        r.errors.len(),
        r.warnings.len(),
        r.stats.files,
        r.stats.rows
    );
    let _ = writeln!(md, "- output/: {}", cell(&output_message(r)));
    for d in &r.country_drops {
        let _ = writeln!(
            md,
            "- {} drops from {} to {} workshops against the committed output/countries.csv",
            d.country_code, d.before, d.after
        );
    }
    for (title, list) in [
        ("Errors", &r.errors),
        ("Warnings (lines this change did not touch)", &r.warnings),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(md, "\n### {title}\n\n| code | where | message |\n|---|---|---|");
        for e in list.iter() {
            let (line, col) = location(e);
            let _ = writeln!(
                md,
                "| {} | {}:{}:{} | {} |",
                e.code,
                cell(&e.file),
                line,
                col,
                cell(&crate::report::error_report::with_help(e).replace('\n', " — "))
            );
        }
    }
    if !r.placing.is_empty() {
        // what the rerun noted: merges by record linkage (with the alias line to add),
        // Chinese partners no alias names
        md.push_str("\n### Placing the reports\n\n");
        for line in &r.placing {
            let _ = writeln!(md, "- {}", line.replace('|', "\\|"));
        }
    }
    if let Some(d) = &r.diff {
        diff_markdown(&mut md, d);
    }
    md
}

fn diff_markdown(md: &mut String, d: &DataDiff) {
    let _ = writeln!(md, "\n### Changes against `{}`\n", d.base);
    let count = |k: &str| d.reports.iter().filter(|c| c.change == k).count();
    let _ = writeln!(
        md,
        "**Reports:** {} added, {} changed, **{} removed**\n",
        count("added"),
        count("changed"),
        count("removed")
    );
    if !d.reports.is_empty() {
        md.push_str("| change | file:line | source | detail |\n|---|---|---|---|\n");
        for c in &d.reports {
            let detail = match c.change {
                "removed" => format!("**removed** (was line {})", c.line),
                "changed" => c
                    .cells
                    .iter()
                    .map(|x| format!("{}: `{}` → `{}`", x.column, x.before, x.after))
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => c.workshop_name.clone(),
            };
            let _ = writeln!(
                md,
                "| {} | {}:{} | {} | {} |",
                c.change,
                c.file,
                c.line,
                cell(&c.source_url),
                cell(&detail)
            );
        }
        md.push('\n');
    }
    let Some(ws) = &d.workshops else {
        md.push_str("**Workshops:** not compared: `luban run` rejects raw/\n");
        return;
    };
    let count = |k: &str| ws.iter().filter(|c| c.change == k).count();
    let _ = writeln!(
        md,
        "**Workshops:** {} new, {} changed, {}**{} removed**\n",
        count("added"),
        count("changed"),
        match count("merged") {
            0 => String::new(),
            n => format!("{n} merged into another, "),
        },
        count("removed")
    );
    for w in ws {
        if let Some(into) = &w.merged_into {
            let _ = writeln!(
                md,
                "- merged `{}` {} into `{into}` (which keeps its id; every source of the first is now the second's)",
                w.workshop_id,
                cell(&w.workshop_name)
            );
            continue;
        }
        let what = if w.change == "added" { "new" } else { w.change };
        let fields = if w.fields.is_empty() {
            String::new()
        } else {
            format!(" ({})", w.fields.join(", "))
        };
        let _ = writeln!(md, "- {what} `{}` {}{fields}", w.workshop_id, cell(&w.workshop_name));
        for v in shown_values(w) {
            let _ = writeln!(md, "  - `{}`: {}", v.field, change_text(v));
        }
    }
    md.push_str("\n**Per-country workshops:**");
    match d.countries.as_deref() {
        None | Some([]) => md.push_str(" no change\n"),
        Some(deltas) => {
            md.push_str("\n\n| country | before | after | change |\n|---|---:|---:|---:|\n");
            for c in deltas {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:+} |",
                    c.country_code,
                    c.before,
                    c.after,
                    c.after - c.before
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::FieldChange;

    #[test]
    fn a_change_reads_as_before_and_after_or_as_the_items_added_and_removed() {
        let v = |before: &str, after: &str| FieldChange {
            field: "f".into(),
            before: before.into(),
            after: after.into(),
        };
        let cases = [
            (v("2017-05-01", "2021-11-01"), "`2017-05-01` → `2021-11-01`"),
            (v("", "operating"), "(empty) → `operating`"),
            (v("a;b", "a;c;d"), "added `c`, `d`; removed `b`"),
            (v("a;b", "b;a"), "the same items in another order"),
            (v("a|b", "x"), "`a\\|b` → `x`"),
        ];
        for (c, want) in cases {
            assert_eq!(change_text(&c), want, "{c:?}");
        }
        let long = "x".repeat(130);
        assert_eq!(shown(&long), format!("`{}`…", "x".repeat(120)));
    }
}
