//! One page per country and one per workshop. A workshop's page lists every source it
//! was merged from and every disagreement between sources, each with its sources
//! linked, so that any fact on it can be checked where it came from.

use std::fmt::Write as _;

use super::home::workshop_table;
use super::html::{esc, page, source_link};
use super::{place_text, Row};
use crate::model::CountrySummary;

/// A `<ul>` of texts, or "none".
fn list(items: &[&str]) -> String {
    if items.is_empty() {
        return "none known".into();
    }
    let mut s = String::from("<ul>");
    for i in items {
        let _ = write!(s, "<li>{}</li>", esc(i));
    }
    s.push_str("</ul>");
    s
}

/// The page of one country.
pub fn country(c: &CountrySummary, rows: &[&Row]) -> String {
    let mut s = String::new();
    let first = c.first_opened_on.map_or("unknown".to_string(), |d| d.to_string());
    let latest = c.latest_opened_on.map_or("unknown".to_string(), |d| d.to_string());
    let _ = write!(
        s,
        "<p class=\"crumbs\"><a href=\"../index.html\">All countries</a></p>\n<h1>Luban Workshops in {name}</h1>\n<p class=\"lead\">{n} workshop{plural} ({region}, {sub}).</p>\n<dl class=\"facts\">\n<dt>Operating</dt><dd>{op}</dd>\n<dt>Announced</dt><dd>{an}</dd>\n<dt>Planned</dt><dd>{pl}</dd>\n<dt>Suspended</dt><dd>{su}</dd>\n<dt>Closed</dt><dd>{cl}</dd>\n<dt>First opened</dt><dd>{first}</dd>\n<dt>Latest opened</dt><dd>{latest}</dd>\n<dt>Host institutions</dt><dd>{hosts}</dd>\n<dt>Distinct sources</dt><dd>{sources}</dd>\n<dt>Chinese partners</dt><dd>{partners}</dd>\n<dt>Specialties</dt><dd>{spec}</dd>\n</dl>\n<h2>Workshops</h2>\n",
        name = esc(&c.country_name),
        n = c.workshops,
        plural = if c.workshops == 1 { "" } else { "s" },
        region = esc(&c.region),
        sub = esc(&c.subregion),
        op = c.operating,
        an = c.announced,
        pl = c.planned,
        su = c.suspended,
        cl = c.closed,
        hosts = c.host_institutions,
        sources = c.sources,
        partners = list(&c.chinese_partners.iter().map(String::as_str).collect::<Vec<_>>()),
        spec = list(&c.specialties.iter().map(String::as_str).collect::<Vec<_>>()),
    );
    workshop_table(&mut s, rows, "../", &format!("The workshops in {}", c.country_name));
    page(&format!("Luban Workshops in {}", c.country_name), "../", &s, false)
}

/// The page of one workshop.
pub fn workshop(r: &Row) -> String {
    let mut s = String::new();
    let opened = if r.opened.is_empty() {
        "unknown".to_string()
    } else {
        format!("{} (known to the {})", esc(&r.opened), esc(r.opened_precision))
    };
    let _ = write!(
        s,
        "<p class=\"crumbs\"><a href=\"../index.html\">All workshops</a> › <a href=\"../countries/{cc}.html\">{cn}</a></p>\n<h1>{name}</h1>\n<dl class=\"facts\">\n<dt>Workshop id</dt><dd><code>{id}</code></dd>\n<dt>Kind</dt><dd>{kind}</dd>\n<dt>Status</dt><dd><span class=\"status status-{st}\">{st}</span> (from the most recent source; other statuses are under “Where the sources disagree”)</dd>\n<dt>Country</dt><dd><a href=\"../countries/{cc}.html\">{cn}</a></dd>\n<dt>City</dt><dd>{city}</dd>\n<dt>Location</dt><dd>{place}</dd>\n<dt>Host institution</dt><dd>{host}</dd>\n<dt>Chinese partners</dt><dd>{partners}</dd>\n<dt>Host-side partners</dt><dd>{host_partners}</dd>\n<dt>Organiser province</dt><dd>{prov}</dd>\n<dt>Opened</dt><dd>{opened}</dd>\n<dt>Specialties</dt><dd>{spec}</dd>\n",
        cc = esc(r.country_code),
        cn = esc(r.country_name),
        name = esc(r.name),
        id = esc(r.id),
        st = esc(r.status),
        city = esc(r.city.unwrap_or("unknown")),
        place = esc(&place_text(r.loc)),
        host = esc(r.host),
        partners = list(&r.partners),
        host_partners = list(&r.host_partners),
        kind = esc(r.kind),
        prov = esc(r.province.unwrap_or("unknown")),
        spec = list(&r.specialties),
    );
    if !r.former_ids.is_empty() {
        let _ = writeln!(s, "<dt>Former ids</dt><dd>{}</dd>", list(&r.former_ids));
    }
    s.push_str("</dl>\n");
    sources(&mut s, r);
    conflicts(&mut s, r);
    page(r.name, "../", &s, false)
}

/// The sources section: each source's link, title, date and the fields it gave.
fn sources(s: &mut String, r: &Row) {
    let _ = write!(
        s,
        "<section aria-labelledby=\"sources-h\">\n<h2 id=\"sources-h\">Sources ({})</h2>\n<ol class=\"sources\">\n",
        r.sources.len()
    );
    for src in &r.sources {
        let _ = writeln!(
            s,
            "<li><cite>{}</cite>{} <span class=\"source-url\">{}</span><br><span class=\"gave\">Gave: {}</span></li>",
            esc(src.title.unwrap_or("(no title recorded)")),
            src.date.map_or(String::new(), |d| format!(", {d}")),
            source_link(src.url),
            esc(&src.fields.join(", "))
        );
    }
    s.push_str("</ol>\n</section>\n");
}

/// The disagreements: per field, each value with the sources that give it (and their
/// dates, which make a status' history readable).
fn conflicts(s: &mut String, r: &Row) {
    s.push_str("<section aria-labelledby=\"conflicts-h\">\n<h2 id=\"conflicts-h\">Where the sources disagree</h2>\n");
    if r.conflicts.is_empty() {
        s.push_str("<p>The sources agree on every field they give.</p>\n</section>\n");
        return;
    }
    s.push_str("<p>Each value with the sources that give it. The workshop keeps the value most sources give (the status: the most recent source's).</p>\n");
    let date_of = |url: &str| {
        r.sources
            .iter()
            .find(|x| x.url == url)
            .and_then(|x| x.date)
            .map_or(String::new(), |d| format!(" ({d})"))
    };
    let mut fields: Vec<&str> = r.conflicts.iter().map(|c| c.field).collect();
    fields.dedup();
    for field in fields {
        let _ = write!(
            s,
            "<table class=\"conflicts\">\n<caption>{f}</caption>\n<thead><tr><th scope=\"col\">Value of {f}</th><th scope=\"col\">Sources that give it</th></tr></thead>\n<tbody>\n",
            f = esc(field)
        );
        for c in r.conflicts.iter().filter(|c| c.field == field) {
            let links: Vec<String> = c
                .urls
                .iter()
                .map(|u| format!("<li>{}{}</li>", source_link(u), date_of(u)))
                .collect();
            let _ = writeln!(
                s,
                "<tr><th scope=\"row\">{}</th><td><ul>{}</ul></td></tr>",
                esc(c.value),
                links.concat()
            );
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}
