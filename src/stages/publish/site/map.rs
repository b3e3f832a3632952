//! The home page's world map, drawn as inline SVG at publish time: country shapes from
//! Natural Earth (npm `world-atlas`, vendored by `tools/vendor_world_atlas.sh` and
//! embedded at build time), shaded by their number of workshops, and one marker per
//! located workshop, coloured by status and linked to its page. No script draws it, so
//! it shows without JavaScript, the same bytes on every run.
//!
//! TopoJSON is decoded here (quantized, delta-encoded arcs; rings are arcs joined, a
//! negative index is an arc reversed) and projected equirectangularly, which keeps a
//! marker's position plain arithmetic on its latitude and longitude. Coordinates are
//! written with one decimal: a tenth of a pixel is finer than the screen.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::html::esc;

/// npm world-atlas 2.0.2, `countries-110m.json`.
const WORLD: &str = include_str!("../../../../vendor/world-atlas/countries-110m.json");

pub const WIDTH: f64 = 960.0;
const NORTH: f64 = 84.0;
const SOUTH: f64 = -58.0;
pub const HEIGHT: f64 = (NORTH - SOUTH) * WIDTH / 360.0;

#[derive(Deserialize)]
struct Topology {
    transform: Transform,
    arcs: Vec<Vec<[i64; 2]>>,
    objects: Objects,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Objects {
    countries: Collection,
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    #[serde(default)]
    arcs: serde_json::Value,
    properties: Option<Props>,
}

#[derive(Deserialize)]
struct Props {
    name: String,
}

/// One country's shape: its ISO numeric id, name and SVG path.
pub struct Shape {
    pub numeric: String,
    pub name: String,
    pub path: String,
}

/// (x, y) on the map of a longitude and latitude.
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    ((lon + 180.0) * WIDTH / 360.0, (NORTH - lat) * WIDTH / 360.0)
}

/// The country shapes of the vendored atlas (Antarctica left out: no workshop, and
/// off the map's bottom edge).
pub fn shapes() -> Result<Vec<Shape>> {
    let topo: Topology = serde_json::from_str(WORLD).context("failed to read the vendored world atlas")?;
    let arcs: Vec<Vec<(f64, f64)>> = topo.arcs.iter().map(|a| decode(a, &topo.transform)).collect();
    let mut out = Vec::new();
    for g in &topo.objects.countries.geometries {
        let (Some(id), Some(p)) = (&g.id, &g.properties) else {
            continue;
        };
        if id == "010" {
            continue;
        }
        let polygons: Vec<Vec<Vec<i64>>> = match g.kind.as_str() {
            "Polygon" => vec![serde_json::from_value(g.arcs.clone()).context("a Polygon's arcs")?],
            "MultiPolygon" => serde_json::from_value(g.arcs.clone()).context("a MultiPolygon's arcs")?,
            _ => continue,
        };
        let mut path = String::new();
        for ring in polygons.iter().flatten() {
            ring_path(&mut path, ring, &arcs);
        }
        out.push(Shape {
            numeric: id.clone(),
            name: p.name.clone(),
            path,
        });
    }
    Ok(out)
}

fn decode(arc: &[[i64; 2]], t: &Transform) -> Vec<(f64, f64)> {
    let (mut x, mut y) = (0i64, 0i64);
    arc.iter()
        .map(|[dx, dy]| {
            x += dx;
            y += dy;
            (
                x as f64 * t.scale[0] + t.translate[0],
                y as f64 * t.scale[1] + t.translate[1],
            )
        })
        .collect()
}

/// Appends one ring (arcs joined end to start) as an SVG subpath. A ring that crosses
/// the antimeridian (Russia's Chukotka, Fiji) is kept in one piece by unwrapping its
/// longitudes (a jump of more than 180° is a crossing): it runs past the map's edge,
/// where the SVG's viewBox cuts it, instead of striping the map from side to side.
fn ring_path(path: &mut String, ring: &[i64], arcs: &[Vec<(f64, f64)>]) {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for &i in ring {
        let arc = &arcs[if i < 0 { !i } else { i } as usize];
        let mut take = |&(lon, lat): &(f64, f64)| {
            let lon = match points.last() {
                Some(&(p, _)) if lon - p > 180.0 => lon - 360.0,
                Some(&(p, _)) if p - lon > 180.0 => lon + 360.0,
                _ => lon,
            };
            points.push((lon, lat));
        };
        if i < 0 {
            arc.iter().rev().for_each(&mut take);
        } else {
            arc.iter().for_each(&mut take);
        }
    }
    // a ring that started on the far side of the antimeridian is shifted back so that
    // its middle is on the map
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &(x, _)| (a.min(x), b.max(x)));
    let shift = match (lo + hi) / 2.0 {
        m if m < -180.0 => 360.0,
        m if m > 180.0 => -360.0,
        _ => 0.0,
    };
    let mut last = String::new();
    for (lon, lat) in points {
        let (x, y) = project(lon + shift, lat.clamp(SOUTH, NORTH));
        let p = format!("{x:.1},{y:.1}");
        if p != last {
            path.push(if last.is_empty() { 'M' } else { 'L' });
            path.push_str(&p);
            last = p;
        }
    }
    path.push('Z');
}

/// A workshop's marker.
pub struct Marker<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    pub href: String,
    pub lon: f64,
    pub lat: f64,
    pub precise: bool,
}

/// The fill class of a country with `n` workshops.
pub fn shade(n: usize) -> &'static str {
    match n {
        0 => "c0",
        1 => "c1",
        2..=3 => "c2",
        _ => "c3",
    }
}

/// The map as an `<svg>` element: shapes shaded by `counts` (ISO numeric → workshops),
/// then the markers. Markers on the same point are spread on a small circle so that
/// each stays visible and clickable.
pub fn svg(shapes: &[Shape], counts: &BTreeMap<String, (String, usize)>, markers: &[Marker]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"map\" viewBox=\"0 0 {WIDTH} {HEIGHT:.1}\" role=\"group\" aria-labelledby=\"map-title\"><title id=\"map-title\">World map of Luban Workshops: countries shaded by number of workshops, one marker per located workshop</title><rect class=\"sea\" width=\"{WIDTH}\" height=\"{HEIGHT:.1}\"/>"
    );
    for sh in shapes {
        let (label, n) = counts
            .get(&sh.numeric)
            .map_or((sh.name.as_str(), 0), |(name, n)| (name.as_str(), *n));
        let _ = write!(
            s,
            "<path class=\"country {}\" d=\"{}\"><title>{}: {n} workshop{}</title></path>",
            shade(n),
            sh.path,
            esc(label),
            if n == 1 { "" } else { "s" }
        );
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for m in markers {
        let (x, y) = project(m.lon, m.lat);
        let k = seen.entry(format!("{x:.1},{y:.1}")).or_default();
        let (dx, dy) = if *k == 0 {
            (0.0, 0.0)
        } else {
            let a = *k as f64 * 2.399_963; // the golden angle: neighbours never line up
            let r = 3.0 * (*k as f64).sqrt();
            (r * a.cos(), r * a.sin())
        };
        *k += 1;
        let _ = write!(
            s,
            "<a href=\"{}\" class=\"marker-link\"><circle class=\"marker status-{}{}\" data-workshop-id=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>{} ({}{})</title></circle></a>",
            esc(&m.href),
            esc(m.status),
            if m.precise { "" } else { " approx" },
            esc(m.id),
            x + dx,
            y + dy,
            esc(m.name),
            esc(m.status),
            if m.precise { "" } else { "; placed at the country's centre" }
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_atlas_decodes_into_closed_paths_inside_the_map() {
        let shapes = shapes().unwrap();
        assert!(shapes.len() > 150, "{}", shapes.len());
        let kaz = shapes.iter().find(|s| s.numeric == "398").expect("Kazakhstan");
        assert!(kaz.path.starts_with('M') && kaz.path.ends_with('Z'));
        // no ring strays more than half a map past an edge: rings that cross the
        // antimeridian are unwrapped, not drawn across the whole map
        for s in &shapes {
            for ring in s.path.split('M').filter(|t| !t.is_empty()) {
                let xs: Vec<f64> = ring
                    .trim_end_matches('Z')
                    .split('L')
                    .map(|p| p.split(',').next().unwrap().parse().unwrap())
                    .collect();
                let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
                assert!(hi - lo < WIDTH / 2.0, "{}: a ring {lo}..{hi} wide", s.name);
                assert!(hi > 0.0 && lo < WIDTH, "{}: a ring off the map", s.name);
            }
        }
        // Almaty (43.25 N, 76.9 E) is on the map where Kazakhstan is
        let (x, y) = project(76.9, 43.25);
        assert!((x - 685.1).abs() < 0.1 && (y - 108.7).abs() < 0.1, "{x},{y}");
    }
}
