//! Errors that reach users: each names what was wrong and what would be right.

use std::path::PathBuf;

/// A parameter outside the range the model and the RTL support.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parameter `{parameter}` = {value} is out of range: allowed {allowed}")]
pub struct ParamError {
    pub parameter: &'static str,
    pub value: ParamValue,
    pub allowed: String,
}

/// The offending value of a parameter: an integer, or a real number the
/// generator converts into a fixed-point format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamValue {
    Int(i128),
    Real(f64),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Real(v) => write!(f, "{v}"),
        }
    }
}

macro_rules! int_param_value {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamValue {
            fn from(v: $t) -> Self {
                ParamValue::Int(v as i128)
            }
        }
    )*};
}
int_param_value!(i32, i64, i128, u8, u32, u64, usize);

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Real(v)
    }
}

impl ParamError {
    /// Checks `lo <= value <= hi` for the parameter `parameter`.
    pub fn check_range(
        parameter: &'static str,
        value: i128,
        lo: i128,
        hi: i128,
    ) -> Result<(), ParamError> {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(ParamError {
                parameter,
                value: value.into(),
                allowed: format!("{lo}..={hi}"),
            })
        }
    }
}

/// Everything that can go wrong in hebb's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("template rendering failed: {0}")]
    Template(#[from] askama::Error),
    #[error("external tool `{tool}` {message}")]
    Tool { tool: String, message: String },
    /// A unit's description is malformed (a bug in the unit, or an edited description).
    #[error(transparent)]
    Description(#[from] crate::hdl::DescriptionError),
    /// RTL and cycle model disagree.
    #[error("{0}")]
    Mismatch(#[from] crate::mismatch::Mismatch),
    /// RTL and cycle model disagree; both traces up to that cycle are kept.
    #[error("{mismatch}\n(the VCDs up to this cycle are in {})", traces.display())]
    MismatchTraced {
        mismatch: crate::mismatch::Mismatch,
        traces: PathBuf,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
