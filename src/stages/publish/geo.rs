//! Where each published workshop is: its city's GeoNames point from the dataset's
//! gazetteer, or its country's centroid when the city is unknown or unlocated
//! ([`crate::names::places`]), with the precision saying which. Published as the
//! `latitude`, `longitude` and `geo_precision` columns of `workshops`, and as
//! `output/workshops.geojson`, which GitHub and every GIS tool show as a map.
//!
//! The GeoJSON is written by hand, not through a map of keys: keys in a fixed order,
//! coordinates as the gazetteer gives them (Rust's shortest round-trip form of the
//! number), features in `workshop_id` order, so the file is byte-identical on rerun.

use std::path::Path;

use anyhow::Result;

use crate::layout::Layout;
use crate::model::Workshops;
use crate::names::places::{Location, Places};

/// The location of every workshop, in table order.
pub fn locate_all(layout: &Layout, w: &Workshops) -> Result<Vec<Option<Location>>> {
    let places = Places::load(layout)?;
    Ok((0..w.len())
        .map(|i| places.locate(&w.country_of(i).code, Workshops::name(&w.dict.cities, w.city[i])))
        .collect())
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// Writes `output/workshops.geojson` to `path`: one Point feature per located workshop.
/// Written as it is made: made whole first, the text of a million workshops (77 MB)
/// was most of `luban publish`'s peak (457 against 385 MiB).
pub fn write(path: &Path, w: &Workshops, locs: &[Option<Location>]) -> Result<()> {
    crate::table::csvio::write_atomic(path, |out| Ok(geojson(out, w, locs)?))
}

fn geojson(out: &mut dyn std::io::Write, w: &Workshops, locs: &[Option<Location>]) -> std::io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut first = true;
    for (i, loc) in locs.iter().enumerate() {
        let Some(loc) = loc else { continue };
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        let c = w.country_of(i);
        let text = |v: Option<&str>| v.map_or("null".to_string(), json_str);
        write!(
            out,
            "\n{{\"type\":\"Feature\",\"id\":{},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}},\"properties\":{{",
            text(w.workshop_id.get(i)),
            loc.longitude,
            loc.latitude
        )?;
        let props: [(&str, String); 11] = [
            ("workshop_id", text(w.workshop_id.get(i))),
            ("workshop_name", text(w.workshop_name.get(i))),
            ("kind", text(Workshops::name(&w.dict.kinds, w.kind[i]))),
            ("country_code", json_str(&c.code)),
            ("country_name", json_str(&c.name)),
            ("city", text(Workshops::name(&w.dict.cities, w.city[i]))),
            ("status", text(Workshops::name(&w.dict.statuses, w.status[i]))),
            (
                "opened_on",
                w.opened_on[i].map_or("null".to_string(), |d| json_str(&d.to_string())),
            ),
            (
                "opened_precision",
                w.opened_on[i].map_or("null".to_string(), |d| json_str(d.precision().as_str())),
            ),
            ("geo_precision", json_str(loc.precision.as_str())),
            ("source_count", w.source_urls.count(i).to_string()),
        ];
        for (k, (name, value)) in props.iter().enumerate() {
            write!(out, "{}\"{name}\":{value}", if k > 0 { "," } else { "" })?;
        }
        out.write_all(b"}}")?;
    }
    out.write_all(b"\n]}\n")
}
