//! A user's board file: the iCE40 part and the package pin of every top
//! port bit, from which `hebb generate|synth --board FILE` writes a PCF
//! (`constraints/<module>.pcf`). hebb ships no board: without `--board`
//! there are no pins.
//!
//! ```toml
//! part = "hx8k-ct256"
//! [pins]
//! clk_i = "J3"
//! "reward_i[0]" = "A1"   # a vector port, bit by bit
//! ```
//!
//! Every error names the offending key or pin, with the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use askama::Template;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::hdl::Module;
use crate::tools::nextpnr::Ice40Part;

/// A board file as read: the part and `(port or port bit, pin, line)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub path: PathBuf,
    pub part: Ice40Part,
    pins: Vec<(String, String, usize)>,
}

/// A `set_io` line: a top port (bit) and its package pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinAssignment {
    pub io: String,
    pub pin: String,
}

impl Board {
    /// Reads and checks a board file (its keys and pins; the ports are
    /// checked against a design by [`Board::assign`]).
    pub fn read(path: &Path) -> Result<Board> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Board::parse(path, text.strip_prefix('\u{feff}').unwrap_or(&text))
    }

    /// As [`Board::read`], from the file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Board> {
        let at = |line: usize, message: String| Error::Parse {
            path: path.to_path_buf(),
            line,
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            at(
                e.span().map_or(1, |s| {
                    text[..s.start.min(text.len())].lines().count().max(1)
                }),
                format!("not a board file: {}", e.message()),
            )
        })?;
        let mut part = None;
        let mut pins = Vec::new();
        for (key, value) in &table {
            let line = key_line(text, None, key).unwrap_or(1);
            match (key.as_str(), value) {
                ("part", toml::Value::String(name)) => {
                    part = Some(Ice40Part::parse(name).map_err(|e| at(line, e.to_string()))?)
                }
                ("name" | "description", toml::Value::String(_)) => {}
                ("pins", toml::Value::Table(entries)) => {
                    for (io, pin) in entries {
                        let line = key_line(text, Some("pins"), io).unwrap_or(line);
                        let toml::Value::String(pin) = pin else {
                            return Err(at(
                                line,
                                format!("pin of `{io}` must be a string such as \"J3\", not {pin}"),
                            ));
                        };
                        if pin.is_empty() || !pin.chars().all(|c| c.is_ascii_alphanumeric()) {
                            return Err(at(
                                line,
                                format!(
                                    "pin `{pin}` of `{io}` is not a package pin name (letters and digits, e.g. J3)"
                                ),
                            ));
                        }
                        if let Some((other, _, other_line)) = pins.iter().find(|(_, p, _)| p == pin)
                        {
                            return Err(at(
                                line,
                                format!(
                                    "pin {pin} is assigned twice: to `{other}` (line {other_line}) and to `{io}`"
                                ),
                            ));
                        }
                        pins.push((io.clone(), pin.clone(), line));
                    }
                }
                ("part" | "name" | "description" | "pins", other) => {
                    return Err(at(
                        line,
                        format!(
                            "`{key}` has the wrong type ({}): expected {}",
                            other.type_str(),
                            if key == "pins" {
                                "a table of port = \"PIN\""
                            } else {
                                "a string"
                            }
                        ),
                    ));
                }
                _ => {
                    return Err(at(
                        line,
                        format!(
                            "unknown key `{key}`: a board file has `part`, `pins` (and optionally `name`, `description`)"
                        ),
                    ));
                }
            }
        }
        let part = part.ok_or_else(|| {
            at(
                1,
                format!(
                    "no `part`: name the iCE40 part, e.g. part = \"hx8k-ct256\" (allowed {})",
                    Ice40Part::ALL.map(|p| p.name()).join(", ")
                ),
            )
        })?;
        Ok(Board {
            path: path.to_path_buf(),
            part,
            pins,
        })
    }

    /// The pin of every top port bit of `module`, in port order: an unknown
    /// port or bit, and a port bit left without a pin, are errors naming it.
    pub fn assign(&self, module: &Module) -> Result<Vec<PinAssignment>> {
        let ports: Vec<(&str, u32)> = module
            .ports
            .iter()
            .map(|&id| {
                let net = module.net(id);
                (net.name.as_str(), net.width)
            })
            .collect();
        let mut by_io: BTreeMap<String, &str> = BTreeMap::new();
        for (io, pin, line) in &self.pins {
            let at = |message: String| Error::Parse {
                path: self.path.clone(),
                line: *line,
                message,
            };
            let (name, bit) = split_bit(io).ok_or_else(|| {
                at(format!(
                    "`{io}` is not a port name or `port[bit]` (e.g. clk_i, \"reward_i[0]\")"
                ))
            })?;
            let Some(&(_, width)) = ports.iter().find(|(p, _)| *p == name) else {
                return Err(at(format!(
                    "unknown port `{name}` of module {}: its ports are {}",
                    module.name,
                    ports.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ")
                )));
            };
            match bit {
                None if width > 1 => {
                    return Err(at(format!(
                        "port `{name}` is {width} bits wide: assign each bit, \"{name}[0]\" .. \"{name}[{}]\"",
                        width - 1
                    )));
                }
                Some(_) if width == 1 => {
                    return Err(at(format!(
                        "port `{name}` is one bit wide: assign it as `{name}`, without a bit index"
                    )));
                }
                Some(b) if b >= width => {
                    return Err(at(format!(
                        "unknown bit `{io}`: port `{name}` has bits 0..={}",
                        width - 1
                    )));
                }
                _ => {}
            }
            by_io.insert(io.clone(), pin);
        }
        let mut assigned = Vec::new();
        let mut missing = Vec::new();
        for (name, width) in ports {
            let ios: Vec<String> = if width == 1 {
                vec![name.to_string()]
            } else {
                (0..width).map(|b| format!("{name}[{b}]")).collect()
            };
            for io in ios {
                match by_io.get(&io) {
                    Some(pin) => assigned.push(PinAssignment {
                        io,
                        pin: pin.to_string(),
                    }),
                    None => missing.push(io),
                }
            }
        }
        if !missing.is_empty() {
            return Err(Error::Other(format!(
                "{}: ports of module {} left without a pin: {}",
                self.path.display(),
                module.name,
                missing.join(", ")
            )));
        }
        Ok(assigned)
    }

    /// `(file name, text)` of the PCF for `design`: `constraints/<module>.pcf`.
    pub fn render_pcf(&self, design: &dyn Design) -> Result<(String, String)> {
        let module = design.module()?;
        let pins = self.assign(&module)?;
        let text = Pcf {
            version: env!("CARGO_PKG_VERSION"),
            description: &design.describe(),
            board: &self.path.file_name().map_or_else(
                || self.path.display().to_string(),
                |n| n.to_string_lossy().to_string(),
            ),
            part: self.part.name(),
            pins: &pins,
        }
        .render()?
            + "\n";
        Ok((format!("{}.pcf", design.top_module()), text))
    }
}

#[derive(Template)]
#[template(path = "constraints/pins.pcf")]
struct Pcf<'a> {
    version: &'static str,
    description: &'a str,
    board: &'a str,
    part: &'static str,
    pins: &'a [PinAssignment],
}

/// `name` or `name[bit]`.
fn split_bit(io: &str) -> Option<(&str, Option<u32>)> {
    let valid = |n: &str| crate::hdl::is_identifier(n);
    match io.strip_suffix(']').and_then(|r| r.split_once('[')) {
        Some((name, bit)) => {
            let bit = bit.trim().parse().ok()?;
            valid(name).then_some((name, Some(bit)))
        }
        None => valid(io).then_some((io, None)),
    }
}

/// The 1-based line where `key` is set (bare, "quoted" or 'quoted'), within
/// the `[section]` when one is named.
fn key_line(text: &str, section: Option<&str>, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split_once(']')) {
            current = Some(header.0.trim().to_string());
            if section.is_none() && header.0.trim() == key {
                return Some(i + 1);
            }
            continue;
        }
        let (rest, in_section) = match section {
            Some(s) => match line.strip_prefix(&format!("{s}.")) {
                Some(rest) if current.is_none() => (rest, true),
                _ => (line, current.as_deref() == Some(s)),
            },
            None => (line, current.is_none()),
        };
        if !in_section {
            continue;
        }
        for quoted in [key.to_string(), format!("\"{key}\""), format!("'{key}'")] {
            if rest
                .strip_prefix(&quoted)
                .is_some_and(|r| r.trim_start().starts_with('='))
            {
                return Some(i + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pins_by_line() {
        let text = "part = \"hx8k-ct256\"\n\n[pins]\nclk_i = \"J3\"\n\"value_i[0]\" = \"A1\"\n";
        assert_eq!(key_line(text, None, "part"), Some(1));
        assert_eq!(key_line(text, None, "pins"), Some(3));
        assert_eq!(key_line(text, Some("pins"), "clk_i"), Some(4));
        assert_eq!(key_line(text, Some("pins"), "value_i[0]"), Some(5));
    }

    #[test]
    fn splits_bits() {
        assert_eq!(split_bit("clk_i"), Some(("clk_i", None)));
        assert_eq!(split_bit("value_i[3]"), Some(("value_i", Some(3))));
        assert_eq!(split_bit("value_i[x]"), None);
        assert_eq!(split_bit("3x"), None);
    }
}
