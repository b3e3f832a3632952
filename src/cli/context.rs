//! What every command needs before it runs: the resolved dataset layout and console
//! settings, plus loaders for the schema, country and alias tables, so that a broken
//! schema or table fails before any data is read.

use std::path::Path;

use anyhow::Result;

use crate::layout::Layout;
use crate::names::countries::CountryResolver;
use crate::report::console::Console;
use crate::schema::TableSchema;
use crate::stages::normalize::Aliases;

pub struct Ctx {
    root: std::path::PathBuf,
    pub console: Console,
    pub color: bool,
}

impl Ctx {
    /// A progress bar for a stage (drawn only on a terminal, after a second, without
    /// `--quiet`).
    pub fn progress(&self, stage: &str, unit: crate::report::progress::Unit) -> crate::report::progress::Progress {
        crate::report::progress::Progress::new(&self.console, stage, unit)
    }

    pub fn open(root: &Path, quiet: bool, color: bool) -> Result<Ctx> {
        Ok(Ctx {
            root: root.to_path_buf(),
            console: Console { quiet },
            color,
        })
    }

    /// The dataset layout; fails when `--root` is not a dataset.
    pub fn layout(&self) -> Result<Layout> {
        Layout::open(&self.root)
    }

    /// The dataset layout, with the write lock held (see `lock`).
    /// Also sets memory up for the size of the dataset (see `scale`).
    pub fn layout_locked(&self) -> Result<(Layout, crate::table::lock::DatasetLock)> {
        let layout = Layout::open(&self.root)?;
        crate::scale::fit(&layout);
        let lock = crate::table::lock::acquire(&layout, &self.console)?;
        Ok((layout, lock))
    }

    pub fn reports_schema(&self, layout: &Layout) -> Result<TableSchema> {
        let path = layout.schema("reports");
        TableSchema::load(&path, &layout.display(&path))
    }

    pub fn countries(&self, layout: &Layout) -> Result<CountryResolver> {
        CountryResolver::load(layout)
    }

    pub fn aliases(&self, layout: &Layout) -> Result<Aliases> {
        Aliases::load(layout)
    }
}
