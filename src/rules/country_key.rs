//! `foreign-key` (country): a field marked `x-luban-resolve: "country"` must name exactly
//! one country of the reference tables (`raw/reference/`, `raw/aliases/countries.csv`).
//! Codes, English, official, native and translated names are accepted; substrings never
//! are. An ambiguous name ("Congo") or an unknown one is an error with the candidates.
//!
//! Example: `Nigerai` → "did you mean `Nigeria`?"; `Congo` → "could be Republic of the
//! Congo (COG) or DR Congo (COD)".

use super::Violation;
use crate::names::countries::{CountryResolver, Resolution};
use crate::schema::Field;

pub fn check(field: &Field, i: usize, cell: &str, resolver: &CountryResolver, out: &mut Vec<Violation>) {
    if field.resolve.as_deref() != Some("country") {
        return;
    }
    match resolver.resolve(cell) {
        Resolution::Found(_) => {}
        Resolution::Ambiguous(cands) => {
            let list: Vec<String> = cands.iter().map(|c| format!("{} ({})", c.name, c.alpha3)).collect();
            out.push(
                Violation::new(
                    "foreign-key",
                    Some(i),
                    format!("\"{cell}\" could be more than one country: {}", list.join(" or ")),
                )
                .expected("one country name or ISO code")
                .help(Some(format!("write the ISO code, e.g. `{}`", cands[0].alpha3))),
            );
        }
        Resolution::Unknown { suggestions } => {
            let help = match suggestions.as_slice() {
                [] => Some(
                    "use an ISO 3166-1 code or add the spelling to raw/aliases/countries.csv with its source"
                        .to_string(),
                ),
                [one] => Some(format!("did you mean `{one}`?")),
                many => Some(format!(
                    "did you mean one of: {}?",
                    many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                )),
            };
            out.push(
                Violation::new("foreign-key", Some(i), format!("\"{cell}\" is not a known country"))
                    .expected("a country name or ISO 3166-1 code from raw/reference/")
                    .help(help),
            );
        }
    }
}
