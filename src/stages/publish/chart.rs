//! The chart people look at first: workshops opened per year, stacked by region, as SVG
//! (`output/openings.svg`), drawn with `plotters`. Text is left to the SVG viewer's fonts,
//! so the file is the same on every machine.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use plotters::prelude::*;

use crate::model::OpeningsByYear;

/// Region colours, fixed so the picture does not change with the data's order.
fn colour(region: &str) -> RGBColor {
    match region {
        "Africa" => RGBColor(0xd9, 0x5f, 0x02),
        "Asia" => RGBColor(0x1b, 0x9e, 0x77),
        "Europe" => RGBColor(0x75, 0x70, 0xb3),
        "Americas" => RGBColor(0xe7, 0x29, 0x8a),
        "Oceania" => RGBColor(0x66, 0xa6, 0x1e),
        _ => RGBColor(0x99, 0x99, 0x99),
    }
}

/// Renders the stacked bar chart as SVG text.
pub fn openings_svg(rows: &[OpeningsByYear]) -> Result<String> {
    let mut per: BTreeMap<i32, BTreeMap<&str, u32>> = BTreeMap::new();
    for r in rows {
        *per.entry(r.year).or_default().entry(r.region.as_str()).or_default() += r.openings;
    }
    let regions: Vec<&str> = {
        let mut v: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
        v.sort();
        v.dedup();
        v
    };
    let (first, last) = match (per.keys().next(), per.keys().last()) {
        (Some(a), Some(b)) => (*a, *b),
        _ => (2016, 2016),
    };
    let max = per.values().map(|m| m.values().sum::<u32>()).max().unwrap_or(1).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 420)).into_drawing_area();
        root.fill(&WHITE).context("failed to draw the chart")?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Luban Workshops opened per year, by region", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d((first..last).into_segmented(), 0u32..max + 1)
            .context("failed to draw the chart")?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("workshops opened")
            .x_desc("year")
            .draw()
            .context("failed to draw the chart")?;
        for region in &regions {
            let color = colour(region);
            // each region's bar segment sits on the regions before it
            let bars: Vec<Rectangle<(SegmentValue<i32>, u32)>> = per
                .iter()
                .filter_map(|(year, m)| {
                    let n = *m.get(region)?;
                    let below: u32 = m.iter().filter(|(r, _)| *r < region).map(|(_, v)| v).sum();
                    Some(Rectangle::new(
                        [
                            (SegmentValue::Exact(*year), below),
                            (SegmentValue::Exact(*year + 1), below + n),
                        ],
                        color.filled(),
                    ))
                })
                .collect();
            chart
                .draw_series(bars)
                .context("failed to draw the chart")?
                .label(*region)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .context("failed to draw the chart")?;
        root.present().context("failed to draw the chart")?;
    }
    Ok(svg)
}
