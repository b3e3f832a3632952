//! A column of texts.

/// Texts end to end in one string, with each cell's end: one allocation for a column of
/// millions of cells. An empty text stands for an absent one (normalize keeps no empty
/// text: a cell that trims to nothing is a missing value).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries((0..self.len()).map(|i| self.get(i))).finish()
    }
}

impl Texts {
    pub fn new() -> Texts {
        Texts::default()
    }

    pub fn with_capacity(cells: usize, bytes: usize) -> Texts {
        Texts {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(cells),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of all its texts.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    pub fn push(&mut self, text: Option<&str>) {
        self.text.push_str(text.unwrap_or_default());
        self.ends.push(self.text.len());
    }

    /// Cell `i`'s text, or None when it is empty.
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..self.ends[i]]).filter(|t| !t.is_empty())
    }

    /// Cell `i`'s text, empty when absent.
    pub fn str(&self, i: usize) -> &str {
        self.get(i).unwrap_or_default()
    }

    /// Appends every cell of `other`.
    pub fn extend(&mut self, other: &Texts) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// The cells at `rows`, in that order.
    pub fn gather(&self, rows: &[u32]) -> Texts {
        let mut out = Texts::with_capacity(rows.len(), rows.len() * (self.text.len() / self.len().max(1)));
        for &i in rows {
            out.push(self.get(i as usize));
        }
        out
    }
}

impl<'a> FromIterator<Option<&'a str>> for Texts {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(cells: I) -> Texts {
        let mut t = Texts::new();
        for c in cells {
            t.push(c);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_come_back_as_pushed_and_empty_is_absent() {
        let t: Texts = [Some("a"), None, Some(""), Some("科特迪瓦")].into_iter().collect();
        assert_eq!(t.len(), 4);
        assert_eq!(
            (0..4).map(|i| t.get(i)).collect::<Vec<_>>(),
            [Some("a"), None, None, Some("科特迪瓦")]
        );
        let mut u = Texts::new();
        u.push(Some("b"));
        u.extend(&t);
        assert_eq!(u.get(4), Some("科特迪瓦"));
        assert_eq!(u.gather(&[4, 0]).get(1), Some("b"));
    }
}
