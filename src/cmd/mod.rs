//! One module per subcommand, each of the same shape: its arguments and
//! its `run`, which returns the exit status.

pub mod config;
pub mod eval;
pub mod explain;
pub mod generate;
pub mod report;
pub mod scan;
pub mod sweep;

use std::fs::File;
use std::io;
use std::path::Path;

/// The pseudonymiser keyed by a key file's contents, if one was named.
pub fn pseudonymizer(
    key: Option<&Path>,
) -> anyhow::Result<Option<scrapewatch::output::Pseudonymizer>> {
    use anyhow::Context;
    key.map(|p| {
        let material =
            std::fs::read(p).with_context(|| format!("cannot read key file {}", p.display()))?;
        Ok(scrapewatch::output::Pseudonymizer::new(&material))
    })
    .transpose()
}

/// Creates an output file readable by its owner only: outputs can hold
/// special-category personal data.
pub fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}
