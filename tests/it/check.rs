//! `luban check`, as CI runs it on a data pull request.

use crate::workdir::{row, Workdir};

#[test]
fn check_passes_on_the_committed_dataset_and_catches_what_a_pr_can_break() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check"]).expect(0).stderr_has("output/ is up to date");

    // a new report without rerunning the pipeline: output/ is stale
    let asia = wd.read("raw/reports/asia.csv");
    wd.write(
        "raw/reports/asia.csv",
        format!(
            "{asia}{}\n",
            row(
                "Laos",
                "Vientiane Technical College",
                "Vientiane",
                "2025-01",
                "https://example.org/new"
            )
        ),
    );
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[output-stale]")
        .stderr_has("run `cargo run --release -- run` and commit output/");
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check", "--quiet"]).expect(0);

    // a bad cell in an alias table is caught too, pointing at it
    let aliases = wd.read("raw/aliases/cities.csv");
    wd.write(
        "raw/aliases/cities.csv",
        format!("{aliases}Vientiane City,Vientiane,not-a-url\n"),
    );
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[type-error]")
        .stderr_has("--> raw/aliases/cities.csv:");
    wd.write("raw/aliases/cities.csv", aliases);

    // removing a report: the country's drop is flagged
    let europe = wd.read("raw/reports/europe.csv");
    let kept: Vec<&str> = europe.lines().filter(|l| !l.contains(",Serbia,")).collect();
    wd.write("raw/reports/europe.csv", kept.join("\n") + "\n");
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("SRB drops from 1 to 0 workshops");
}
