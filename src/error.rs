//! Typed library errors. `main` alone turns them into messages and exit
//! codes; library code never exits or prints.

use std::fmt;
use std::path::PathBuf;

/// What went wrong, coarsely enough for `main` to pick an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A configuration file, `--set` override or argument is invalid.
    Config,
    /// An input could not be opened or read.
    Io,
    /// The watchlist or another auxiliary file is malformed.
    Data,
    /// `--strict` stopped the scan at a rejected line.
    Strict,
}

/// A library error: a kind for the exit code and a message for people.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// A new error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Error {
        let path = path.into();
        Error::new(ErrorKind::Io, format!("{}: {}", path.display(), err))
    }

    /// The kind, for the exit code.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Library result.
pub type Result<T> = std::result::Result<T, Error>;
