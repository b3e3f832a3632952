//! The comparison keys of the names dedupe matches on (hosts, cities, partners): each
//! name's [`name_key`], numbered, so that rules compare key ids, not texts.

use rayon::prelude::*;

use crate::model::Reports;
use crate::names::key::name_key;
use crate::table::{Names, NONE};

/// The comparison key ([`name_key`]) of every host, city and partner name, computed once
/// per distinct name, on every core (a key costs a transliteration), and numbered: names
/// with the same key get the same key id. A name whose key is empty ("-", "(NBPT)",
/// "Luban Workshop") names nothing: the accessors by report leave it out, so no rule
/// matches or groups reports on it.
pub(super) struct Keys {
    /// by host, city and partner name id: the id of its key
    host: Vec<u32>,
    city: Vec<u32>,
    partner: Vec<u32>,
    /// the key texts, by key id
    texts: Names,
    /// the id of the empty key (NONE when no name has it)
    empty: u32,
}

impl Keys {
    pub(super) fn of(r: &Reports) -> Keys {
        let d = &r.dict;
        let mut texts = Names::new();
        let mut ids_of = |dict: &Names| -> Vec<u32> {
            let keys: Vec<String> = (0..dict.len() as u32)
                .into_par_iter()
                .map(|id| name_key(dict.text(id)))
                .collect();
            keys.iter().map(|k| texts.id(k)).collect()
        };
        let (host, city, partner) = (ids_of(&d.hosts), ids_of(&d.cities), ids_of(&d.partners));
        Keys {
            host,
            city,
            partner,
            empty: texts.get("").unwrap_or(NONE),
            texts,
        }
    }

    /// The key of host name `h`.
    pub(super) fn host_text(&self, h: u32) -> &str {
        self.texts.text(self.host[h as usize])
    }

    /// The key id of host name `h`.
    pub(super) fn host_key(&self, h: u32) -> u32 {
        self.host[h as usize]
    }

    /// The text of key id `key` ("" for a name that is only punctuation or stop-words).
    pub(super) fn text(&self, key: u32) -> &str {
        self.texts.text(key)
    }

    /// How many keys there are (ids are below it).
    pub(super) fn len(&self) -> usize {
        self.texts.len()
    }

    /// The key ids of report `i`'s hosts.
    pub(super) fn hosts_of<'a>(&'a self, r: &'a Reports, i: usize) -> impl Iterator<Item = u32> + 'a {
        let ids = r.host_institutions.get(i).iter();
        ids.map(|&h| self.host[h as usize]).filter(|&k| k != self.empty)
    }

    /// The key id of report `i`'s city.
    pub(super) fn city_of(&self, r: &Reports, i: usize) -> Option<u32> {
        (r.city[i] != NONE)
            .then(|| self.city[r.city[i] as usize])
            .filter(|&k| k != self.empty)
    }

    /// The key ids of report `i`'s partners, in its order.
    pub(super) fn partners_of<'a>(&'a self, r: &'a Reports, i: usize) -> impl Iterator<Item = u32> + 'a {
        let ids = r.chinese_partners.get(i).iter();
        ids.map(|&p| self.partner[p as usize]).filter(|&k| k != self.empty)
    }
}
