//! Hostile input and hostile conditions: a writer that holds the lock, `kill -9` at
//! arbitrary points, quotes that never close, folders that point outside the dataset.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::workdir::{machakos, row, Workdir, HEADER};

#[test]
fn a_second_writer_waits_for_the_lock_and_gives_up_with_a_clear_message() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
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
    let stray = crate::workdir::stray_output_folders(wd.root());
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn an_unterminated_quote_is_reported_where_it_opened() {
    let wd = Workdir::new();
    let good = machakos();
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
    // at the quote, column 9 of line 3, not at the end of the line
    out.stderr_has("--> raw/reports/a.csv:3:9")
        .stderr_has("the quoted cell for `city` runs to the end of the file: is its closing quote missing?");
}

#[test]
fn an_unterminated_quote_on_the_last_row_of_an_excel_file_is_reported_at_the_quote() {
    // the row a contributor adds last, in a CRLF file: the open quote swallows only the
    // row's own line break, so the row ends short of cells
    let wd = Workdir::new();
    let good = machakos();
    let bad =
        "W,Kenya,Meru,Meru University,,2021-11-01,operating,,https://example.org/9,\"Meru, again,2022-01-05,,Tianjin,,";
    wd.write("raw/reports/a.csv", format!("{HEADER}\r\n{good}\r\n{bad}\r\n"));
    let col = bad.find('"').unwrap() + 1;
    wd.run(&["run"])
        .expect(1)
        .stderr_has(&format!("--> raw/reports/a.csv:3:{col}"))
        .stderr_has("is its closing quote missing?");
    let out = wd.validate_report_file("raw/reports/a.csv", &["--format", "github"]);
    let quote_errors: Vec<&str> = out.stdout.lines().filter(|l| l.contains("closing quote")).collect();
    assert!(!quote_errors.is_empty(), "{}", out.stdout);
    for e in &quote_errors {
        assert!(e.contains(&format!("file=raw/reports/a.csv,line=3,col={col},")), "{e}");
        assert!(e.contains("`source_title` runs to the end of the file"), "{e}");
    }
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

/// Runs `cmd`; false when it cannot (these tests need root for mount/chattr, which CI has).
fn try_cmd(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_previous_output() {
    let wd = Workdir::new();
    let mnt = wd.path("disk");
    std::fs::create_dir_all(&mnt).unwrap();
    if !try_cmd(
        "mount",
        &["-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt.to_str().unwrap()],
    ) {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    for d in ["raw", "schemas"] {
        assert!(Command::new("cp")
            .args(["-r", wd.path(d).to_str().unwrap(), mnt.to_str().unwrap()])
            .status()
            .unwrap()
            .success());
    }
    let report = machakos();
    std::fs::write(mnt.join("raw/reports/a.csv"), format!("{HEADER}\n{report}\n")).unwrap();
    let root = mnt.to_str().unwrap();
    let first = wd.run(&["--root", root, "run", "--quiet"]);
    assert_eq!(first.status, 0, "{first}");
    let before = std::fs::read(mnt.join("output/workshops.parquet")).unwrap();
    // change the data so that publish must write, then fill the disk
    let egypt = row(
        "Egypt",
        "Ain Shams University",
        "Cairo",
        "2020",
        "https://example.org/2",
    );
    std::fs::write(mnt.join("raw/reports/b.csv"), format!("{HEADER}\n{egypt}\n")).unwrap();
    let filler = std::fs::File::create(mnt.join("filler")).unwrap();
    let _ = std::io::Write::write_all(&mut &filler, &vec![0u8; 4 << 20]);
    drop(filler);
    let out = wd.run(&["--root", root, "run", "--quiet"]);
    assert_eq!(out.status, 2, "a full disk is a tool failure{out}");
    assert!(
        out.stderr.contains("No space left on device") || out.stderr.contains("failed to"),
        "{out}"
    );
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert_eq!(
        std::fs::read(mnt.join("output/workshops.parquet")).unwrap(),
        before,
        "output/ kept as it was"
    );
    let stray = crate::workdir::stray_output_folders(&mnt);
    assert!(stray.is_empty(), "temp folders cleaned up: {stray:?}");
}

#[test]
fn a_read_only_output_folder_fails_cleanly() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.run(&["run", "--quiet"]).expect(0);
    let out_dir = wd.path("output");
    if !try_cmd("chattr", &["+i", out_dir.to_str().unwrap()]) {
        eprintln!("skipped: chattr +i needs root and a filesystem that supports it");
        return;
    }
    let before = wd.read_bytes("output/workshops.csv");
    wd.reports(
        "b.csv",
        &[&row(
            "Egypt",
            "Ain Shams University",
            "Cairo",
            "2020",
            "https://example.org/2",
        )],
    );
    let out = wd.run(&["run"]);
    let _ = Command::new("chattr").args(["-i", out_dir.to_str().unwrap()]).status();
    assert_eq!(out.status, 2, "{out}");
    assert!(
        out.stderr.contains("failed to move the previous `output/` aside"),
        "{out}"
    );
    assert_eq!(wd.read_bytes("output/workshops.csv"), before);
}

#[test]
fn a_file_that_changes_while_being_read_never_crashes_luban() {
    let wd = Workdir::new();
    let big: String = (0..20_000)
        .map(|i| {
            format!(
                "{}\n",
                row(
                    "Kenya",
                    &format!("College {i}"),
                    "Machakos",
                    "2019",
                    &format!("https://example.org/{i}")
                )
            )
        })
        .collect();
    wd.write("raw/reports/a.csv", format!("{HEADER}\n{big}"));
    let path = wd.path("raw/reports/a.csv");
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            // rewrite the file over and over: shorter, longer, garbage in the middle
            for i in 0..200 {
                let text = match i % 3 {
                    0 => format!("{HEADER}\n{}", &big[..big.len() / 2]),
                    1 => format!("{HEADER}\n{big}{big}"),
                    _ => format!("{HEADER}\n\"{}", &big[..1000]),
                };
                let _ = std::fs::write(&path, text);
            }
        })
    };
    for _ in 0..5 {
        let out = wd.run(&["ingest", "--quiet"]);
        assert!([0, 1, 2].contains(&out.status), "{out}");
        assert!(!out.stderr.contains("panicked"), "{out}");
    }
    writer.join().unwrap();
}
