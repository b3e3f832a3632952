//! Hostile input and hostile conditions: a writer that holds the lock, `kill -9` at
//! arbitrary points, quotes that never close, folders that point outside the dataset.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::workdir::{row, Workdir, HEADER};

#[test]
fn a_second_writer_waits_for_the_lock_and_gives_up_with_a_clear_message() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[&row(
            "Kenya",
            "Machakos University",
            "Machakos",
            "2019-12-14",
            "https://example.org/1",
        )],
    );
    std::fs::create_dir_all(wd.path("build")).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(wd.path("build/.lock"))
        .unwrap();
    held.lock().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_luban"))
        .args(["run"])
        .current_dir(wd.root())
        .env("LUBAN_LOCK_TIMEOUT", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another luban process is writing"), "{stderr}");
    assert!(stderr.contains("kept") && stderr.contains("locked for 1 s"), "{stderr}");
    assert!(
        !wd.path("output").exists(),
        "nothing written while another process holds the lock"
    );
    held.unlock().unwrap();
    wd.run(&["run", "--quiet"]).expect(0);
}

#[test]
fn two_runs_at_once_never_interleave() {
    let wd = Workdir::with_committed_raw();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_luban"))
            .args(["run", "--quiet"])
            .current_dir(wd.root())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let again = Workdir::with_committed_raw();
    again.run(&["run", "--quiet"]).expect(0);
    for f in ["workshops.csv", "workshops.parquet", "datapackage.json"] {
        assert!(
            wd.read_bytes(&format!("output/{f}")) == again.read_bytes(&format!("output/{f}")),
            "{f}"
        );
    }
}

#[test]
fn kill_9_at_any_point_never_leaves_a_wrong_output_or_build() {
    let wd = Workdir::with_committed_raw();
    let reference = Workdir::with_committed_raw();
    reference.run(&["run", "--quiet"]).expect(0);
    wd.run(&["run", "--quiet"]).expect(0);
    let files = [
        "workshops.csv",
        "countries.csv",
        "workshops.parquet",
        "claims_check.csv",
        "datapackage.json",
    ];
    // Kill after a spread of delays; deterministic, covering every stage of a ~100 ms run.
    for delay_ms in [0u64, 3, 7, 12, 18, 25, 33, 42, 55, 70, 90, 120] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_luban"))
            .args(["run", "--quiet"])
            .current_dir(wd.root())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // whatever was killed, output/ is a whole previous publication
        for f in files {
            assert!(
                wd.read_bytes(&format!("output/{f}")) == reference.read_bytes(&format!("output/{f}")),
                "after a kill at {delay_ms} ms, output/{f} differs"
            );
        }
        // and the next run is right
        wd.run(&["run", "--quiet"]).expect(0);
    }
    let stray: Vec<String> = std::fs::read_dir(wd.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".output."))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn an_unterminated_quote_is_reported_where_it_opened() {
    let wd = Workdir::new();
    let good = row(
        "Kenya",
        "Machakos University",
        "Machakos",
        "2019-12-14",
        "https://example.org/1",
    );
    wd.write(
        "raw/reports/a.csv",
        format!(
            "{HEADER}\n{good}\nW,Kenya,\"Machakos,MU,,2019,operating,,https://example.org/2,,,\n{}\n{}\n",
            row("Kenya", "Meru", "", "", "https://example.org/3"),
            row("Kenya", "Taita", "", "", "https://example.org/4")
        ),
    );
    wd.run(&["ingest"]).expect(0);
    let start = Instant::now();
    let out = wd.run(&["validate"]).expect(1);
    assert!(start.elapsed() < Duration::from_secs(10));
    out.stderr_has("--> raw/reports/a.csv:3:")
        .stderr_has("is its closing quote missing?");
}

#[test]
fn a_reports_folder_that_points_outside_the_dataset_is_refused() {
    let wd = Workdir::new();
    let outside = Workdir::empty();
    outside.write("x.csv", format!("{HEADER}\n"));
    std::fs::remove_dir_all(wd.path("raw/reports")).unwrap();
    std::os::unix::fs::symlink(outside.root(), wd.path("raw/reports")).unwrap();
    let out = wd.run(&["ingest"]).expect(2);
    out.stderr_has("outside the dataset");
}
