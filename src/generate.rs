//! A deterministic generator of realistic report files, for benchmarks and large-input
//! tests (`luban generate`). The same seed and row count give the same bytes on every
//! machine.
//!
//! Each report is about one of `rows / 5` workshops, so workshops have about five reports
//! from different sources, spelled differently the way sources do (case, accents,
//! bracketed acronyms, "the", country codes and local names). About 0.5% of rows carry one
//! defect each (unknown status, impossible date, bad URL, missing required cell, a source
//! URL used twice, a ragged row), so validators have something to find.
//!
//! [`Shape::Conflicts`] is another shape of data, so that speed and memory are not tuned
//! to one: about fourteen reports per workshop, which disagree on the opening date (year,
//! month and day drawn per report) and on the status, as sources about a much-reported
//! workshop do.

use std::io::Write;

use anyhow::{Context, Result};

/// Country spellings the generator uses: (English, variants), all resolvable.
const COUNTRIES: &[(&str, &[&str])] = &[
    ("Kazakhstan", &["KZ", "KAZ", "Republic of Kazakhstan", "哈萨克斯坦"]),
    ("Côte d'Ivoire", &["Cote d'Ivoire", "Ivory Coast", "科特迪瓦", "CI"]),
    ("United Kingdom", &["UK", "Britain", "GBR"]),
    ("Thailand", &["TH", "泰国"]),
    ("Egypt", &["EG", "EGY"]),
    ("Kenya", &["KE", "肯尼亚"]),
    ("Tajikistan", &["TJ", "塔吉克斯坦"]),
    ("Indonesia", &["ID", "IDN"]),
    ("Portugal", &["PT", "PRT"]),
    ("Nigeria", &["NG", "NGA"]),
    ("Niger", &["NE", "NER"]),
    ("Russia", &["RU", "俄罗斯"]),
];
/// Cities per country, in the order of `COUNTRIES`.
const CITIES: &[&[&str]] = &[
    &["Oskemen", "Almaty", "Astana"],
    &["Yamoussoukro", "Abidjan"],
    &["Crawley"],
    &["Ayutthaya", "Ban Phai"],
    &["Cairo"],
    &["Machakos", "Meru"],
    &["Dushanbe"],
    &["Ponorogo", "Jakarta"],
    &["Setúbal"],
    &["Abuja"],
    &["Niamey"],
    &["Moscow"],
];
const WORDS: &[&str] = &[
    "Technical",
    "Polytechnic",
    "Vocational",
    "National",
    "State",
    "Applied",
    "Industrial",
    "Agricultural",
    "Transport",
    "Energy",
];
const KINDS: &[&str] = &["University", "College", "Institute", "School", "Academy"];
const PARTNERS: &[&str] = &[
    "Tianjin Vocational Institute",
    "Tianjin Bohai Vocational Technical College",
    "Tianjin Light Industry Vocational Technical College",
    "Tianjin Railway Technical and Vocational College",
    "Tianjin University of Technology",
    "Jinhua Polytechnic",
    "Urumqi Vocational University",
];
const SPECIALTIES: &[&str] = &[
    "mechatronics",
    "new energy vehicles",
    "railway engineering",
    "logistics",
    "Chinese culinary arts",
    "information technology",
    "robotics",
    "automation",
];
const STATUSES: &[&str] = &["operating", "operating", "operating", "announced", "planned"];

/// The header the generator writes (the reports schema's fields).
pub const HEADER: &str = "workshop_name,country,city,host_institution,chinese_partner,opened_on,status,specialties,source_url,source_title,source_date,notes,organiser_province,kind,host_partner";

/// The shape of the generated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// About five reports per workshop, agreeing on the facts.
    Standard,
    /// About fourteen reports per workshop, disagreeing on dates and status.
    Conflicts,
}

fn host_name(w: u64) -> String {
    let a = WORDS[(w % WORDS.len() as u64) as usize];
    let k = KINDS[((w / 10) % KINDS.len() as u64) as usize];
    format!("{a} {k} No. {w}")
}

/// Writes `rows` reports to `out`; `defects` = false leaves out the defective rows (for
/// pipeline benchmarks, which stop at rejected data), keeping the other rows identical.
pub fn generate(out: &mut dyn Write, rows: u64, seed: u64, defects: bool, shape: Shape) -> Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let per_workshop = match shape {
        Shape::Standard => 5,
        Shape::Conflicts => 14,
    };
    let workshops = (rows / per_workshop).max(1);
    writeln!(out, "{HEADER}").context("failed to write")?;
    let mut last_url = String::new();
    for i in 0..rows {
        let w = rng.u64(0..workshops);
        let c = (w % COUNTRIES.len() as u64) as usize;
        let (country, variants) = COUNTRIES[c];
        let country_cell = if rng.u8(0..4) == 0 {
            variants[rng.usize(0..variants.len())]
        } else {
            country
        };
        let city = CITIES[c][((w / 16) % CITIES[c].len() as u64) as usize];
        let host = host_name(w);
        let host_cell = match rng.u8(0..6) {
            0 => host.to_uppercase(),
            1 => format!("the {host}"),
            2 => format!("{host} (LW{w})"),
            _ => host.clone(),
        };
        let partner = PARTNERS[(w % PARTNERS.len() as u64) as usize];
        let (year, month, day) = match shape {
            Shape::Standard => (2016 + (w % 10), 1 + (w % 12), 1 + (w % 28)),
            Shape::Conflicts => (2016 + (w % 10) + rng.u64(0..2), rng.u64(1..=12), rng.u64(1..=28)),
        };
        let opened = match rng.u8(0..3) {
            0 => format!("{year}"),
            1 => format!("{year}-{month:02}"),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        let status = match shape {
            Shape::Standard => STATUSES[(w % STATUSES.len() as u64) as usize],
            Shape::Conflicts => STATUSES[rng.usize(0..STATUSES.len())],
        };
        let spec = format!(
            "{};{}",
            SPECIALTIES[(w % 8) as usize],
            SPECIALTIES[((w / 8) % 8) as usize]
        );
        let mut url = format!("https://news.example.org/{}/{i}.html", 2016 + i % 10);
        let sdate = format!("{}-{:02}-{:02}", year + 1, 1 + i % 12, 1 + i % 28);
        let title = format!("Luban Workshop report {i}");
        let mut fields = [
            format!("{country} Luban Workshop ({city})"),
            country_cell.to_string(),
            city.to_string(),
            host_cell,
            partner.to_string(),
            opened,
            status.to_string(),
            spec,
            String::new(),
            title,
            sdate,
            "generated".to_string(),
            "Tianjin".to_string(),
            String::new(),
            String::new(),
        ];
        let mut ragged = false;
        let defect = rng.u16(0..200) == 0;
        if defects && defect {
            match rng.u8(0..6) {
                0 => fields[6] = "rumoured".into(),
                1 => fields[5] = format!("{year}-02-30"),
                2 => url = format!("news.example.org/{i}"),
                3 => fields[1] = String::new(),
                4 if !last_url.is_empty() => url = last_url.clone(),
                _ => ragged = true,
            }
        }
        fields[8] = url.clone();
        last_url = url;
        let mut line = String::with_capacity(300);
        for (k, f) in fields.iter().enumerate() {
            if ragged && k == fields.len() - 1 {
                break;
            }
            if k > 0 {
                line.push(',');
            }
            if f.contains([',', '"', '\n']) {
                line.push('"');
                line.push_str(&f.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(f);
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes()).context("failed to write")?;
    }
    out.flush().context("failed to write")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_about_half_a_percent_defects() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate(&mut a, 2000, 7, true, Shape::Standard).unwrap();
        generate(&mut b, 2000, 7, true, Shape::Standard).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        generate(&mut c, 2000, 8, true, Shape::Standard).unwrap();
        assert_ne!(a, c);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.lines().count(), 2001);
        let defects = text
            .lines()
            .filter(|l| l.contains("rumoured") || l.contains("-02-30") || l.contains(",news.example.org"))
            .count();
        assert!((1..=30).contains(&defects), "{defects}");
    }

    /// The conflicts shape: about fourteen reports per workshop (by host), and a
    /// workshop's reports disagree on the opening date and the status.
    #[test]
    fn the_conflicts_shape_has_many_disagreeing_reports_per_workshop() {
        let mut out = Vec::new();
        generate(&mut out, 14_000, 3, false, Shape::Conflicts).unwrap();
        let mut rdr = csv::Reader::from_reader(out.as_slice());
        let mut by_host: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
        for r in rdr.records() {
            let r = r.unwrap();
            let host = r[3].to_lowercase().replace("the ", "");
            let host = host.split(" (lw").next().unwrap().to_string();
            by_host
                .entry(host)
                .or_default()
                .push((r[5].to_string(), r[6].to_string()));
        }
        let per = 14_000.0 / by_host.len() as f64;
        assert!((12.0..=16.0).contains(&per), "{per} reports per workshop");
        let disagreeing = by_host
            .values()
            .filter(|rs| {
                let dates: std::collections::BTreeSet<_> = rs.iter().map(|r| &r.0[..4]).collect();
                let statuses: std::collections::BTreeSet<_> = rs.iter().map(|r| &r.1).collect();
                dates.len() > 1 && statuses.len() > 1
            })
            .count();
        assert!(
            disagreeing * 10 > by_host.len() * 9,
            "{disagreeing} of {}",
            by_host.len()
        );
    }
}
