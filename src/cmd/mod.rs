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

/// Writes `text` to stdout through one lock and flushes it, so a closed
/// pipe or a full disk is an error the command returns (`main` ends a
/// closed pipe quietly with 0, anything else with 2) instead of the panic
/// of `print!`.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// Writes a command's JSON document (`--json FILE`) to FILE, created
/// private, or to stdout for `-`. Every command's JSON option takes a
/// FILE this way.
pub fn write_json_to(path: &Path, doc: &serde_json::Value) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        write_stdout(&(serde_json::to_string_pretty(doc)? + "\n"))
    } else {
        scan::write_json(path, doc)
    }
}
