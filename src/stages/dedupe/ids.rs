//! Workshop ids: `<ISO alpha-3>-<8 hex digits of the SHA-256 of the workshop's identity>`
//! (`clusters::Cluster::identity`), the same on every rerun and for any input order. Two
//! workshops whose 8-digit ids collide (a 32-bit hash: about 3 collisions among 170 000
//! workshops of one country; never in the real data) both get 16 digits.

use anyhow::{bail, Result};
use sha2::{Digest, Sha256};

fn id_of_length(country: &str, identity: &str, digits: usize) -> String {
    format!(
        "{country}-{}",
        &hex::encode(Sha256::digest(identity.as_bytes()))[..digits]
    )
}

/// Both forms a workshop's id can take (a decision may name either).
pub fn both_ids(country: &str, identity: &str) -> [String; 2] {
    [id_of_length(country, identity, 8), id_of_length(country, identity, 16)]
}

/// The workshops-to-be with their ids, sorted by id (then identity): `code` gives each
/// one's country code, `identity` what its id is a hash of.
pub fn assign<T>(
    items: Vec<T>,
    code: impl Fn(&T) -> String,
    identity: impl Fn(&T) -> &str,
) -> Result<Vec<(String, T)>> {
    let mut with_ids: Vec<(String, T)> = items
        .into_iter()
        .map(|c| (id_of_length(&code(&c), identity(&c), 8), c))
        .collect();
    let by_id = |a: &(String, T), b: &(String, T)| a.0.cmp(&b.0).then_with(|| identity(&a.1).cmp(identity(&b.1)));
    with_ids.sort_unstable_by(by_id);
    let collided: Vec<bool> = (0..with_ids.len())
        .map(|i| {
            (i > 0 && with_ids[i - 1].0 == with_ids[i].0) || with_ids.get(i + 1).is_some_and(|n| n.0 == with_ids[i].0)
        })
        .collect();
    if collided.contains(&true) {
        for ((id, c), _) in with_ids.iter_mut().zip(&collided).filter(|(_, c)| **c) {
            *id = id_of_length(&code(c), identity(c), 16);
        }
        with_ids.sort_unstable_by(by_id);
    }
    if let Some(w) = with_ids.windows(2).find(|w| w[0].0 == w[1].0) {
        bail!("internal error: workshop id {} given to two workshops", w[0].0);
    }
    Ok(with_ids)
}
