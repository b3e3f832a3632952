//! `unknown-place`: a field marked `x-luban-resolve: "place"` (the reports' `city`) must
//! name a city of the dataset's gazetteer, `raw/reference/places.csv`, in the row's
//! country, directly or through `raw/aliases/cities.csv`. Every published workshop is
//! then on the map at its city, or knowingly at its country's centroid (a place row with
//! no coordinates). The gazetteer is generated from GeoNames by `tools/gen_places.sh`, so
//! a new city is either a new spelling (an alias, with its source) or a new place (rerun
//! the tool); a typo never reaches the map. Off when the dataset has no `places.csv`, and
//! for rows whose country does not resolve (`foreign-key` reports those).
//!
//! Example: `Machakoss` in Kenya → "did you mean `Machakos`?".

use super::Violation;
use crate::names::countries::{CountryResolver, Resolution};
use crate::names::places::Places;
use crate::table::csvio::quoted;

pub const CODE: &str = "unknown-place";

pub fn check(i: usize, cell: &str, country: &str, resolver: &CountryResolver, out: &mut Vec<Violation>) {
    let places: &Places = resolver.places();
    if !places.has_gazetteer {
        return;
    }
    let Resolution::Found(c) = resolver.resolve(country) else {
        return;
    };
    if places.knows(&c.alpha3, cell) {
        return;
    }
    let canonical = places.canonical(cell);
    let near = crate::report::diagnostic::closest(&canonical, places.cities_of(&c.alpha3));
    // the line to copy names the city; a new city is the gazetteer's (a maintainer's tool)
    let alias = |city: &str| {
        format!(
            "add `{},{city},<the page's URL>` to raw/aliases/cities.csv",
            quoted(cell)
        )
    };
    let new_city = "if it is a city the dataset does not have, say so in the pull request: a maintainer adds it to the gazetteer (`bash tools/gen_places.sh`)";
    let help = match near {
        Some(n) => format!("did you mean `{n}`? If the page means it, {}; {new_city}", alias(n)),
        None => {
            let known: Vec<&str> = places.cities_of(&c.alpha3).collect();
            let listed = match known.len() {
                0 => String::new(),
                1..=10 => format!(" (the dataset's cities of {}: {})", c.name, known.join(", ")),
                n => format!(" (the dataset has {n} cities of {})", c.name),
            };
            format!(
                "if it is another name of a city the dataset has{listed}, {}; {new_city}",
                alias("<that city>")
            )
        }
    };
    out.push(
        Violation::new(
            CODE,
            Some(i),
            format!("\"{cell}\" is not a known city of {} ({})", c.name, c.alpha3),
        )
        .expected("a city of raw/reference/places.csv in the row's country")
        .help(Some(help)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_city_is_reported_with_the_closest_city_of_its_country() {
        let root = tempfile::tempdir().unwrap();
        let r = |p: &str| root.path().join(p);
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(r("raw/reference")).unwrap();
        std::fs::create_dir_all(r("raw/aliases")).unwrap();
        for f in ["countries.csv", "country_names.csv"] {
            std::fs::copy(repo.join("raw/reference").join(f), r("raw/reference").join(f)).unwrap();
        }
        std::fs::write(
            r("raw/reference/places.csv"),
            "city,country_code,latitude,longitude,geonames_id,source\nMachakos,KEN,-1.5,37.3,1,t\n",
        )
        .unwrap();
        std::fs::write(
            r("raw/aliases/cities.csv"),
            "alias,canonical,source_url\nMachakos Town,Machakos,https://example.org\n",
        )
        .unwrap();
        let layout = crate::layout::Layout::open(root.path()).unwrap();
        let resolver = CountryResolver::load(&layout).unwrap();
        let cases: [(&str, &str, Option<&str>); 5] = [
            ("Machakos", "Kenya", None),
            ("Machakos Town", "KEN", None),
            ("Machakoss", "Kenya", Some("did you mean `Machakos`? If the page means it, add `Machakoss,Machakos,<the page's URL>` to raw/aliases/cities.csv")),
            ("Atlantis", "Kenya", Some("if it is another name of a city the dataset has (the dataset's cities of Kenya: Machakos), add `Atlantis,<that city>,<the page's URL>`")),
            ("Anything", "Nowhere", None),
        ];
        for (cell, country, want) in cases {
            let mut out = Vec::new();
            check(2, cell, country, &resolver, &mut out);
            match want {
                None => assert!(out.is_empty(), "{cell}: {out:?}"),
                Some(w) => {
                    assert_eq!(out.len(), 1, "{cell}");
                    assert_eq!(out[0].code, CODE);
                    assert_eq!(out[0].field_index, Some(2));
                    assert!(out[0].help.as_deref().unwrap().starts_with(w), "{cell}: {out:?}");
                }
            }
        }
    }
}
