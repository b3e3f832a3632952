//! Site generation on the committed data: the pages of `output/site/` rendered from
//! the tables publish has (read from `build/`, so run `luban run` first), then written
//! and synced into a temporary folder as publish writes them. Prints the median of 30
//! rounds of each. Run by `bash benches/site.sh`; the figure is in BENCHMARKS.md.

use std::time::{Duration, Instant};

use luban::layout::Layout;
use luban::stages::{aggregate, dedupe, publish};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let layout = Layout::open(std::path::Path::new("."))?;
    let data = aggregate::read_tables(&layout, || dedupe::read_workshops(&layout, dedupe::SourceTables::Read))?;
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("raw/dataset.json")?)?;
    let (mut render, mut write) = (Vec::new(), Vec::new());
    let mut pages = 0;
    for _ in 0..30 {
        let t = Instant::now();
        let locs = publish::geo::locate_all(&layout, &data.workshops)?;
        let chart = publish::chart::openings_svg(&data.openings)?;
        pages = publish::site::render(&layout, &data, &locs, &meta, &chart)?.len();
        render.push(t.elapsed());
        let dir = tempfile::tempdir()?;
        let t = Instant::now();
        let locs = publish::geo::locate_all(&layout, &data.workshops)?;
        let chart = publish::chart::openings_svg(&data.openings)?;
        publish::site::write(&layout, dir.path(), &data, &locs, &meta, &chart)?;
        write.push(t.elapsed());
    }
    println!(
        "site: {} workshops, {pages} files; render (gazetteer, chart, pages) median {:.1} ms; render + write + sync median {:.1} ms (30 rounds)",
        data.workshops.len(),
        median(render).as_secs_f64() * 1e3,
        median(write).as_secs_f64() * 1e3
    );
    Ok(())
}
