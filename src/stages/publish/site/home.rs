//! The home page: the map, the openings chart, the claims against the dataset, the
//! table of all workshops, the downloads and how to cite.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::html::{esc, page, source_link};
use super::map::Marker;
use super::Row;
use crate::model::Tables;
use crate::names::places::Precision;

/// The statuses in the order the legend and the filter list them.
pub const STATUSES: [&str; 5] = ["operating", "announced", "planned", "suspended", "closed"];

/// Workshops per country, by ISO numeric code (the atlas' ids), with the country's name.
pub fn counts(rows: &[Row], numeric: &BTreeMap<String, String>) -> BTreeMap<String, (String, usize)> {
    let mut out: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for r in rows {
        if let Some(n) = numeric.get(r.country_code) {
            out.entry(n.clone())
                .or_insert_with(|| (r.country_name.to_string(), 0))
                .1 += 1;
        }
    }
    out
}

/// One marker per located workshop.
pub fn markers<'a>(rows: &'a [Row]) -> Vec<Marker<'a>> {
    rows.iter()
        .filter_map(|r| {
            let l = r.loc?;
            Some(Marker {
                id: r.id,
                name: r.name,
                status: r.status,
                href: r.href(""),
                lon: l.longitude,
                lat: l.latitude,
                precise: l.precision == Precision::City,
            })
        })
        .collect()
}

/// The table of workshops (the home page's, and a country page's with `up` = "../").
pub fn workshop_table(s: &mut String, rows: &[&Row], up: &str, caption: &str) {
    let _ = write!(
        s,
        "<table id=\"workshop-table\" class=\"workshops\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Workshop</th><th scope=\"col\">Country</th><th scope=\"col\">City</th><th scope=\"col\">Status</th><th scope=\"col\">Opened</th><th scope=\"col\" data-type=\"number\">Sources</th></tr></thead>\n<tbody>\n",
        esc(caption)
    );
    for r in rows {
        let _ = writeln!(
            s,
            "<tr data-workshop-id=\"{id}\" data-country=\"{cc}\" data-status=\"{st}\"><th scope=\"row\"><a href=\"{href}\">{name}</a></th><td><a href=\"{up}countries/{cc}.html\">{cn}</a></td><td>{city}</td><td><span class=\"status status-{st}\">{st}</span></td><td>{opened}</td><td>{n}</td></tr>",
            id = esc(r.id),
            cc = esc(r.country_code),
            st = esc(r.status),
            href = esc(&r.href(up)),
            name = esc(r.name),
            cn = esc(r.country_name),
            city = esc(r.city.unwrap_or("")),
            opened = esc(&r.opened),
            n = r.sources.len()
        );
    }
    s.push_str("</tbody>\n</table>\n");
}

fn legend(s: &mut String, rows: &[Row]) {
    let located = rows.iter().filter(|r| r.loc.is_some()).count();
    let at_city = rows
        .iter()
        .filter(|r| r.loc.is_some_and(|l| l.precision == Precision::City))
        .count();
    s.push_str("<figcaption><p>Marker colour: ");
    for (k, st) in STATUSES.iter().enumerate() {
        let _ = write!(
            s,
            "{}<span class=\"key status-{st}\" aria-hidden=\"true\"></span> {st}",
            if k > 0 { ", " } else { "" }
        );
    }
    let _ = write!(
        s,
        ". Countries shaded by number of workshops: <span class=\"key c1\" aria-hidden=\"true\"></span> 1, <span class=\"key c2\" aria-hidden=\"true\"></span> 2–3, <span class=\"key c3\" aria-hidden=\"true\"></span> 4 or more.</p><p>{located} of {} workshops are on the map: {at_city} at their city (GeoNames), {} at their country's centre (hollow markers: the city is unknown or not in the gazetteer). Select a marker to open its workshop.</p></figcaption>",
        rows.len(),
        located - at_city
    );
}

fn claims(s: &mut String, data: &Tables) {
    s.push_str("<section id=\"claims\" aria-labelledby=\"claims-h\">\n<h2 id=\"claims-h\">What officials say, and what this dataset counts</h2>\n<p>Every published overall count, next to what this dataset counts for the same scope as of the same date. Empty where the dataset cannot tell (undated claims, scopes it has no membership data for).</p>\n<table class=\"claims\">\n<caption>Published claims against this dataset</caption>\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Scope</th><th scope=\"col\">Claimed workshops</th><th scope=\"col\">This dataset</th><th scope=\"col\">Difference</th><th scope=\"col\">Source</th></tr></thead>\n<tbody>\n");
    for c in &data.claims {
        let opt = |v: Option<u32>| v.map_or(String::new(), |n| n.to_string());
        let _ = writeln!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.claim.date_text),
            esc(&c.claim.scope_text),
            opt(c.claim.claimed_workshops),
            opt(c.our_workshops),
            c.workshops_difference.map_or(String::new(), |d| format!("{d:+}")),
            source_link(&c.claim.source_url)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn filters(s: &mut String, data: &Tables) {
    s.push_str("<div id=\"filters\" class=\"filters\" hidden>\n<label>Search <input id=\"filter-text\" type=\"search\" autocomplete=\"off\"></label>\n<label>Country <select id=\"filter-country\"><option value=\"\">All countries</option>");
    for c in &data.countries {
        let _ = write!(
            s,
            "<option value=\"{}\">{}</option>",
            esc(&c.country_code),
            esc(&c.country_name)
        );
    }
    s.push_str("</select></label>\n<label>Status <select id=\"filter-status\"><option value=\"\">Any status</option>");
    for st in STATUSES {
        let _ = write!(s, "<option value=\"{st}\">{st}</option>");
    }
    s.push_str("</select></label>\n<p id=\"filter-count\" role=\"status\"></p>\n</div>\n");
}

fn downloads(s: &mut String, meta: &serde_json::Value) {
    let version = meta["version"].as_str().unwrap_or_default();
    let title = meta["title"].as_str().unwrap_or_default();
    let _ = write!(
        s,
        "<section id=\"download\" aria-labelledby=\"download-h\">\n<h2 id=\"download-h\">Download</h2>\n<p>Version {v}. Every table as CSV (UTF-8, lists joined with <code>;</code>) and typed Parquet, described by a Frictionless Data Package.</p>\n<ul>\n",
        v = esc(version)
    );
    for (file, what) in [
        (
            "workshops",
            "one row per workshop, with its sources, conflicts and location",
        ),
        (
            "sources",
            "one row per source of a workshop: its title, date and the fields it gave",
        ),
        ("conflicts", "one row per value the sources of a workshop disagree on"),
        ("countries", "one row per host country"),
        ("openings_by_year", "openings per year and country"),
        ("openings_worldwide", "openings per year, and their running total"),
        ("claims_check", "published claims against this dataset"),
    ] {
        let _ = writeln!(
            s,
            "<li>{file}: <a href=\"data/{file}.csv\">CSV</a>, <a href=\"data/{file}.parquet\">Parquet</a> — {what}</li>"
        );
    }
    let _ = write!(
        s,
        "<li><a href=\"data/datapackage.json\">datapackage.json</a> — the Data Package: schemas, sizes, hashes</li>\n<li><a href=\"data/workshops.geojson\">workshops.geojson</a> — the located workshops as GeoJSON points</li>\n</ul>\n<h3>How to cite</h3>\n<p>The luban project contributors. <cite>{t}</cite>, version {v}. Licence: ODbL-1.0. The repository's <code>CITATION.cff</code> has the citation in a form reference managers read. For a single fact, cite its source: every workshop's page lists them.</p>\n</section>\n",
        t = esc(title),
        v = esc(version)
    );
}

/// The home page.
pub fn render(rows: &[Row], data: &Tables, meta: &serde_json::Value, map_svg: &str) -> String {
    let title = meta["title"].as_str().unwrap_or("Luban Workshops");
    let mut s = String::new();
    let sources: std::collections::BTreeSet<&str> = rows.iter().flat_map(|r| r.sources.iter().map(|s| s.url)).collect();
    let _ = write!(
        s,
        "<h1>{}</h1>\n<p class=\"lead\">{} workshops in {} host countries, merged from {} distinct sources. Every fact is one click from its source.</p>\n<section id=\"map\" aria-labelledby=\"map-h\">\n<h2 id=\"map-h\">Where they are</h2>\n<figure>\n{map_svg}\n",
        esc(title),
        rows.len(),
        data.countries.len(),
        sources.len()
    );
    legend(&mut s, rows);
    s.push_str("</figure>\n<h3>Countries</h3>\n<ul class=\"countries\">\n");
    for c in &data.countries {
        let _ = writeln!(
            s,
            "<li><a href=\"countries/{}.html\">{}</a> ({})</li>",
            esc(&c.country_code),
            esc(&c.country_name),
            c.workshops
        );
    }
    s.push_str("</ul>\n</section>\n<section id=\"openings\" aria-labelledby=\"openings-h\">\n<h2 id=\"openings-h\">Openings per year</h2>\n<figure><img src=\"openings.svg\" width=\"800\" height=\"420\" alt=\"Stacked bar chart of Luban Workshops opened per year, by region; the numbers are in the openings_by_year table.\"></figure>\n</section>\n");
    claims(&mut s, data);
    s.push_str(
        "<section id=\"workshops\" aria-labelledby=\"workshops-h\">\n<h2 id=\"workshops-h\">All workshops</h2>\n",
    );
    filters(&mut s, data);
    let all: Vec<&Row> = rows.iter().collect();
    workshop_table(&mut s, &all, "", "Every workshop of the dataset, by id");
    s.push_str("</section>\n");
    downloads(&mut s, meta);
    page(title, "", &s, true)
}
