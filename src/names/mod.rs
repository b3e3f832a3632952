//! Names as sources spell them, and what they mean: the comparison key every name is
//! matched by ([`key`]), country resolution from the maintained reference tables
//! ([`countries`]), and the curated alias tables for cities, host institutions and
//! Chinese partners ([`aliases`]); the gazetteer of cities with coordinates ([`places`]); how two names of a host institution compare, as
//! evidence for record linkage ([`compare`]).

pub mod aliases;
pub mod compare;
pub mod countries;
pub mod key;
pub mod matcher;
pub mod places;
pub mod similarity;
