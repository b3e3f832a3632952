//! Human output. Humans read stderr; stdout carries only data or machine reports
//! (`--format json`), so `luban validate --format json | jq` always works.

use std::io::{IsTerminal, Write};

/// Whether stderr gets colour: only on a terminal, and never when `NO_COLOR` is set.
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Console settings shared by every command.
#[derive(Debug, Clone, Copy, Default)]
pub struct Console {
    pub quiet: bool,
}

impl Console {
    /// A status line ("ingest: 120 rows in, 120 out") unless `--quiet`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }
    /// A warning, shown even with `--quiet`.
    pub fn warn(&self, msg: &str) {
        let _ = writeln!(std::io::stderr(), "warning: {msg}");
    }
    /// A pre-rendered block (diagnostics), shown even with `--quiet`.
    pub fn block(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}
