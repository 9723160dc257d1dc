//! Errors at the crate boundary.

use std::path::PathBuf;

/// A configuration value that cannot be used, named by its full key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    /// The offending key, e.g. `triage.rules[2].patterns[0]`.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { key: key.into(), message: message.into() }
    }
}

/// Everything that can go wrong building a `Triage`, training, evaluating or reading data.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A data file has a line that is not a valid example.
    #[error("{}:{line}: {message}", path.display())]
    Data {
        /// The data file.
        path: PathBuf,
        /// 1-based line number (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A model file is not one this version can read.
    #[error("invalid model: {0}")]
    Model(String),
    /// Writing a report failed.
    #[error("writing output: {0}")]
    Output(#[source] std::io::Error),
}
