//! Columnar records: the reports and workshops that stages hand each other are tables of
//! columns, not vectors of structs. A name column holds ids into a [`Names`] dictionary
//! (each distinct text once, numbered in the order first met, which is row order and so
//! the same on every run); a text column is one string with the ends of its cells
//! ([`Texts`]); a list column is one vector of ids with the start of each row's list
//! ([`IdLists`]). Work then runs over plain arrays: sorted, grouped and gathered by
//! position, with no pointer to chase per record.
//!
//! [`artifact`] writes and reads such tables as Arrow IPC files in `build/`, so that a
//! notebook opens any intermediate stage. [`csvio`] is the CSV dialect and the atomic
//! writes every file goes through; [`lock`] keeps two runs off one dataset.

pub mod artifact;
pub mod csvio;
mod lists;
pub mod lock;
mod names;
mod texts;

pub use lists::{IdLists, TextLists};
pub use names::Names;
pub use texts::Texts;

/// The id of an absent name (an empty cell).
pub const NONE: u32 = u32::MAX;
