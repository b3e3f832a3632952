//! Stage 3, normalize: turns each valid row into a row of the [`Reports`] table: text
//! trimmed and NFC-normalized; the country resolved to ISO 3166-1 alpha-3 with its
//! English name and UN M49 region/sub-region; city, host institutions and Chinese
//! partners mapped to their canonical names through the alias tables ([`rows`]), and the
//! names no table knows matched against the known names of their country ([`unknown`]);
//! `opened_on` and `source_date` parsed as partial dates keeping their precision; list
//! cells split on `;`. Nothing is read from the free-text notes.
//!
//! The alias tables are linted here, where their use is known: conflicts, chains and
//! aliases equal to another canonical reject the data; unused aliases are warnings. All
//! findings are listed in `build/alias-lint.csv`. The reports are written to
//! `build/reports.arrow`.

mod rows;
mod unknown;

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use polars::prelude::DataFrame;
use rayon::prelude::*;

pub use rows::{split_list, Normalizer};

use super::StageReport;
use crate::layout::Layout;
use crate::model::{CountryNames, Dictionaries, IngestedRow, Reports};
use crate::names::aliases::{AliasTable, Lint};
use crate::names::countries::CountryResolver;
use crate::names::matcher::{Decisions, Field, NameMatch};
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::table::csvio;
use crate::table::{artifact, IdLists, Texts};

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

/// The result of the normalize stage.
pub struct Normalized {
    pub report: StageReport,
    /// Lint findings per alias file.
    pub lints: BTreeMap<String, Vec<Lint>>,
    /// Unknown names matched by similarity (accepted, decided, or candidates for review).
    pub matches: Vec<NameMatch>,
    /// Lines of raw/decisions.csv about names that no name needed.
    pub unused_decisions: Vec<u64>,
    /// Chinese partners written in Chinese that no alias or match made a known partner:
    /// the known names are English, so similarity cannot find them ([`in_chinese`]).
    pub unknown_in_chinese: Vec<String>,
    /// The normalized reports, for dedupe.
    pub reports: Reports,
}

/// Rows per round of [`Normalizer::push`] when normalize reads its rows itself.
pub const ROUND: usize = 64 * 1024;

/// Runs normalize on validate's valid rows: `input` within `luban run`, else the rows
/// `build/valid.json` stands for, read a batch at a time.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    input: Option<Vec<IngestedRow>>,
    progress: &Progress,
) -> Result<Normalized> {
    let start = Instant::now();
    let mut normalizer = Normalizer::new(schema, countries, aliases);
    let rows_in = match input {
        Some(rows) => {
            progress.set_total(rows.len() as u64);
            normalizer.push(&rows)?;
            rows.len() as u64
        }
        None => {
            let staged = super::ingest::read_staged(&layout.build_file("valid.json"), "validate")?;
            let mut n = 0;
            super::ingest::for_each_staged_batch(layout, &staged, schema, progress, |rows| {
                n += rows.len() as u64;
                normalizer.push(rows)
            })?;
            n
        }
    };
    finish_stage(normalizer, layout, rows_in, start.elapsed(), progress)
}

/// The end of the stage, once every valid row (`rows_in` of them) went through
/// `normalizer`: names no alias table knows are matched, the alias tables linted, and
/// `build/` written. `spent` is the time the rows took, for the stage's report.
pub fn finish_stage(
    normalizer: Normalizer,
    layout: &Layout,
    rows_in: u64,
    spent: std::time::Duration,
    progress: &Progress,
) -> Result<Normalized> {
    let start = Instant::now();
    let aliases = normalizer.aliases();
    let (unknown, known) = normalizer.unknown_and_known();
    let used = normalizer.used.clone();
    let mut reports = normalizer.reports;
    let mut report = StageReport::new("normalize");
    report.rows_in = rows_in;
    let decisions_path = layout.root.join("raw").join("decisions.csv");
    let decisions = Decisions::load(&decisions_path, &layout.display(&decisions_path))?;
    progress.note("matching unknown names");
    let matches = unknown::resolve(&mut reports, &unknown, &known, &decisions);
    let unknown_in_chinese = in_chinese(&unknown, &matches);
    compact(&mut reports);
    report.rows_out = reports.len() as u64;
    let mut lints = BTreeMap::new();
    for (table, used) in [&aliases.cities, &aliases.institutions, &aliases.partners]
        .into_iter()
        .zip(&used)
    {
        let found = table.lint(Some(used));
        report.data_errors |= found.iter().any(|l| l.error);
        lints.insert(table.file.clone(), found);
    }
    progress.note("writing build/reports.arrow");
    write_reports(&layout.build_file("reports.arrow"), &reports)?;
    write_matches(layout, &matches)?;
    write_lints(layout, &lints)?;
    report.elapsed = spent + start.elapsed();
    report.check_conservation()?;
    // a decision on two hosts the reports name is record linkage's (dedupe). Only the
    // few keys decisions name are kept: gathered into one set, the keys of every host
    // (~2M at 10M generated reports) took ~11% of `luban normalize`'s samples (perf:
    // the set's inserts and their string comparisons).
    let named = decisions.keys(Field::Institution);
    let hosts: std::collections::BTreeSet<String> = (0..reports.dict.hosts.len() as u32)
        .into_par_iter()
        .map(|h| crate::names::key::name_key(reports.dict.hosts.text(h)))
        .filter(|k| named.contains(k.as_str()))
        .collect();
    decisions.mark_present(Field::Institution, |k| hosts.contains(k));
    let unused_decisions = decisions.unused(&[Field::City, Field::Institution, Field::Partner]);
    Ok(Normalized {
        report,
        lints,
        matches,
        unused_decisions,
        unknown_in_chinese,
        reports,
    })
}

/// The unknown Chinese partners written in Chinese script that no match renamed: a
/// contributor's `天津城市职业学院` would otherwise be published beside the same
/// college's English name as a second partner.
fn in_chinese(unknown: &rows::Unknown, matches: &[NameMatch]) -> Vec<String> {
    let renamed: std::collections::BTreeSet<&str> = matches
        .iter()
        .filter(|m| m.field == Field::Partner && m.outcome != "candidate")
        .map(|m| m.name.as_str())
        .collect();
    // a set: the same name may be unknown in several countries
    let out: std::collections::BTreeSet<&String> = unknown
        .iter()
        .filter(|(f, _, name)| {
            *f == Field::Partner && name.chars().any(crate::names::compare::is_han) && !renamed.contains(name.as_str())
        })
        .map(|(_, _, name)| name)
        .collect();
    out.into_iter().cloned().collect()
}

/// Numbers every dictionary's names in the order the reports meet them (see
/// [`artifact::compact`]), dropping names a match renamed away.
fn compact(r: &mut Reports) {
    let d = &mut r.dict;
    artifact::compact(&mut d.cities, &mut [&mut r.city], &mut []);
    artifact::compact(&mut d.hosts, &mut [], &mut [&mut r.host_institutions]);
    artifact::compact(&mut d.partners, &mut [], &mut [&mut r.chinese_partners]);
    artifact::compact(&mut d.statuses, &mut [&mut r.status], &mut []);
    artifact::compact(&mut d.specialties, &mut [], &mut [&mut r.specialties]);
    artifact::compact(&mut d.provinces, &mut [&mut r.organiser_province], &mut []);
    artifact::compact(&mut d.kinds, &mut [&mut r.kind], &mut []);
    artifact::compact(&mut d.host_partners, &mut [], &mut [&mut r.host_partners]);
}

fn write_matches(layout: &Layout, matches: &[NameMatch]) -> Result<()> {
    csvio::write_staged(&layout.build_file("name-matches.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["field", "country", "name", "candidate", "score", "outcome"])?;
        for m in matches {
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
    })
}

fn write_lints(layout: &Layout, lints: &BTreeMap<String, Vec<Lint>>) -> Result<()> {
    csvio::write_staged(&layout.build_file("alias-lint.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["file", "line", "severity", "code", "message"])?;
        for (file, found) in lints {
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
    })
}

/// Writes the reports to `build/reports.arrow`, a batch of rows at a time.
pub fn write_reports(path: &std::path::Path, r: &Reports) -> Result<()> {
    let countries = CountryColumns::of(&r.dict.countries);
    let text = [&r.workshop_name, &r.source_url, &r.source_title, &r.notes].map(Texts::bytes);
    let lists = ListDicts::of(&r.dict)?;
    artifact::write(path, r.len(), text.iter().sum(), |rows| {
        frame(r, &countries, &lists, rows)
    })
}

/// The dictionaries of the list columns of names from a small vocabulary (see
/// [`artifact::dict_lists`]), made once for every batch of a table.
pub struct ListDicts {
    pub partners: artifact::ListDict,
    pub specialties: artifact::ListDict,
    pub host_partners: artifact::ListDict,
}

impl ListDicts {
    pub fn of(d: &Dictionaries) -> Result<ListDicts> {
        Ok(ListDicts {
            partners: artifact::ListDict::of(d.partners.iter())?,
            specialties: artifact::ListDict::of(d.specialties.iter())?,
            host_partners: artifact::ListDict::of(d.host_partners.iter())?,
        })
    }
}

/// The list columns [`ListDicts`] writes, read back from `table`: their ids, their
/// dictionaries put in `dict`.
pub struct NameLists {
    pub partners: IdLists,
    pub specialties: IdLists,
    pub host_partners: IdLists,
}

impl NameLists {
    pub fn read(table: &artifact::Columns, dict: &mut Dictionaries) -> Result<NameLists> {
        let (partners, partner_names) = table.dict_lists("chinese_partners")?;
        let (specialties, specialty_names) = table.dict_lists("specialties")?;
        let (host_partners, host_partner_names) = table.dict_lists("host_partners")?;
        (dict.partners, dict.specialties, dict.host_partners) = (partner_names, specialty_names, host_partner_names);
        Ok(NameLists {
            partners,
            specialties,
            host_partners,
        })
    }
}

/// The dictionaries of the four country columns (code, name, region, subregion), and for
/// each country id the id of its value in each: the same for every batch of a table.
pub struct CountryColumns {
    columns: [(Vec<u32>, crate::table::Names); 4],
}

impl CountryColumns {
    pub fn of(countries: &[CountryNames]) -> CountryColumns {
        let of = |f: fn(&CountryNames) -> &str| artifact::attribute_ids(&countries.iter().map(f).collect::<Vec<_>>());
        CountryColumns {
            columns: [
                of(|c| &c.code),
                of(|c| &c.name),
                of(|c| &c.region),
                of(|c| &c.subregion),
            ],
        }
    }

    /// The four columns of the rows whose countries are `country`.
    pub fn columns(&self, country: &[u32]) -> Result<Vec<polars::prelude::Column>> {
        ["country_code", "country_name", "region", "subregion"]
            .into_iter()
            .zip(&self.columns)
            .map(|(col, (of_country, dict))| {
                let ids: Vec<u32> = country.iter().map(|&c| of_country[c as usize]).collect();
                artifact::names(col, &ids, dict)
            })
            .collect()
    }
}

/// The reports at `rows` as a table (a batch of `build/reports.arrow`).
pub fn frame(
    r: &Reports,
    countries: &CountryColumns,
    lists: &ListDicts,
    rows: std::ops::Range<usize>,
) -> Result<DataFrame> {
    use crate::table::artifact::*;
    let d = &r.dict;
    let n = rows.len();
    let [opened, opened_precision] = dates("opened_on", &r.opened_on[rows.clone()])?;
    let [sdate, sdate_precision] = dates("source_date", &r.source_date[rows.clone()])?;
    let mut cols = vec![
        names("file", &r.file[rows.clone()], &d.files)?,
        lines("line", &r.line[rows.clone()]),
    ];
    cols.extend(countries.columns(&r.country[rows.clone()])?);
    cols.extend([
        texts("workshop_name", &r.workshop_name, rows.clone()),
        names("city", &r.city[rows.clone()], &d.cities)?,
        name_lists("host_institutions", &r.host_institutions, &d.hosts, rows.clone()),
        names_in_lists("chinese_partners", &r.chinese_partners, &lists.partners, rows.clone())?,
        opened,
        opened_precision,
        names("status", &r.status[rows.clone()], &d.statuses)?,
        names_in_lists("specialties", &r.specialties, &lists.specialties, rows.clone())?,
        texts("source_url", &r.source_url, rows.clone()),
        texts("source_title", &r.source_title, rows.clone()),
        sdate,
        sdate_precision,
        texts("notes", &r.notes, rows.clone()),
        names("organiser_province", &r.organiser_province[rows.clone()], &d.provinces)?,
        names("kind", &r.kind[rows.clone()], &d.kinds)?,
        names_in_lists("host_partners", &r.host_partners, &lists.host_partners, rows)?,
    ]);
    Ok(DataFrame::new(n, cols)?)
}

/// The countries of a table's rows, from its four country columns: the ids of
/// `country_code` and a country per id (its first row's names).
pub fn read_countries(table: &artifact::Columns) -> Result<(Vec<u32>, Vec<CountryNames>)> {
    use crate::table::artifact::*;
    let df = &table.frame(&["country_code", "country_name", "region", "subregion"])?;
    let (country, codes) = get_names(df, "country_code")?;
    let (names, regions, subregions) = (
        get_names_as_texts(df, "country_name")?,
        get_names_as_texts(df, "region")?,
        get_names_as_texts(df, "subregion")?,
    );
    let mut first_row = vec![usize::MAX; codes.len()];
    for (row, &c) in country.iter().enumerate().rev() {
        if c != crate::table::NONE {
            first_row[c as usize] = row;
        }
    }
    let countries = codes
        .iter()
        .zip(first_row)
        .map(|(code, row)| {
            // a code no row has (a table luban did not write) gets no names
            let at = |t: &Texts| -> String {
                if row < t.len() {
                    t.get(row).unwrap_or_default().into()
                } else {
                    String::new()
                }
            };
            CountryNames {
                code: code.into(),
                name: at(&names).into(),
                region: at(&regions).into(),
                subregion: at(&subregions).into(),
            }
        })
        .collect();
    Ok((country, countries))
}

/// Reads `build/reports.arrow` back.
pub fn read_reports(layout: &Layout) -> Result<Reports> {
    let path = layout.build_file("reports.arrow");
    let table = artifact::Columns::new(&path, "normalize");
    let mut dict = Dictionaries::default();
    let (file, files) = table.names("file")?;
    dict.files = files;
    let (country, countries) = read_countries(&table)?;
    dict.countries = countries;
    let (city, cities) = table.names("city")?;
    dict.cities = cities;
    let (status, statuses) = table.names("status")?;
    dict.statuses = statuses;
    let (organiser_province, provinces) = table.names("organiser_province")?;
    dict.provinces = provinces;
    let (kind, kinds) = table.names("kind")?;
    dict.kinds = kinds;
    let lists = NameLists::read(&table, &mut dict)?;
    let host_institutions = table.name_lists("host_institutions", &mut dict.hosts)?;
    Ok(Reports {
        line: table.lines("line")?,
        workshop_name: table.texts("workshop_name")?,
        source_url: table.texts("source_url")?,
        source_title: table.texts("source_title")?,
        notes: table.texts("notes")?,
        opened_on: table.dates("opened_on")?,
        source_date: table.dates("source_date")?,
        dict,
        file,
        country,
        city,
        host_institutions,
        chinese_partners: lists.partners,
        status,
        specialties: lists.specialties,
        organiser_province,
        kind,
        host_partners: lists.host_partners,
    })
}

#[cfg(test)]
mod tests {
    use crate::table::artifact::{self, names, Columns};
    use crate::table::Names;

    /// A country code no row has (in a table luban did not write) reads back with no
    /// names, not a panic.
    #[test]
    fn a_country_code_no_row_has_reads_back_with_no_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        let codes: Names = ["KEN", "EGY"].into_iter().collect();
        let col = |name: &str, text: &str| {
            let dict: Names = [text].into_iter().collect();
            names(name, &[0, 0], &dict).unwrap()
        };
        let df = polars::prelude::DataFrame::new(
            2,
            vec![
                names("country_code", &[0, 0], &codes).unwrap(),
                col("country_name", "Kenya"),
                col("region", "Africa"),
                col("subregion", "Eastern Africa"),
            ],
        )
        .unwrap();
        artifact::write(&path, 2, 0, |_| Ok(df.clone())).unwrap();
        let (ids, countries) = super::read_countries(&Columns::new(&path, "normalize")).unwrap();
        assert_eq!(ids, [0, 0]);
        assert_eq!(&*countries[0].name, "Kenya");
        assert_eq!((&*countries[1].code, &*countries[1].name), ("EGY", ""));
    }
}
