//! One writer per dataset folder. Every command that writes `build/` or `output/` holds an
//! exclusive lock on `build/.lock` (an OS file lock, released when the process ends, even
//! by `kill -9`). A second process waits for it, saying so, for up to
//! `LUBAN_LOCK_TIMEOUT` seconds (default 600), then gives up with exit status 2: two runs
//! never interleave their writes.

use std::fs::{File, OpenOptions};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::layout::Layout;
use crate::report::console::Console;

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct DatasetLock {
    _file: File,
}

/// Takes the dataset's write lock, waiting for another luban if needed.
pub fn acquire(layout: &Layout, console: &Console) -> Result<DatasetLock> {
    let dir = layout.build();
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", layout.display(&dir)))?;
    let path = dir.join(".lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open the lock file `{}`", layout.display(&path)))?;
    let timeout = std::env::var("LUBAN_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(600);
    let start = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(DatasetLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                if !told {
                    console.warn(&format!(
                        "another luban process is writing `{}`; waiting for it (up to {timeout} s)",
                        layout.root.display()
                    ));
                    told = true;
                }
                if start.elapsed() >= Duration::from_secs(timeout) {
                    bail!(
                        "another luban process kept `{}` locked for {timeout} s; stop it or wait (lock: `{}`)",
                        layout.root.display(),
                        layout.display(&path)
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("failed to lock `{}`", layout.display(&path)));
            }
        }
    }
}
