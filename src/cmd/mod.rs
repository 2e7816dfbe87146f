//! One module per subcommand, each of the same shape: its arguments and
//! its `run`, which returns the exit status. Here too what they share at
//! the edge: the key file, the terminal's width, and how output files are
//! checked against the inputs and written.

pub mod config;
pub mod eval;
pub mod explain;
pub mod generate;
pub mod options;
pub mod partition;
pub mod report;
pub mod scan;
pub mod sweep;
pub mod verify;

use anyhow::Context;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The shortest key file `--pseudonymize` accepts. A pseudonym is only as
/// hard to reverse as its key is to guess: identities and ips are few
/// enough to try every one under every short key.
pub const MIN_KEY_BYTES: usize = 16;

/// The pseudonymiser keyed by a key file's contents, if one was named.
/// Errors when the key is shorter than [`MIN_KEY_BYTES`].
pub fn pseudonymizer(
    key: Option<&Path>,
) -> anyhow::Result<Option<scrapewatch::output::Pseudonymizer>> {
    key.map(|p| {
        let material =
            std::fs::read(p).with_context(|| format!("cannot read key file {}", p.display()))?;
        if material.len() < MIN_KEY_BYTES {
            anyhow::bail!(scrapewatch::Error::config(format!(
                "key file {}: {} byte{}; --pseudonymize needs a key of at least {MIN_KEY_BYTES} \
                 bytes (make one with `head -c 32 /dev/urandom > {}` and keep it secret)",
                p.display(),
                material.len(),
                if material.len() == 1 { "" } else { "s" },
                p.display(),
            )));
        }
        Ok(scrapewatch::output::Pseudonymizer::new(&material))
    })
    .transpose()
}

/// The width the table should fit on stdout: `COLUMNS` when set to a
/// number, else the terminal's width when stdout is one (80 if it will not
/// say), else `None`: a pipe or a file gets whole lines, for `less -S`,
/// `grep` and scripts.
pub fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return Some(n);
    }
    if !io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which
    // points to a live, writable `winsize` owned by this frame.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    Some(if rc == 0 && size.ws_col > 0 {
        size.ws_col as usize
    } else {
        80
    })
}

/// The auxiliary files every scanning command reads (its configuration
/// and watchlist), for [`check_outputs`].
pub fn scan_reads(options: &options::ScanOptions) -> impl Iterator<Item = &Path> {
    [options.config.as_deref(), options.watchlist.as_deref()]
        .into_iter()
        .flatten()
}

/// Refuses, before anything is read or written, an output that would
/// destroy an input or be written through a link: an output path that is
/// a symbolic link, or that is the same file (device and inode, so through
/// links and hard links too) as one of `reads` or as another output.
/// `-` (stdout) and paths that do not exist yet pass.
pub fn check_outputs(outputs: &[&Path], reads: &[&Path]) -> anyhow::Result<()> {
    let refuse = |message: String| Err(scrapewatch::Error::config(message).into());
    let mut seen: Vec<(u64, u64, &Path)> = Vec::new();
    for &out in outputs.iter().filter(|p| p.as_os_str() != "-") {
        let meta = match std::fs::symlink_metadata(out) {
            Ok(m) => m,
            Err(_) => continue, // a new file, or an error the write will name
        };
        if meta.file_type().is_symlink() {
            return refuse(symlink_refusal(out));
        }
        let id = (meta.dev(), meta.ino());
        for &input in reads.iter().filter(|p| p.as_os_str() != "-") {
            if let Ok(m) = std::fs::metadata(input) {
                if (m.dev(), m.ino()) == id {
                    return refuse(format!(
                        "{}: is also an input ({}); refusing to overwrite it (name another output file)",
                        out.display(),
                        input.display()
                    ));
                }
            }
        }
        if let Some((_, _, other)) = seen.iter().find(|s| (s.0, s.1) == id) {
            return refuse(format!(
                "{}: is also named as another output ({}); name two different files",
                out.display(),
                other.display()
            ));
        }
        seen.push((id.0, id.1, out));
    }
    Ok(())
}

fn symlink_refusal(path: &Path) -> String {
    format!(
        "{}: is a symbolic link; scrapewatch does not write outputs through links \
         (name the file itself, or remove the link)",
        path.display()
    )
}

/// An output file being written. A regular file is written to a new file
/// readable by its owner only (outputs can hold special-category personal
/// data) beside the destination, and renamed over it by [`commit`]: a run
/// that fails leaves the old file, or none, never half a file, and an
/// existing file's looser mode does not carry over. A device or FIFO
/// (`/dev/null`) is written in place. A symbolic link is refused.
///
/// [`commit`]: OutputFile::commit
pub struct OutputFile {
    dest: PathBuf,
    /// The temporary file, for a regular destination.
    staged: Option<PathBuf>,
    file: BufWriter<File>,
}

impl OutputFile {
    /// Starts writing `dest`. Errors name the file.
    pub fn create(dest: &Path) -> anyhow::Result<OutputFile> {
        let name = || dest.display().to_string();
        match std::fs::symlink_metadata(dest) {
            Ok(m) if m.file_type().is_symlink() => {
                anyhow::bail!(scrapewatch::Error::config(symlink_refusal(dest)))
            }
            Ok(m) if m.is_dir() => anyhow::bail!("{}: is a directory", name()),
            Ok(m) if m.file_type().is_char_device() || m.file_type().is_fifo() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(dest)
                    .with_context(name)?;
                return Ok(OutputFile {
                    dest: dest.to_path_buf(),
                    staged: None,
                    file: BufWriter::new(file),
                });
            }
            _ => {}
        }
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let base = dest
            .file_name()
            .with_context(|| format!("{}: not a file name", name()))?
            .to_string_lossy()
            .into_owned();
        let mut attempt = 0u32;
        loop {
            let temp = dir.join(format!(
                ".{base}.{}.{attempt}.scrapewatch-tmp",
                std::process::id()
            ));
            // create_new (O_EXCL) neither follows nor reuses anything there.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)
            {
                Ok(file) => {
                    return Ok(OutputFile {
                        dest: dest.to_path_buf(),
                        staged: Some(temp),
                        file: BufWriter::new(file),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("{}: cannot create a file in {}", name(), dir.display())
                    })
                }
            }
        }
    }

    /// Finishes the file: flushed, synced, and renamed into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let name = self.dest.display().to_string();
        self.file.flush().with_context(|| name.clone())?;
        if let Some(temp) = self.staged.take() {
            let done = self
                .file
                .get_ref()
                .sync_all()
                .and_then(|_| std::fs::rename(&temp, &self.dest));
            if let Err(e) = done {
                let _ = std::fs::remove_file(&temp);
                return Err(e).with_context(|| name);
            }
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for OutputFile {
    /// A file never committed is removed: the run failed.
    fn drop(&mut self) {
        if let Some(temp) = self.staged.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Writes `bytes` to `path` as an [`OutputFile`].
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = OutputFile::create(path)?;
    f.write_all(bytes)
        .with_context(|| path.display().to_string())?;
    f.commit()
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

/// A command's JSON document (an object) with the
/// [`scrapewatch::finding::SCHEMA_VERSION`] it is written in.
pub fn versioned(doc: impl serde::Serialize) -> anyhow::Result<serde_json::Value> {
    let mut value = serde_json::to_value(doc)?;
    match value.as_object_mut() {
        Some(map) => {
            map.insert(
                "schema_version".into(),
                scrapewatch::finding::SCHEMA_VERSION.into(),
            );
            Ok(value)
        }
        None => anyhow::bail!("internal error: a JSON document that is not an object"),
    }
}

/// Writes a command's JSON document (`--json FILE`) to FILE, created
/// private, or to stdout for `-`. Every command's JSON option takes a
/// FILE this way.
pub fn write_json_to(path: &Path, doc: &serde_json::Value) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        write_stdout(&(scrapewatch::output::to_json_pretty(doc)? + "\n"))
    } else {
        scan::write_json(path, doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_output_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("findings.csv");
        std::fs::write(&dest, "old\n").unwrap();
        let mut f = OutputFile::create(&dest).unwrap();
        f.write_all(b"half a fi").unwrap();
        drop(f); // the run failed before commit
        assert_eq!(std::fs::read(&dest).unwrap(), b"old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut f = OutputFile::create(&dest).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
