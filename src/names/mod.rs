//! Names as sources spell them, and what they mean: the comparison key every name is
//! matched by ([`key`]), country resolution from the maintained reference tables
//! ([`countries`]), and the curated alias tables for cities, host institutions and
//! Chinese partners ([`aliases`]); the gazetteer of cities with coordinates ([`places`]);
//! how two names of a host institution compare, as evidence for record linkage
//! ([`compare`]), with a Chinese rendering of a foreign name compared by sound
//! ([`phonetic`]) and institution words of other languages read in English ([`words`]).

pub mod aliases;
pub mod compare;
pub mod countries;
pub mod key;
pub mod matcher;
pub mod phonetic;
pub mod places;
pub mod similarity;
pub mod words;
