//! Stage 3, normalize: turns each valid row into a [`Report`]: text trimmed and
//! NFC-normalized; the country resolved to ISO 3166-1 alpha-3 with its English name and
//! UN M49 region/sub-region; city, host institutions and Chinese partners mapped to their
//! canonical names through the alias tables; `opened_on` and `source_date` parsed as
//! partial dates keeping their precision; list cells split on `;`; the organiser province
//! read from the notes' leading tag.
//!
//! The alias tables are linted here, where their use is known: conflicts, chains and
//! aliases equal to another canonical reject the data; unused aliases are warnings. All
//! findings are listed in `build/alias-lint.csv`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::{bail, Result};

use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{IngestedRow, Report};
use crate::names::aliases::{AliasTable, Lint, Matched};
use crate::names::countries::{CountryResolver, Resolution};
use crate::names::key::{clean_text, name_key};
use crate::names::matcher::{match_unknowns, Decisions, Field, NameMatch};
use crate::partial_date::PartialDate;
use crate::schema::TableSchema;

/// The alias tables a run uses.
pub struct Aliases {
    pub cities: AliasTable,
    pub institutions: AliasTable,
    pub partners: AliasTable,
}

impl Aliases {
    pub fn load(layout: &Layout) -> Result<Aliases> {
        let load = |kind: &str, table: &str| {
            let path = layout.aliases(table);
            AliasTable::load(kind, &path, &layout.display(&path))
        };
        Ok(Aliases {
            cities: load("city", "cities")?,
            institutions: load("institution", "institutions")?,
            partners: load("partner", "partners")?,
        })
    }
}

/// Which alias keys the reports used, per table.
#[derive(Default)]
struct Usage {
    cities: BTreeSet<String>,
    institutions: BTreeSet<String>,
    partners: BTreeSet<String>,
}

/// Names no alias table knows, per (field, country): matched by similarity afterwards.
type Unknown = BTreeSet<(Field, String, String)>;

fn map_name(
    table: &AliasTable,
    used: &mut BTreeSet<String>,
    unknown: &mut Unknown,
    field: Field,
    country: &str,
    raw: &str,
) -> String {
    let clean = clean_text(raw);
    match table.lookup(&clean) {
        Matched::Canonical(c) => c,
        Matched::Alias(c) => {
            used.insert(name_key(&clean));
            c
        }
        Matched::Unknown => {
            unknown.insert((field, country.to_string(), clean.clone()));
            clean
        }
    }
}

fn split_list(cell: Option<&str>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    cell.unwrap_or("")
        .split(';')
        .map(clean_text)
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect()
}

/// Reads the organiser from a notes tag: `[Tianjin]`/`[Tianjin college]` → Tianjin,
/// `[non-Tianjin: Hubei]` → Hubei; anything else (unknown organiser) → none.
pub fn organiser_province(notes: &str) -> Option<String> {
    let tag = notes.trim_start().strip_prefix('[')?.split(']').next()?.trim();
    if tag == "Tianjin" || tag == "Tianjin college" {
        return Some("Tianjin".into());
    }
    let province = tag.strip_prefix("non-Tianjin:")?.trim();
    (!province.is_empty()).then(|| province.to_string())
}

/// Normalizes one valid row.
fn normalize_row(
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    usage: &mut Usage,
    unknown: &mut Unknown,
    row: &IngestedRow,
) -> Result<Report> {
    let get = |name: &str| -> Option<&str> {
        let i = schema.index_of(name)?;
        let c = row.cells.get(i)?.trim();
        (!c.is_empty() && !schema.missing_values.iter().any(|m| m == c)).then_some(c)
    };
    let here = format!("{}:{}", row.at.file, row.at.line);
    let country = match countries.resolve(get("country").unwrap_or("")) {
        Resolution::Found(c) => c,
        _ => bail!("internal error: {here}: country passed validation but does not resolve"),
    };
    let date = |name: &str| -> Result<Option<PartialDate>> {
        get(name)
            .map(|s| PartialDate::parse(s).map_err(|e| anyhow::anyhow!("internal error: {here}: {e}")))
            .transpose()
    };
    let hosts = split_list(get("host_institution"));
    let partners = split_list(get("chinese_partner"));
    let notes = get("notes").map(clean_text);
    Ok(Report {
        at: row.at.clone(),
        workshop_name: get("workshop_name").map(clean_text),
        country_code: country.alpha3.clone(),
        country_name: country.name.clone(),
        region: country.region.clone(),
        subregion: country.subregion.clone(),
        city: get("city").map(|c| {
            map_name(
                &aliases.cities,
                &mut usage.cities,
                unknown,
                Field::City,
                &country.alpha3,
                c,
            )
        }),
        host_institutions: dedup(hosts.iter().map(|h| {
            map_name(
                &aliases.institutions,
                &mut usage.institutions,
                unknown,
                Field::Institution,
                &country.alpha3,
                h,
            )
        })),
        chinese_partners: dedup(partners.iter().map(|p| {
            map_name(
                &aliases.partners,
                &mut usage.partners,
                unknown,
                Field::Partner,
                &country.alpha3,
                p,
            )
        })),
        opened_on: date("opened_on")?,
        status: get("status").map(str::to_string),
        specialties: split_list(get("specialties")),
        source_url: get("source_url").unwrap_or_default().to_string(),
        source_title: get("source_title").map(clean_text),
        source_date: date("source_date")?,
        organiser_province: notes.as_deref().and_then(organiser_province),
        notes,
    })
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.filter(|s| seen.insert(s.clone())).collect()
}

/// Matches the names no alias table knows against the known names of their country, and
/// rewrites the reports where a match is accepted or decided (see `names::matcher`).
fn resolve_unknown_names(reports: &mut [Report], unknown: &Unknown, decisions: &Decisions) -> Vec<NameMatch> {
    let block = |field: Field, country: &str| {
        if field == Field::Partner {
            String::new()
        } else {
            country.to_string()
        }
    };
    let mut known: BTreeMap<(Field, String), BTreeSet<String>> = BTreeMap::new();
    for r in reports.iter() {
        let mut add = |field: Field, name: &String| {
            if !unknown.contains(&(field, r.country_code.clone(), name.clone())) {
                known
                    .entry((field, block(field, &r.country_code)))
                    .or_default()
                    .insert(name.clone());
            }
        };
        r.city.iter().for_each(|c| add(Field::City, c));
        r.host_institutions.iter().for_each(|h| add(Field::Institution, h));
        r.chinese_partners.iter().for_each(|p| add(Field::Partner, p));
    }
    let matches = match_unknowns(unknown, &known, decisions);
    let rename: BTreeMap<(Field, &str, &str), &str> = matches
        .iter()
        .filter(|m| m.outcome != "candidate")
        .map(|m| ((m.field, m.country.as_str(), m.name.as_str()), m.candidate.as_str()))
        .collect();
    if rename.is_empty() {
        return matches;
    }
    for r in reports.iter_mut() {
        let country = r.country_code.clone();
        let to = |field: Field, name: &String| {
            rename
                .get(&(field, country.as_str(), name.as_str()))
                .map_or_else(|| name.clone(), |c| c.to_string())
        };
        r.city = r.city.as_ref().map(|c| to(Field::City, c));
        r.host_institutions = dedup(r.host_institutions.iter().map(|h| to(Field::Institution, h)));
        r.chinese_partners = dedup(r.chinese_partners.iter().map(|p| to(Field::Partner, p)));
    }
    matches
}

/// The result of the normalize stage.
pub struct Normalized {
    pub report: StageReport,
    /// Lint findings per alias file.
    pub lints: BTreeMap<String, Vec<Lint>>,
    /// Unknown names matched by similarity (accepted, decided, or candidates for review).
    pub matches: Vec<NameMatch>,
    /// Lines of raw/decisions.csv about names that no name needed.
    pub unused_decisions: Vec<u64>,
}

/// Runs normalize on `build/valid.jsonl`.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
) -> Result<Normalized> {
    let start = Instant::now();
    let rows: Vec<IngestedRow> = csvio::read_jsonl(&layout.build_file("valid.jsonl"), "validate")?;
    let mut report = StageReport::new("normalize");
    report.rows_in = rows.len() as u64;
    let mut usage = Usage::default();
    let mut unknown = Unknown::new();
    let mut reports = rows
        .iter()
        .map(|r| normalize_row(schema, countries, aliases, &mut usage, &mut unknown, r))
        .collect::<Result<Vec<_>>>()?;
    let decisions_path = layout.root.join("raw").join("decisions.csv");
    let decisions = Decisions::load(&decisions_path, &layout.display(&decisions_path))?;
    let matches = resolve_unknown_names(&mut reports, &unknown, &decisions);
    report.rows_out = reports.len() as u64;
    let mut lints = BTreeMap::new();
    for (table, used) in [
        (&aliases.cities, &usage.cities),
        (&aliases.institutions, &usage.institutions),
        (&aliases.partners, &usage.partners),
    ] {
        let found = table.lint(Some(used));
        report.data_errors |= found.iter().any(|l| l.error);
        lints.insert(table.file.clone(), found);
    }
    csvio::write_jsonl(&layout.build_file("normalized.jsonl"), &reports)?;
    csvio::write_atomic(&layout.build_file("name-matches.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["field", "country", "name", "candidate", "score", "outcome"])?;
        for m in &matches {
            wtr.write_record([
                m.field.as_str(),
                &m.country,
                &m.name,
                &m.candidate,
                &format!("{:.3}", m.score),
                m.outcome,
            ])?;
        }
        wtr.flush()?;
        Ok(())
    })?;
    csvio::write_atomic(&layout.build_file("alias-lint.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["file", "line", "severity", "code", "message"])?;
        for (file, found) in &lints {
            for l in found {
                wtr.write_record([
                    file.as_str(),
                    &l.line.to_string(),
                    if l.error { "error" } else { "warning" },
                    l.code,
                    &l.message,
                ])?;
            }
        }
        wtr.flush()?;
        Ok(())
    })?;
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    let unused_decisions = decisions.unused(&[Field::City, Field::Institution, Field::Partner]);
    Ok(Normalized {
        report,
        lints,
        matches,
        unused_decisions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organiser_tags_table() {
        for (notes, want) in [
            ("[Tianjin] First overseas", Some("Tianjin")),
            ("[Tianjin college] MoU only", Some("Tianjin")),
            ("[non-Tianjin: Hubei] Unveiling", Some("Hubei")),
            ("[non-Tianjin, partner unknown] Xinhua", None),
            ("[unknown organiser] Single source", None),
            ("no tag", None),
        ] {
            assert_eq!(organiser_province(notes).as_deref(), want, "{notes}");
        }
    }

    #[test]
    fn list_cells_split_trim_and_drop_repeats() {
        assert_eq!(split_list(Some(" a ; b;;a ;  c ")), vec!["a", "b", "c"]);
        assert!(split_list(None).is_empty());
    }
}
