//! Any CSV file through the row-checking loop ([`super::check`]), streamed: `luban
//! validate FILE…`, a data package's resources, and the dataset's side tables. The file's
//! records are checked as read, without building rows; memory does not grow with the
//! file, except for the keys the cross-row rules keep.

use anyhow::Result;

use super::check::{CrossRules, RowResult, RowRules, Rows, SourceRows, StreamStats};
use super::Limits;
use crate::names::countries::CountryResolver;
use crate::report::error_report::ErrorRecord;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::stages::ingest::{Batch, CsvSource};

/// Records per batch.
const BATCH: usize = 2048;

/// Streams one CSV source through the rules. `on_rejected` receives each rejected row's
/// cells and errors, in row order. `jobs` = 1 runs everything on this thread.
pub fn check_source(
    src: &mut CsvSource,
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    limits: Limits,
    jobs: usize,
    progress: &Progress,
    on_rejected: impl FnMut(&[String], Vec<ErrorRecord>) -> Result<()> + Send,
) -> Result<StreamStats> {
    check_source_with(src, schema, countries, limits, jobs, progress, None, on_rejected)
}

/// [`check_source`] for a resource of a data package, with the values its foreign keys
/// to the package's other resources refer to.
#[allow(clippy::too_many_arguments)]
pub fn check_source_with(
    src: &mut CsvSource,
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    limits: Limits,
    jobs: usize,
    progress: &Progress,
    refs: Option<&crate::rules::References>,
    mut on_rejected: impl FnMut(&[String], Vec<ErrorRecord>) -> Result<()> + Send,
) -> Result<StreamStats> {
    progress.set_total(src.bytes);
    let arranged = src.arranged.take();
    let schema = arranged.as_ref().unwrap_or(schema);
    let rules = RowRules::new(schema, countries, src.labels.len());
    let mut cross = CrossRules::new(schema, refs, limits);
    cross.delimiter = src.delimiter;
    let shown = src.shown.clone();
    // each checked batch through the cross-row rules; false once `max_errors` is reached
    let mut take = |batch: &Batch, results: &mut [RowResult]| -> Result<bool> {
        if cross.stats.rows == 0 {
            if let Some(n) = batch.estimated_rows {
                // one allocation for the key sets, capped at 64M rows (~2 GiB)
                cross.reserve(n.min(64 << 20) as usize);
            }
        }
        let rows = SourceRows { batch, file: &shown };
        cross.take(&rows, results, |k, errors| on_rejected(&rows.cells(k), errors))
    };
    if jobs <= 1 {
        // One results buffer, reused: allocating and freeing it per batch made the
        // allocator return and re-fault its pages (a quarter of the time in a profile at
        // a million rows, `--jobs 1`, when this was written; not measured since).
        let mut results: Vec<RowResult> = Vec::with_capacity(BATCH);
        let mut batch = Batch::with_capacity(BATCH);
        while src.next_batch(&mut batch)? {
            progress.set(src.bytes_read());
            batch.estimated_rows = src.estimated_rows();
            rules.check_into(
                &SourceRows {
                    batch: &batch,
                    file: &shown,
                },
                &mut results,
            );
            let go_on = take(&batch, &mut results)?;
            results.clear();
            if !go_on {
                break;
            }
        }
    } else {
        on_threads(src, &rules, jobs, progress, &mut take)?;
    }
    cross.end(|_, cells, errors| on_rejected(cells, errors))?;
    Ok(cross.stats)
}

/// The loop of [`check_source_with`] on `jobs` threads. Three kinds of threads overlap: a
/// reader fills batches, `jobs` workers apply the per-row rules to whole batches, and
/// this thread hands the batches to `take` (the cross-row rules) in read order, then
/// hands the buffers back. Plain threads blocking on channels, not a work-stealing pool:
/// on 2 cores with a reader and a finisher beside them, idle pool threads spinning for
/// work took CPU time from the others (sched_yield was a fifth of the system time).
fn on_threads(
    src: &mut CsvSource,
    rules: &RowRules<'_>,
    jobs: usize,
    progress: &Progress,
    take: &mut dyn FnMut(&Batch, &mut [RowResult]) -> Result<bool>,
) -> Result<()> {
    use crossbeam_channel::{bounded, unbounded};
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    let stop = AtomicBool::new(false);
    let in_flight = 2 * jobs + 2;
    let shown = src.shown.clone();
    std::thread::scope(|scope| -> Result<()> {
        let (work_tx, work_rx) = bounded::<(u64, Batch)>(in_flight);
        let (done_tx, done_rx) = bounded::<(u64, Batch, Vec<RowResult>)>(in_flight);
        let (empty_tx, empty_rx) = unbounded::<Batch>();
        let (spare_tx, spare_rx) = unbounded::<Vec<RowResult>>();
        for _ in 0..in_flight {
            empty_tx.send(Batch::with_capacity(BATCH)).expect("receiver alive");
            spare_tx.send(Vec::with_capacity(BATCH)).expect("receiver alive");
        }
        let stop = &stop;
        let reader = scope.spawn(move || -> Result<()> {
            let mut seq = 0u64;
            while let Ok(mut batch) = empty_rx.recv() {
                if stop.load(Relaxed) || !src.next_batch(&mut batch)? {
                    break;
                }
                progress.set(src.bytes_read());
                batch.estimated_rows = src.estimated_rows();
                if work_tx.send((seq, batch)).is_err() {
                    break; // the finisher failed
                }
                seq += 1;
            }
            Ok(())
        });
        for _ in 0..jobs {
            let (work_rx, done_tx, spare_rx) = (work_rx.clone(), done_tx.clone(), spare_rx.clone());
            let shown = &shown;
            scope.spawn(move || {
                while let Ok((seq, batch)) = work_rx.recv() {
                    let mut results = spare_rx.try_recv().unwrap_or_default();
                    if !stop.load(Relaxed) {
                        rules.check_into(
                            &SourceRows {
                                batch: &batch,
                                file: shown,
                            },
                            &mut results,
                        );
                    }
                    if done_tx.send((seq, batch, results)).is_err() {
                        break;
                    }
                }
            });
        }
        drop((work_rx, done_tx, spare_rx));
        // Batches finish out of order; run them through `take` in read order.
        let finished = (|| -> Result<()> {
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            let mut ok = true;
            while let Ok((seq, batch, results)) = done_rx.recv() {
                pending.insert(seq, (batch, results));
                while let Some((batch, mut results)) = pending.remove(&next) {
                    next += 1;
                    if ok {
                        ok = take(&batch, &mut results)?;
                        if !ok {
                            stop.store(true, Relaxed);
                        }
                    }
                    results.clear();
                    // Once the reader is done nobody takes batches back; keep draining anyway.
                    let _ = empty_tx.send(batch);
                    let _ = spare_tx.send(results);
                }
            }
            Ok(())
        })();
        // On an error the channels close as `finished`'s borrows end: the others stop.
        drop((done_rx, empty_tx, spare_tx));
        finished?;
        reader.join().expect("reader thread does not panic")?;
        Ok(())
    })
}
