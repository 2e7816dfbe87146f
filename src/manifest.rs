//! Run manifests: the provenance of one scan, written with `--manifest`
//! and checked by `verify`. A manifest holds the tool's version and build,
//! the full effective configuration and its digest, the watchlist's digest,
//! every input's size, modification time and BLAKE3 digest, the line
//! account per file, the findings' digest and count, and the run's start
//! and end (its only clock values: a manifest is not a findings output).
//!
//! Digests are plain BLAKE3, or BLAKE3 keyed by a key derived from the
//! pseudonymisation key when the run pseudonymised: a plain digest of a
//! small file (a watchlist, one person's log) can be confirmed by anyone
//! who guesses its content, a keyed one only by the key's holder. The
//! manifest says which ([`Manifest::digests`]).
//!
//! This module computes and compares; it prints nothing and decides no
//! exit code ([`Manifest::compare`] returns the differences).

use crate::error::{Error, ErrorKind, Result};
use crate::finding::{Finding, SCHEMA_VERSION};
use crate::Config;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How the digests of a manifest were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestKind {
    /// Plain BLAKE3 of the bytes.
    Blake3,
    /// BLAKE3 keyed by a key derived from the `--pseudonymize` key file.
    Blake3Keyed,
}

/// Computes the digests of one run: plain, or keyed.
#[derive(Clone)]
pub struct Digester {
    key: Option<[u8; 32]>,
}

impl Digester {
    /// Plain BLAKE3.
    pub fn plain() -> Digester {
        Digester { key: None }
    }

    /// BLAKE3 keyed by a key derived from `key_material` (the contents of
    /// the pseudonymisation key file; a different derivation from the
    /// pseudonyms', so a digest never equals a pseudonym).
    pub fn keyed(key_material: &[u8]) -> Digester {
        Digester {
            key: Some(blake3::derive_key(
                "scrapewatch 2026 manifest digests v1",
                key_material,
            )),
        }
    }

    /// Which kind of digest this computes.
    pub fn kind(&self) -> DigestKind {
        match self.key {
            Some(_) => DigestKind::Blake3Keyed,
            None => DigestKind::Blake3,
        }
    }

    fn hasher(&self) -> blake3::Hasher {
        match &self.key {
            Some(k) => blake3::Hasher::new_keyed(k),
            None => blake3::Hasher::new(),
        }
    }

    /// The digest of `bytes`, as hex.
    pub fn bytes(&self, bytes: &[u8]) -> String {
        let mut h = self.hasher();
        h.update(bytes);
        h.finalize().to_hex().to_string()
    }

    /// The digest of a file's bytes, memory-mapped and hashed on the
    /// rayon pool (a read loop for what cannot be mapped); errors name
    /// the file.
    pub fn file(&self, path: &Path) -> Result<String> {
        let mut h = self.hasher();
        h.update_mmap_rayon(path).map_err(|e| Error::io(path, &e))?;
        Ok(h.finalize().to_hex().to_string())
    }

    /// The digest and count of findings, over the bytes of their JSON
    /// lines output (whatever format the run wrote for people).
    pub fn findings(&self, findings: &[Finding]) -> Result<FindingsRecord> {
        let mut lines = Vec::new();
        crate::output::write(
            &mut lines,
            findings,
            crate::output::OutputFormat::Json,
            crate::output::Style::default(),
        )
        .map_err(|e| Error::new(ErrorKind::Io, format!("findings digest: {e}")))?;
        Ok(FindingsRecord {
            count: findings.len() as u64,
            digest: self.bytes(&lines),
        })
    }
}

/// The tool that made a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `scrapewatch`.
    pub name: String,
    /// The crate version.
    pub version: String,
    /// The git commit it was built from, or `unknown`.
    pub build: String,
}

impl Tool {
    /// This build of the tool.
    pub fn current() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            build: option_env!("SCRAPEWATCH_BUILD").unwrap_or("unknown").into(),
        }
    }
}

/// A file the run read, as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The path as the user gave it (or as a directory walk found it).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, RFC 3339 UTC (informative: a copy changes it
    /// and not the bytes).
    pub mtime: Option<String>,
    /// Digest of its bytes (compressed files: of the compressed bytes).
    pub digest: String,
}

impl FileRecord {
    /// Stats and hashes `path`.
    pub fn read(path: &Path, digester: &Digester) -> Result<FileRecord> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        Ok(FileRecord {
            digest: digester.file(path)?,
            ..FileRecord::stat(path, &meta)
        })
    }

    /// `path` as `meta` describes it, with no digest yet.
    pub fn stat(path: &Path, meta: &std::fs::Metadata) -> FileRecord {
        FileRecord {
            path: path.display().to_string(),
            size: meta.len(),
            mtime: mtime(meta),
            digest: String::new(),
        }
    }
}

fn mtime(meta: &std::fs::Metadata) -> Option<String> {
    let since = meta.modified().ok()?;
    let ms = match since.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).ok()?,
        Err(e) => -i64::try_from(e.duration().as_millis()).ok()?,
    };
    Some(crate::time::format(ms))
}

/// The findings of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsRecord {
    /// How many were written.
    pub count: u64,
    /// Digest of their JSON lines.
    pub digest: String,
}

/// What shaped the findings besides the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    /// `--no-detect`: no detector ran.
    pub no_detect: bool,
    /// `--show-suppressed`: allow-listed findings were written too.
    pub show_suppressed: bool,
    /// `--pseudonymize`: the findings were pseudonymised.
    pub pseudonymized: bool,
    /// `--since`, RFC 3339 UTC.
    pub since: Option<String>,
    /// `--until`, RFC 3339 UTC.
    pub until: Option<String>,
}

/// A run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// When the run started, RFC 3339 UTC.
    pub started: String,
    /// When it ended.
    pub ended: String,
    /// How every digest here was computed.
    pub digests: DigestKind,
    /// The full effective configuration (defaults, file, `--set`, flags)
    /// as TOML.
    pub config: String,
    /// Digest of `config`.
    pub config_digest: String,
    /// The watchlist, if one was used.
    pub watchlist: Option<FileRecord>,
    /// What shaped the findings besides the configuration.
    pub options: RunOptions,
    /// Every input.
    pub inputs: Vec<FileRecord>,
    /// The line account per file (the summary's `per_file`).
    pub line_account: serde_json::Value,
    /// The findings written.
    pub findings: FindingsRecord,
}

/// One thing that differs between a manifest and a re-run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What differs, e.g. `input logs/a.log digest`.
    pub what: String,
    /// Its value in the manifest.
    pub was: String,
    /// Its value now.
    pub now: String,
}

impl Manifest {
    /// The effective configuration as the manifest holds it, and its
    /// digest.
    pub fn config_text(config: &Config, digester: &Digester) -> Result<(String, String)> {
        let text = toml::to_string_pretty(config)
            .map_err(|e| Error::config(format!("config does not serialize: {e}")))?;
        let digest = digester.bytes(text.as_bytes());
        Ok((text, digest))
    }

    /// Reads a manifest, refusing other schema versions.
    pub fn parse(text: &str, name: &str) -> Result<Manifest> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Data, format!("{name}: not a manifest: {e}")))?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                    "{name}: manifest schema_version {v}; this scrapewatch reads {SCHEMA_VERSION}"
                ),
                ))
            }
            None => {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!("{name}: not a manifest: no schema_version"),
                ))
            }
        }
        serde_json::from_value(value)
            .map_err(|e| Error::new(ErrorKind::Data, format!("{name}: not a manifest: {e}")))
    }

    /// The manifest's configuration, loaded and checked. (Whether it
    /// still matches its digest is for [`Manifest::compare`] to say.)
    pub fn load_config(&self) -> Result<Config> {
        let config: Config = toml::from_str(&self.config)
            .map_err(|e| Error::config(format!("manifest config: {}", e.message())))?;
        config.validate()?;
        Ok(config)
    }

    /// What differs between this manifest and `now` (a re-run's
    /// manifest): tool, configuration, watchlist, options, each input's
    /// size and digest, the line account, the findings. Start, end and
    /// modification times are not compared: they say when, not what.
    pub fn compare(&self, now: &Manifest) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut check = |what: String, was: String, now: String| {
            if was != now {
                changes.push(Change { what, was, now });
            }
        };
        check(
            "tool version".into(),
            self.tool.version.clone(),
            now.tool.version.clone(),
        );
        check(
            "tool build".into(),
            self.tool.build.clone(),
            now.tool.build.clone(),
        );
        check(
            "config digest".into(),
            self.config_digest.clone(),
            now.config_digest.clone(),
        );
        let watchlist = |w: &Option<FileRecord>| {
            w.as_ref()
                .map_or("none".to_string(), |w| format!("{} {}", w.size, w.digest))
        };
        check(
            "watchlist (size digest)".into(),
            watchlist(&self.watchlist),
            watchlist(&now.watchlist),
        );
        check(
            "options".into(),
            format!("{:?}", self.options),
            format!("{:?}", now.options),
        );
        for was in &self.inputs {
            match now.inputs.iter().find(|n| n.path == was.path) {
                None => check(
                    format!("input {}", was.path),
                    "read".into(),
                    "missing".into(),
                ),
                Some(n) => {
                    check(
                        format!("input {} size", was.path),
                        was.size.to_string(),
                        n.size.to_string(),
                    );
                    check(
                        format!("input {} digest", was.path),
                        was.digest.clone(),
                        n.digest.clone(),
                    );
                }
            }
        }
        for n in &now.inputs {
            if !self.inputs.iter().any(|w| w.path == n.path) {
                check(format!("input {}", n.path), "absent".into(), "read".into());
            }
        }
        check(
            "line account".into(),
            self.line_account.to_string(),
            now.line_account.to_string(),
        );
        check(
            "findings count".into(),
            self.findings.count.to_string(),
            now.findings.count.to_string(),
        );
        check(
            "findings digest".into(),
            self.findings.digest.clone(),
            now.findings.digest.clone(),
        );
        changes
    }
}

/// The current time, RFC 3339 UTC, for a manifest's start and end.
pub fn now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    crate::time::format(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_plain_digests_differ_and_are_deterministic() {
        let plain = Digester::plain();
        let keyed = Digester::keyed(b"0123456789abcdef0123");
        assert_eq!(plain.bytes(b"x"), plain.bytes(b"x"));
        assert_ne!(plain.bytes(b"x"), keyed.bytes(b"x"));
        assert_eq!(keyed.kind(), DigestKind::Blake3Keyed);
    }

    #[test]
    fn a_manifest_of_another_schema_version_is_refused() {
        let e = Manifest::parse(r#"{"schema_version": 99}"#, "m.json").unwrap_err();
        assert!(e.to_string().contains("schema_version 99"), "{e}");
    }
}
