//! A dictionary of distinct texts.

/// Distinct texts, each with an id: its position in the order texts were first added.
/// The texts are kept end to end in one string and the hash table holds only ids, so a
/// dictionary of millions of names (10M generated reports name ~5M distinct cells) costs
/// about the texts themselves plus 12 bytes a name.
#[derive(Clone, Default)]
pub struct Names {
    text: String,
    /// by id: where its text ends in `text`
    ends: Vec<usize>,
    table: hashbrown::HashTable<u32>,
    hasher: ahash::RandomState,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Names {
    fn eq(&self, other: &Names) -> bool {
        self.ends == other.ends && self.text == other.text
    }
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of `id` (an id this dictionary gave).
    pub fn text(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The id of `text`, if it was added.
    pub fn get(&self, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.table.find(hash, |&id| self.text(id) == text).copied()
    }

    /// The id of `text`, adding it when new.
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.get(text) {
            return id;
        }
        let id = u32::try_from(self.ends.len())
            .ok()
            .filter(|&id| id < super::NONE)
            .expect("fewer than 4 billion distinct names");
        self.text.push_str(text);
        self.ends.push(self.text.len());
        let Names {
            text: all,
            ends,
            table,
            hasher,
        } = self;
        let text_of = |id: u32| {
            let i = id as usize;
            &all[if i == 0 { 0 } else { ends[i - 1] }..ends[i]]
        };
        table.insert_unique(hasher.hash_one(text), id, |&other| hasher.hash_one(text_of(other)));
        id
    }

    /// Every text, in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len() as u32).map(|id| self.text(id))
    }
}

impl<'a> FromIterator<&'a str> for Names {
    fn from_iter<I: IntoIterator<Item = &'a str>>(texts: I) -> Names {
        let mut names = Names::new();
        for t in texts {
            names.id(t);
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_given_in_the_order_texts_are_first_added() {
        let mut n = Names::new();
        assert_eq!(n.id("Machakos"), 0);
        assert_eq!(n.id(""), 1);
        assert_eq!(n.id("Öskemen"), 2);
        assert_eq!(n.id("Machakos"), 0);
        assert_eq!(n.get("Öskemen"), Some(2));
        assert_eq!(n.get("Oskemen"), None);
        assert_eq!(n.iter().collect::<Vec<_>>(), ["Machakos", "", "Öskemen"]);
        // many texts: the table grows and keeps every id
        let many: Vec<String> = (0..5000).map(|i| format!("name {i}")).collect();
        for t in &many {
            n.id(t);
        }
        for (i, t) in many.iter().enumerate() {
            assert_eq!(n.get(t), Some(i as u32 + 3));
            assert_eq!(n.text(i as u32 + 3), t);
        }
    }
}
