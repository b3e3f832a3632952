//! Columns of lists: of ids, and of texts.

use super::Texts;

/// Each row's list of ids, the lists end to end in one vector with the start of each:
/// two allocations for a column of millions of lists.
#[derive(Clone, PartialEq, Eq)]
pub struct IdLists {
    ids: Vec<u32>,
    /// `starts[i]..starts[i + 1]` are row `i`'s ids; starts with 0
    starts: Vec<u32>,
}

impl Default for IdLists {
    fn default() -> IdLists {
        IdLists {
            ids: Vec::new(),
            starts: vec![0],
        }
    }
}

impl std::fmt::Debug for IdLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries((0..self.len()).map(|i| self.get(i))).finish()
    }
}

impl IdLists {
    pub fn new() -> IdLists {
        IdLists::default()
    }

    /// Room for `rows` lists of `items` ids in all.
    pub fn with_capacity(rows: usize, items: usize) -> IdLists {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        IdLists {
            ids: Vec::with_capacity(items),
            starts,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, ids: &[u32]) {
        self.ids.extend_from_slice(ids);
        let end = u32::try_from(self.ids.len()).expect("fewer than 4 billion list items in a column");
        self.starts.push(end);
    }

    /// Row `i`'s ids.
    pub fn get(&self, i: usize) -> &[u32] {
        &self.ids[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// Every row's ids, in row order.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends every row of `other`.
    pub fn extend(&mut self, other: &IdLists) {
        for l in other.iter() {
            self.push(l);
        }
    }

    /// The rows at `rows`, in that order.
    pub fn gather(&self, rows: &[u32]) -> IdLists {
        let mut out = IdLists {
            ids: Vec::with_capacity(rows.len()),
            starts: Vec::with_capacity(rows.len() + 1),
        };
        out.starts.push(0);
        for &i in rows {
            out.push(self.get(i as usize));
        }
        out
    }
}

/// Lists of texts, one list per row, the texts end to end in one [`Texts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLists {
    pub texts: Texts,
    /// `starts[i]..starts[i + 1]` are row `i`'s texts; starts with 0
    pub starts: Vec<u32>,
}

impl Default for TextLists {
    fn default() -> TextLists {
        TextLists {
            texts: Texts::new(),
            starts: vec![0],
        }
    }
}

impl TextLists {
    /// Room for `rows` lists of `items` texts in all, of `bytes` bytes.
    pub fn with_capacity(rows: usize, items: usize, bytes: usize) -> TextLists {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        TextLists {
            texts: Texts::with_capacity(items, bytes),
            starts,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push<'a>(&mut self, items: impl IntoIterator<Item = &'a str>) {
        for t in items {
            self.texts.push(Some(t));
        }
        self.starts
            .push(u32::try_from(self.texts.len()).expect("fewer than 4 billion list items"));
    }

    /// Row `i`'s texts.
    pub fn get(&self, i: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        (self.starts[i] as usize..self.starts[i + 1] as usize).map(|k| self.texts.str(k))
    }

    pub fn count(&self, i: usize) -> usize {
        (self.starts[i + 1] - self.starts[i]) as usize
    }

    /// Where `text` is among all the texts, if row `i` (its texts sorted) holds it.
    pub fn find_sorted(&self, i: usize, text: &str) -> Option<usize> {
        let (mut lo, mut hi) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.texts.str(mid).cmp(text) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_row_finds_its_own_texts_only() {
        let mut l = TextLists::default();
        l.push(["a", "c"]);
        l.push([]);
        l.push(["b", "d", "f"]);
        assert_eq!(l.find_sorted(2, "d"), Some(3));
        assert_eq!(l.find_sorted(2, "b"), Some(2));
        assert_eq!(l.find_sorted(2, "f"), Some(4));
        assert_eq!(l.find_sorted(2, "a"), None, "another row's text");
        assert_eq!(l.find_sorted(1, "a"), None);
        assert_eq!(l.find_sorted(0, "c"), Some(1));
    }

    #[test]
    fn lists_come_back_as_pushed() {
        let mut l = IdLists::new();
        l.push(&[3, 1]);
        l.push(&[]);
        l.push(&[7]);
        assert_eq!(l.len(), 3);
        assert_eq!(l.iter().collect::<Vec<_>>(), [&[3, 1][..], &[], &[7]]);
    }

    #[test]
    fn text_lists_come_back_as_pushed() {
        let mut l = TextLists::default();
        l.push(["https://a", "https://b"]);
        l.push([]);
        assert_eq!(l.len(), 2);
        assert_eq!(l.get(0).collect::<Vec<_>>(), ["https://a", "https://b"]);
        assert_eq!(l.count(1), 0);
    }
}
