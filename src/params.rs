//! One parameter idiom for every unit: a serde struct per unit (its raw
//! parameters, field names = keys), filled from a TOML file (`--params FILE`)
//! and `--set key=value` pairs (a dotted key, `array.n_pre=32`, sets one key
//! of a nested table) over the unit's defaults, then validated into
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

    /// Where the value of `parameter` (`key`, or a dotted path into a
    /// table such as `array.n_pre`) was last set: by that path or by a
    /// table holding it.
    fn origin(&self, parameter: &str) -> Option<&Origin> {
        self.values
            .iter()
            .rev()
            .find(|(k, _, _)| {
                parameter == k
                    || parameter
                        .strip_prefix(k.as_str())
                        .is_some_and(|rest| rest.starts_with(['.', ' ', '[']))
            })
            .map(|(_, _, o)| o)
    }

    /// The unit's raw parameters: its defaults with these values over them.
    pub fn resolve<R: Serialize + DeserializeOwned + Default>(&self, unit: &str) -> Result<R> {
        let defaults = defaults_table(&R::default())?;
        let mut table = defaults.clone();
        for (key, value, origin) in &self.values {
            let path: Vec<&str> = key.split('.').collect();
            check_path(&defaults, &path, unit)
                .map_err(|message| Error::Other(format!("{origin}: {message}")))?;
            // Each value alone over the defaults, so a type error names its key.
            let mut alone = defaults.clone();
            set_path(&mut alone, &path, value.clone());
            if let Err(e) = toml::Value::Table(alone).try_into::<R>() {
                return Err(Error::Other(format!(
                    "{origin}: parameter `{key}` = {value} is not valid for unit {unit}: {}",
                    e.message().trim()
                )));
            }
            set_path(&mut table, &path, value.clone());
        }
        toml::Value::Table(table)
            .try_into::<R>()
            .map_err(|e| Error::Other(format!("parameters of unit {unit}: {}", e.message().trim())))
    }

    /// Adds where the offending key came from to a validation error.
    pub fn locate(&self, error: ParamError) -> Error {
        let key = error.parameter.split(['.', ' ', '[']).next().unwrap_or("");
        match self.origin(error.parameter) {
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

/// Whether `path` (a key, or a dotted path into nested tables) names a
/// parameter of `defaults`; if not, what is wrong and what is allowed.
fn check_path(
    defaults: &toml::Table,
    path: &[&str],
    unit: &str,
) -> std::result::Result<(), String> {
    let mut table = defaults;
    for (depth, part) in path.iter().enumerate() {
        let Some(value) = table.get(*part) else {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            let within = match depth {
                0 => String::new(),
                _ => format!(" in `{}`", path[..depth].join(".")),
            };
            return Err(format!(
                "unknown key `{}` for unit {unit}: allowed keys{within} are {}",
                path.join("."),
                keys.join(", ")
            ));
        };
        if depth + 1 < path.len() {
            let toml::Value::Table(inner) = value else {
                return Err(format!(
                    "key `{}` for unit {unit}: `{}` is not a table",
                    path.join("."),
                    path[..=depth].join(".")
                ));
            };
            table = inner;
        }
    }
    Ok(())
}

/// Sets the value at `path` (checked by [`check_path`]) inside `table`,
/// leaving the table's other keys as they are.
fn set_path(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    match path {
        [] => {}
        [key] => {
            table.insert((*key).to_string(), value);
        }
        [key, rest @ ..] => {
            if let Some(toml::Value::Table(inner)) = table.get_mut(*key) {
                set_path(inner, rest, value);
            }
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

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Inner {
        width: u32,
        depth: u32,
    }

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Outer {
        lanes: u32,
        inner: Inner,
    }

    fn resolve(sets: &[&str]) -> Result<Outer> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        ParamValues::gather(None, &sets)?.resolve("outer")
    }

    /// `--set inner.width=8` sets one key of the nested table; the others
    /// keep their values, whatever was set before.
    #[test]
    fn dotted_keys_set_one_key_of_a_nested_table() {
        let r = resolve(&["inner.width=8"]).unwrap();
        assert_eq!(r.inner, Inner { width: 8, depth: 0 });
        let r = resolve(&["inner={ width = 3, depth = 4 }", "inner.depth=5", "lanes=2"]).unwrap();
        assert_eq!(
            r,
            Outer {
                lanes: 2,
                inner: Inner { width: 3, depth: 5 }
            }
        );
        // A whole table set later replaces the key set before it.
        let r = resolve(&["inner.depth=5", "inner={ width = 3, depth = 4 }"]).unwrap();
        assert_eq!(r.inner, Inner { width: 3, depth: 4 });
    }

    #[test]
    fn dotted_keys_that_name_nothing_are_errors_naming_what_is_allowed() {
        let e = resolve(&["inner.height=1"]).unwrap_err().to_string();
        assert!(
            e.contains("--set inner.height=1: unknown key `inner.height` for unit outer")
                && e.contains("allowed keys in `inner` are depth, width"),
            "{e}"
        );
        let e = resolve(&["lanes.x=1"]).unwrap_err().to_string();
        assert!(e.contains("`lanes` is not a table"), "{e}");
        let e = resolve(&["inner.width=wide"]).unwrap_err().to_string();
        assert!(
            e.contains("parameter `inner.width` = \"wide\" is not valid"),
            "{e}"
        );
    }
}
