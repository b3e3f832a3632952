//! What luban tells people: rustc-like diagnostics that point at a CSV cell, validation
//! reports in each output format (human, JSON, GitHub annotations, Frictionless' shape),
//! and the console and progress lines on stderr. Stages produce records; this module
//! decides how they look.

pub mod console;
pub mod diagnostic;
pub mod error_report;
pub mod frictionless_report;
pub mod progress;
