//! The floor for a streaming CSV validator: read a file with the csv crate into one reused
//! `ByteRecord` and count records and fields, nothing else. `benches/run.sh` compares
//! `luban validate` with this.
//!
//! Usage: cargo run --release --example csv_floor -- FILE.csv

use std::io::BufReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_floor FILE.csv")?;
    let file = std::fs::File::open(&path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, file));
    let mut rec = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0u64);
    while rdr.read_byte_record(&mut rec)? {
        records += 1;
        fields += rec.len() as u64;
    }
    println!("{records} records, {fields} fields");
    Ok(())
}
