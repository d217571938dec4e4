//! One parameter idiom for every unit: a serde struct per unit (its raw
//! parameters, field names = keys), filled from a TOML file (`--params FILE`)
//! and `--set key=value` pairs over the unit's defaults, then validated into
//! the unit. Every error names the key, the value, what is allowed and where
//! the value came from (file and line, or the `--set` argument); nothing is
//! written before the parameters are valid.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ParamError, Result};

/// Where a key's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File { path: PathBuf, line: usize },
    Set(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "the unit's defaults"),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Set(arg) => write!(f, "--set {arg}"),
        }
    }
}

/// Parameter values as given: keys with their TOML values and origins.
#[derive(Debug, Clone, Default)]
pub struct ParamValues {
    values: Vec<(String, toml::Value, Origin)>,
    /// The parameter file's text, to find nested keys (`[lane_b]` then `reward_bits = ...`).
    file_text: Option<String>,
}

impl ParamValues {
    /// Reads `file` (when given), then applies `sets` (`key=value`, later wins).
    pub fn gather(file: Option<&Path>, sets: &[String]) -> Result<Self> {
        let mut values = ParamValues::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            values.file_text = Some(text.to_string());
            let table: toml::Table = toml::from_str(text).map_err(|e| Error::Parse {
                path: path.to_path_buf(),
                line: e.span().map_or(1, |s| {
                    text[..s.start.min(text.len())].lines().count().max(1)
                }),
                message: e.message().to_string(),
            })?;
            for (key, value) in table {
                let line = key_line(text, &key).unwrap_or(1);
                values.values.push((
                    key,
                    value,
                    Origin::File {
                        path: path.to_path_buf(),
                        line,
                    },
                ));
            }
        }
        for arg in sets {
            let Some((key, raw)) = arg.split_once('=') else {
                return Err(Error::Other(format!(
                    "--set {arg}: expected key=value (e.g. --set weight_bits=16)"
                )));
            };
            let key = key.trim().to_string();
            // A TOML value (number, boolean, inline table, array); anything else is a string.
            let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(raw.to_string()));
            values.values.retain(|(k, _, _)| *k != key);
            values.values.push((key, value, Origin::Set(arg.clone())));
        }
        Ok(values)
    }

    fn origin(&self, key: &str) -> Option<&Origin> {
        self.values
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, o)| o)
    }

    /// The unit's raw parameters: its defaults with these values over them.
    pub fn resolve<R: Serialize + DeserializeOwned + Default>(&self, unit: &str) -> Result<R> {
        let defaults = defaults_table(&R::default())?;
        let mut table = defaults.clone();
        for (key, value, origin) in &self.values {
            if !defaults.contains_key(key) {
                let keys: Vec<&str> = defaults.keys().map(String::as_str).collect();
                return Err(Error::Other(format!(
                    "{origin}: unknown key `{key}` for unit {unit}: allowed keys are {}",
                    keys.join(", ")
                )));
            }
            // Each value alone over the defaults, so a type error names its key.
            let mut alone = defaults.clone();
            alone.insert(key.clone(), value.clone());
            if let Err(e) = toml::Value::Table(alone).try_into::<R>() {
                return Err(Error::Other(format!(
                    "{origin}: parameter `{key}` = {value} is not valid for unit {unit}: {}",
                    e.message().trim()
                )));
            }
            table.insert(key.clone(), value.clone());
        }
        toml::Value::Table(table)
            .try_into::<R>()
            .map_err(|e| Error::Other(format!("parameters of unit {unit}: {}", e.message().trim())))
    }

    /// Adds where the offending key came from to a validation error.
    pub fn locate(&self, error: ParamError) -> Error {
        let key = error.parameter.split(['.', ' ', '[']).next().unwrap_or("");
        match self.origin(key) {
            // A key inside a table: the line of that key within the table's section.
            Some(Origin::File { path, line }) => {
                let nested = error
                    .parameter
                    .split_once('.')
                    .and_then(|(_, inner)| nested_key_line(self.file_text.as_deref()?, key, inner))
                    .unwrap_or(*line);
                Error::Other(format!("{}:{nested}: {error}", path.display()))
            }
            Some(origin) => Error::Other(format!("{origin}: {error}")),
            None => Error::Param(error),
        }
    }
}

/// A raw parameter struct as a TOML table.
pub fn defaults_table<R: Serialize>(raw: &R) -> Result<toml::Table> {
    toml::Table::try_from(raw)
        .map_err(|e| Error::Other(format!("parameters do not serialize to TOML: {e}")))
}

/// The 1-based line where `key` is set in TOML `text` (`key = ...` or `[key]`).
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with('.'))
                || line.trim_end() == format!("[{key}]")
        })
        .map(|i| i + 1)
}

/// The 1-based line of `inner = ...` inside the `[table]` section of `text`.
fn nested_key_line(text: &str, table: &str, inner: &str) -> Option<usize> {
    let header = format!("[{table}]");
    let start = text.lines().position(|l| l.trim() == header)?;
    text.lines()
        .enumerate()
        .skip(start + 1)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(inner)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_by_line() {
        let text = "# lane\nweight_bits = 40\n  trace_bits=3\n[weight_source]\nkind = \"sobol\"\n";
        assert_eq!(key_line(text, "weight_bits"), Some(2));
        assert_eq!(key_line(text, "trace_bits"), Some(3));
        assert_eq!(key_line(text, "weight_source"), Some(4));
        assert_eq!(key_line(text, "reward_bits"), None);
        assert_eq!(nested_key_line(text, "weight_source", "kind"), Some(5));
        assert_eq!(nested_key_line(text, "weight_source", "seed"), None);
    }
}
