//! Aggregate's three tables in `build/` (`countries.arrow`, `openings_by_year.arrow`,
//! `claims_check.arrow`), read back by publish when it runs alone. Dates keep their
//! precision beside them, so that what publish writes from them is what it writes from
//! the tables in memory.

use anyhow::{Context, Result};
use polars::prelude::DataFrame;

use crate::layout::Layout;
use crate::model::{Claim, ClaimCheck, CountrySummary, OpeningsByYear, Tables, Workshops};
use crate::partial_date::PartialDate;
use crate::table::artifact::*;
use crate::table::Texts;

fn texts_of<'a>(col: &str, v: impl Iterator<Item = Option<&'a str>>) -> polars::prelude::Column {
    let t: Texts = v.collect();
    texts(col, &t, 0..t.len())
}

fn countries_frame(cs: &[CountrySummary]) -> Result<DataFrame> {
    let text = |col: &str, f: fn(&CountrySummary) -> &str| texts_of(col, cs.iter().map(|c| Some(f(c))));
    let count = |col: &str, f: fn(&CountrySummary) -> u32| counts(col, &cs.iter().map(f).collect::<Vec<_>>());
    let [first, first_p] = dates(
        "first_opened_on",
        &cs.iter().map(|c| c.first_opened_on).collect::<Vec<_>>(),
    )?;
    let [latest, latest_p] = dates(
        "latest_opened_on",
        &cs.iter().map(|c| c.latest_opened_on).collect::<Vec<_>>(),
    )?;
    let cols = vec![
        text("country_code", |c| &c.country_code),
        text("country_name", |c| &c.country_name),
        text("region", |c| &c.region),
        text("subregion", |c| &c.subregion),
        count("workshops", |c| c.workshops),
        count("operating", |c| c.operating),
        count("announced", |c| c.announced),
        count("planned", |c| c.planned),
        count("suspended", |c| c.suspended),
        count("closed", |c| c.closed),
        first,
        first_p,
        latest,
        latest_p,
        count("host_institutions", |c| c.host_institutions),
        string_lists("chinese_partners", cs.iter().map(|c| c.chinese_partners.as_slice())),
        string_lists("specialties", cs.iter().map(|c| c.specialties.as_slice())),
        count("sources", |c| c.sources),
    ];
    Ok(DataFrame::new(cs.len(), cols)?)
}

fn read_countries(df: &DataFrame) -> Result<Vec<CountrySummary>> {
    let text = |col: &str| get_texts(df, col);
    let (code, name, region, subregion) = (
        text("country_code")?,
        text("country_name")?,
        text("region")?,
        text("subregion")?,
    );
    let count = |col: &str| get_counts(df, col);
    let (workshops, operating, announced, planned, suspended, closed) = (
        count("workshops")?,
        count("operating")?,
        count("announced")?,
        count("planned")?,
        count("suspended")?,
        count("closed")?,
    );
    let (first, latest) = (get_dates(df, "first_opened_on")?, get_dates(df, "latest_opened_on")?);
    let (hosts, sources) = (count("host_institutions")?, count("sources")?);
    let (partners, specialties) = (
        get_string_lists(df, "chinese_partners")?,
        get_string_lists(df, "specialties")?,
    );
    Ok((0..df.height())
        .map(|i| CountrySummary {
            country_code: code.str(i).to_string(),
            country_name: name.str(i).to_string(),
            region: region.str(i).to_string(),
            subregion: subregion.str(i).to_string(),
            workshops: workshops[i],
            operating: operating[i],
            announced: announced[i],
            planned: planned[i],
            suspended: suspended[i],
            closed: closed[i],
            first_opened_on: first[i],
            latest_opened_on: latest[i],
            host_institutions: hosts[i],
            chinese_partners: partners[i].clone(),
            specialties: specialties[i].clone(),
            sources: sources[i],
        })
        .collect())
}

fn openings_frame(os: &[OpeningsByYear]) -> Result<DataFrame> {
    let cols = vec![
        opt_ints("year", &os.iter().map(|o| Some(o.year)).collect::<Vec<_>>()),
        texts_of("country_code", os.iter().map(|o| Some(o.country_code.as_str()))),
        texts_of("region", os.iter().map(|o| Some(o.region.as_str()))),
        counts("openings", &os.iter().map(|o| o.openings).collect::<Vec<_>>()),
    ];
    Ok(DataFrame::new(os.len(), cols)?)
}

fn read_openings(df: &DataFrame) -> Result<Vec<OpeningsByYear>> {
    let (year, code, region) = (
        get_opt_ints(df, "year")?,
        get_texts(df, "country_code")?,
        get_texts(df, "region")?,
    );
    let openings = get_counts(df, "openings")?;
    (0..df.height())
        .map(|i| {
            Ok(OpeningsByYear {
                year: year[i].context("`year` has an empty cell")?,
                country_code: code.str(i).to_string(),
                region: region.str(i).to_string(),
                openings: openings[i],
            })
        })
        .collect()
}

fn claims_frame(cs: &[ClaimCheck]) -> Result<DataFrame> {
    let text = |col: &str, f: fn(&Claim) -> &str| texts_of(col, cs.iter().map(|c| Some(f(&c.claim))));
    let claim_date: Vec<Option<String>> = cs.iter().map(|c| c.claim.claim_date.map(|d| d.to_string())).collect();
    let [as_of, as_of_p] = dates("as_of", &cs.iter().map(|c| c.as_of).collect::<Vec<_>>())?;
    let cols = vec![
        texts_of("claim_date", claim_date.iter().map(Option::as_deref)),
        as_of,
        as_of_p,
        text("date_text", |c| &c.date_text),
        opt_counts(
            "claimed_workshops",
            &cs.iter().map(|c| c.claim.claimed_workshops).collect::<Vec<_>>(),
        ),
        opt_counts(
            "claimed_countries",
            &cs.iter().map(|c| c.claim.claimed_countries).collect::<Vec<_>>(),
        ),
        text("qualifier", |c| &c.qualifier),
        text("scope", |c| &c.scope),
        text("scope_text", |c| &c.scope_text),
        text("claim", |c| &c.claim),
        text("source_url", |c| &c.source_url),
        opt_counts("our_workshops", &cs.iter().map(|c| c.our_workshops).collect::<Vec<_>>()),
        opt_counts("our_countries", &cs.iter().map(|c| c.our_countries).collect::<Vec<_>>()),
        opt_ints(
            "workshops_difference",
            &cs.iter().map(|c| c.workshops_difference).collect::<Vec<_>>(),
        ),
        opt_ints(
            "countries_difference",
            &cs.iter().map(|c| c.countries_difference).collect::<Vec<_>>(),
        ),
    ];
    Ok(DataFrame::new(cs.len(), cols)?)
}

fn read_claims(df: &DataFrame) -> Result<Vec<ClaimCheck>> {
    let text = |col: &str| get_texts(df, col);
    let (claim_date, as_of) = (text("claim_date")?, get_dates(df, "as_of")?);
    let (date_text, qualifier, scope, scope_text, claim, url) = (
        text("date_text")?,
        text("qualifier")?,
        text("scope")?,
        text("scope_text")?,
        text("claim")?,
        text("source_url")?,
    );
    let (cw, cc) = (
        get_opt_counts(df, "claimed_workshops")?,
        get_opt_counts(df, "claimed_countries")?,
    );
    let (ow, oc) = (
        get_opt_counts(df, "our_workshops")?,
        get_opt_counts(df, "our_countries")?,
    );
    let (wd, cd) = (
        get_opt_ints(df, "workshops_difference")?,
        get_opt_ints(df, "countries_difference")?,
    );
    (0..df.height())
        .map(|i| {
            let date = claim_date
                .get(i)
                .map(PartialDate::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            Ok(ClaimCheck {
                claim: Claim {
                    claim_date: date,
                    date_text: date_text.str(i).to_string(),
                    claimed_workshops: cw[i],
                    claimed_countries: cc[i],
                    qualifier: qualifier.str(i).to_string(),
                    scope: scope.str(i).to_string(),
                    scope_text: scope_text.str(i).to_string(),
                    claim: claim.str(i).to_string(),
                    source_url: url.str(i).to_string(),
                },
                as_of: as_of[i],
                our_workshops: ow[i],
                our_countries: oc[i],
                workshops_difference: wd[i],
                countries_difference: cd[i],
            })
        })
        .collect()
}

/// Writes the three tables to `build/`.
pub fn write_tables(
    layout: &Layout,
    countries: &[CountrySummary],
    openings: &[OpeningsByYear],
    claims: &[ClaimCheck],
) -> Result<()> {
    // small tables: one batch each
    let one = |path: &str, df: DataFrame| write(&layout.build_file(path), df.height(), 0, |_| Ok(df.clone()));
    one("countries.arrow", countries_frame(countries)?)?;
    one("openings_by_year.arrow", openings_frame(openings)?)?;
    one("claims_check.arrow", claims_frame(claims)?)
}

/// The tables publish writes, aggregate's three read back from `build/`, then the
/// workshops `workshops` gives.
pub fn read_tables(layout: &Layout, workshops: impl FnOnce() -> Result<Workshops>) -> Result<Tables> {
    let read_table = |name: &str| read(&layout.build_file(name), "aggregate");
    Ok(Tables {
        countries: read_countries(&read_table("countries.arrow")?)?,
        openings: read_openings(&read_table("openings_by_year.arrow")?)?,
        claims: read_claims(&read_table("claims_check.arrow")?)?,
        workshops: workshops()?,
    })
}
