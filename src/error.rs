//! Typed library errors. `main` alone turns them into messages and exit
//! codes; library code never exits or prints.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// What went wrong, coarsely enough for `main` to pick an exit code.
/// New kinds may be added: match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// A library error: a kind for the exit code, a message for people that
/// names the file (and line) where there is one, and the underlying error
/// where there is one ([`std::error::Error::source`]), so a caller can
/// still ask an I/O error for its `io::ErrorKind`.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// This error, caused by `source`.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Arc::new(source));
        self
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Error {
        let path = path.into();
        let source = std::io::Error::new(err.kind(), err.to_string());
        Error::new(ErrorKind::Io, format!("{}: {}", path.display(), err)).with_source(source)
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Library result.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_keeps_its_cause() {
        let cause = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let err = Error::io("logs/a.log", &cause);
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(err.to_string(), "logs/a.log: gone");
        let source = std::error::Error::source(&err).expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(std::error::Error::source(&Error::config("x")).is_none());
    }
}
