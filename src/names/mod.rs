//! Names as sources spell them, and what they mean: the comparison key every name is
//! matched by ([`key`]), country resolution from the maintained reference tables
//! ([`countries`]), and the curated alias tables for cities, host institutions and
//! Chinese partners ([`aliases`]).

pub mod aliases;
pub mod countries;
pub mod key;
pub mod matcher;
pub mod similarity;
