//! `output/site/`: the dataset's own website, written by publish from the tables it
//! publishes. A home page (the world map, the openings chart, the claims against the
//! dataset, every workshop in one filterable and sortable table, downloads and how to
//! cite), one page per country and one per workshop (every source, every disagreement
//! between sources with the sources on each side, partners, specialties, status).
//!
//! Static and self-contained: plain HTML that reads without JavaScript, one small
//! script of our own (`site.js`: filtering and sorting) and one stylesheet; the map is
//! SVG drawn here ([`map`]); no font, script or image from any other host. The same
//! tables give the same bytes. Map markers (`.marker`) and table rows carry
//! `data-workshop-id`, so tests and scripts find them.

mod home;
pub mod html;
pub mod map;
mod pages;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Deserialize;

use crate::layout::Layout;
use crate::model::{Tables, Workshops, FIELDS};
use crate::names::places::{Location, Precision};
use crate::partial_date::PartialDate;
use crate::table::csvio::read_table;

const CSS: &str = include_str!("site.css");
const JS: &str = include_str!("site.js");

/// One workshop as the pages show it.
pub struct Row<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub country_code: &'a str,
    pub country_name: &'a str,
    pub city: Option<&'a str>,
    pub host: &'a str,
    pub partners: Vec<&'a str>,
    pub host_partners: Vec<&'a str>,
    /// workshop or sub-centre
    pub kind: &'a str,
    pub province: Option<&'a str>,
    pub opened: String,
    pub opened_precision: &'a str,
    pub status: &'a str,
    pub specialties: Vec<&'a str>,
    pub sources: Vec<Source<'a>>,
    pub conflicts: Vec<Conflict<'a>>,
    pub former_ids: Vec<&'a str>,
    pub loc: Option<Location>,
}

/// One source of a workshop (a row of the `sources` table).
pub struct Source<'a> {
    pub url: &'a str,
    pub title: Option<&'a str>,
    pub date: Option<PartialDate>,
    /// the fields it gave
    pub fields: Vec<&'static str>,
}

/// One value of a field the sources disagree on (a row of the `conflicts` table).
pub struct Conflict<'a> {
    pub field: &'static str,
    pub value: &'a str,
    pub urls: Vec<&'a str>,
}

impl Row<'_> {
    pub fn href(&self, up: &str) -> String {
        format!("{up}workshops/{}.html", self.id)
    }
}

fn rows<'a>(w: &'a Workshops, locs: &[Option<Location>]) -> Vec<Row<'a>> {
    let d = &w.dict;
    (0..w.len())
        .map(|i| {
            let c = w.country_of(i);
            Row {
                id: w.workshop_id.get(i).unwrap_or_default(),
                name: w.workshop_name.get(i).unwrap_or_default(),
                country_code: &c.code,
                country_name: &c.name,
                city: Workshops::name(&d.cities, w.city[i]),
                host: w.host_institution.get(i).unwrap_or_default(),
                partners: w.chinese_partners.get(i).iter().map(|&p| d.partners.text(p)).collect(),
                host_partners: w
                    .host_partners
                    .get(i)
                    .iter()
                    .map(|&p| d.host_partners.text(p))
                    .collect(),
                kind: Workshops::name(&d.kinds, w.kind[i]).unwrap_or_default(),
                province: Workshops::name(&d.provinces, w.organiser_province[i]),
                opened: w.opened_on[i].map_or(String::new(), |d| d.to_string()),
                opened_precision: w.opened_on[i].map_or("", |d| d.precision().as_str()),
                status: Workshops::name(&d.statuses, w.status[i]).unwrap_or_default(),
                specialties: w.specialties.get(i).iter().map(|&s| d.specialties.text(s)).collect(),
                sources: sources(w, i),
                conflicts: w
                    .conflicts
                    .of(i)
                    .map(|k| Conflict {
                        field: FIELDS[w.conflicts.field[k] as usize],
                        value: w.conflicts.value.str(k),
                        urls: w.conflicts.urls(k, &w.source_urls.texts).collect(),
                    })
                    .collect(),
                former_ids: w.former_ids.get(i).collect(),
                loc: locs[i],
            }
        })
        .collect()
}

/// The sources of workshop `i`: its items of `source_urls`, with what `sources` says of each.
fn sources(w: &Workshops, i: usize) -> Vec<Source<'_>> {
    let s = &w.sources;
    let range = w.source_urls.starts[i] as usize..w.source_urls.starts[i + 1] as usize;
    range
        .map(|k| Source {
            url: w.source_urls.texts.str(k),
            title: s.title.get(k),
            date: s.date[k],
            fields: s.fields[k].names().collect(),
        })
        .collect()
}

#[derive(Deserialize)]
struct CountryCodes {
    alpha3: String,
    numeric: String,
}

/// The ISO numeric code of every alpha-3 code (the atlas names countries by number).
fn numeric_codes(layout: &Layout) -> Result<BTreeMap<String, String>> {
    let rows: Vec<(u64, CountryCodes)> = read_table(&layout.reference("countries"))?;
    Ok(rows.into_iter().map(|(_, c)| (c.alpha3, c.numeric)).collect())
}

/// Every file of the site, by path under `site/`, in path order.
pub fn render(
    layout: &Layout,
    data: &Tables,
    locs: &[Option<Location>],
    meta: &serde_json::Value,
    chart: &str,
) -> Result<BTreeMap<String, String>> {
    let rows = rows(&data.workshops, locs);
    let mut files = BTreeMap::new();
    let numeric = numeric_codes(layout)?;
    let shapes = map::shapes()?;
    files.insert(
        "index.html".to_string(),
        home::render(
            &rows,
            data,
            meta,
            &map::svg(&shapes, &home::counts(&rows, &numeric), &home::markers(&rows)),
        ),
    );
    for c in &data.countries {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.country_code == c.country_code).collect();
        files.insert(format!("countries/{}.html", c.country_code), pages::country(c, &mine));
    }
    for r in &rows {
        files.insert(r.href("").to_string(), pages::workshop(r));
    }
    files.insert("openings.svg".into(), chart.to_string());
    files.insert("assets/site.css".into(), CSS.into());
    files.insert("assets/site.js".into(), JS.into());
    Ok(files)
}

/// Writes the site into `dir` (publish's fresh output folder), every file synced.
pub fn write(
    layout: &Layout,
    dir: &Path,
    data: &Tables,
    locs: &[Option<Location>],
    meta: &serde_json::Value,
    chart: &str,
) -> Result<()> {
    let files = render(layout, data, locs, meta, chart)?;
    let site = dir.join("site");
    for sub in ["", "assets", "countries", "workshops"] {
        std::fs::create_dir_all(site.join(sub)).with_context(|| format!("failed to create `site/{sub}`"))?;
    }
    files.par_iter().try_for_each(|(path, text)| -> Result<()> {
        let p = site.join(path);
        std::fs::write(&p, text).with_context(|| format!("failed to write `site/{path}`"))?;
        std::fs::File::open(&p)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("failed to sync `site/{path}`"))
    })
}

/// How a workshop's place reads on its page.
pub fn place_text(loc: Option<Location>) -> String {
    match loc {
        Some(l) if l.precision == Precision::City => {
            format!("{}, {} (its city, from GeoNames)", l.latitude, l.longitude)
        }
        Some(l) => format!(
            "{}, {} (the country's centre: the city is unknown or not in the gazetteer)",
            l.latitude, l.longitude
        ),
        None => "not on the map".into(),
    }
}
