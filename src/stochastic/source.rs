//! Random sources for stochastic number generators, and the comparator.
//!
//! A generator has an N-bit state register and produces an N-bit `rand` each
//! cycle; the SNG bit of an N-bit value x is `rand < x` (unsigned), so a
//! stream encodes x / 2^N. x = 0 gives all zeros; x = 2^N - 1 is the largest
//! value (1.0 is not representable).
//!
//! - LFSR: the state is the LFSR register (reset: the seed, nonzero);
//!   `rand = state`, so rand runs over 1..=2^N-1 and a full period of 2^N - 1
//!   bits holds exactly x - 1 ones for x >= 1.
//! - Sobol: the state is an N-bit index counter (reset: 0, step: +1, wrapping
//!   after 2^N); `rand = sobol(dimension, state)`, an XOR network of the
//!   counter bits. Over any aligned block of 2^k indices (k <= N) the low
//!   discrepancy is exact.

use serde::{Deserialize, Serialize};

use super::lfsr::{self, Polynomial};
use super::sobol;
use crate::design::mask;
use crate::error::ParamError;

/// What drives one generator. In TOML and JSON either a table
/// (`{ kind = "sobol", dimension = 2 }`, `{ kind = "lfsr", polynomial =
/// "primary", seed = 1 }`) or the string shorthand of `FromStr` (`"sobol:2"`,
/// `"lfsr"`, `"lfsr:reciprocal:5"`); it serializes as the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Lfsr { polynomial: Polynomial, seed: u64 },
    Sobol { dimension: u32 },
}

impl Source {
    /// The LFSR with the XAPP052 taps and seed 1.
    pub const LFSR: Source = Source::Lfsr {
        polynomial: Polynomial::Primary,
        seed: 1,
    };
    /// The reciprocal-polynomial LFSR, seed 1: decorrelated from `LFSR`.
    pub const LFSR_RECIPROCAL: Source = Source::Lfsr {
        polynomial: Polynomial::Reciprocal,
        seed: 1,
    };

    pub const fn sobol(dimension: u32) -> Source {
        Source::Sobol { dimension }
    }

    /// Checks the source at `width` bits. Errors name the caller's
    /// parameters: `parameter` the source itself (seed or dimension out of
    /// range), `width_parameter` the width it runs at (e.g. `weight_bits`).
    pub fn validate(
        &self,
        parameter: &'static str,
        width_parameter: &'static str,
        width: u32,
    ) -> Result<(), ParamError> {
        ParamError::check_range(
            width_parameter,
            width.into(),
            lfsr::WIDTHS.0.into(),
            lfsr::WIDTHS.1.into(),
        )?;
        match *self {
            Source::Lfsr { seed, .. } => {
                ParamError::check_range(parameter, seed.into(), 1, mask(width).into())
            }
            Source::Sobol { dimension } => ParamError::check_range(
                parameter,
                dimension.into(),
                sobol::DIMENSIONS.0.into(),
                sobol::DIMENSIONS.1.into(),
            ),
        }
    }

    /// The state loaded at reset.
    pub fn reset_state(&self) -> u64 {
        match *self {
            Source::Lfsr { seed, .. } => seed,
            Source::Sobol { .. } => 0,
        }
    }

    pub fn describe(&self) -> String {
        match *self {
            Source::Lfsr { polynomial, seed } => {
                let p = match polynomial {
                    Polynomial::Primary => "primary",
                    Polynomial::Reciprocal => "reciprocal",
                };
                format!("lfsr({p}, seed {seed:#x})")
            }
            Source::Sobol { dimension } => format!("sobol(dim {dimension})"),
        }
    }
}

/// The fixed tables behind a source at a width: tap mask or direction numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTables {
    pub width: u32,
    pub source: Source,
    pub tap_mask: u64,
    pub directions: Vec<u64>,
}

impl SourceTables {
    /// Tables of an already validated source.
    pub fn new(width: u32, source: Source) -> Self {
        let (tap_mask, directions) = match source {
            Source::Lfsr { polynomial, .. } => (
                lfsr::tap_mask(width, polynomial).expect("validated width"),
                Vec::new(),
            ),
            Source::Sobol { dimension } => (0, sobol::direction_numbers(dimension, width)),
        };
        SourceTables {
            width,
            source,
            tap_mask,
            directions,
        }
    }

    /// The state after `state`.
    pub fn next_state(&self, state: u64) -> u64 {
        match self.source {
            Source::Lfsr { .. } => lfsr::step(self.width, self.tap_mask, state),
            Source::Sobol { .. } => state.wrapping_add(1) & mask(self.width),
        }
    }

    /// The random number a state shows.
    pub fn rand(&self, state: u64) -> u64 {
        match self.source {
            Source::Lfsr { .. } => state,
            Source::Sobol { .. } => sobol::point(&self.directions, state),
        }
    }
}

/// A generator with its state: the software form used by the step models
/// and the accuracy study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    tables: SourceTables,
    state: u64,
}

impl Generator {
    pub fn new(width: u32, source: Source) -> Result<Self, ParamError> {
        source.validate("source", "width", width)?;
        Ok(Generator {
            state: source.reset_state(),
            tables: SourceTables::new(width, source),
        })
    }

    pub fn width(&self) -> u32 {
        self.tables.width
    }
    pub fn state(&self) -> u64 {
        self.state
    }
    pub fn rand(&self) -> u64 {
        self.tables.rand(self.state)
    }
    /// The SNG bit of `value` this cycle: `rand < value`.
    pub fn bit(&self, value: u64) -> bool {
        self.rand() < value
    }
    pub fn advance(&mut self) {
        self.state = self.tables.next_state(self.state);
    }
    /// The next `len` random numbers (the generator advances past them).
    pub fn take(&mut self, len: usize) -> Vec<u64> {
        (0..len)
            .map(|_| {
                let r = self.rand();
                self.advance();
                r
            })
            .collect()
    }
}

/// The table form, as serde derives it.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum SourceTable {
    Lfsr { polynomial: Polynomial, seed: u64 },
    Sobol { dimension: u32 },
}

impl From<SourceTable> for Source {
    fn from(t: SourceTable) -> Source {
        match t {
            SourceTable::Lfsr { polynomial, seed } => Source::Lfsr { polynomial, seed },
            SourceTable::Sobol { dimension } => Source::Sobol { dimension },
        }
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Source;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SHORTHAND)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Source, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Source, A::Error> {
                SourceTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Source::from)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

const SHORTHAND: &str = "a source: \"sobol:D\" (D = 1..=8), \"lfsr\", \"lfsr:POLY\" or \"lfsr:POLY:SEED\" (POLY = primary | reciprocal, SEED >= 1, decimal or 0x hex), or a table { kind = \"sobol\", dimension = D } / { kind = \"lfsr\", polynomial = POLY, seed = SEED }";

impl std::str::FromStr for Source {
    type Err = String;

    /// `sobol` (dimension 1), `sobol:D`, `lfsr` (primary, seed 1),
    /// `lfsr:POLY`, `lfsr:POLY:SEED`. Ranges are checked where the source
    /// meets its width (`Source::validate`).
    fn from_str(text: &str) -> Result<Source, String> {
        let bad = || format!("`{text}` is not {SHORTHAND}");
        let parts: Vec<&str> = text.trim().split(':').map(str::trim).collect();
        let number = |s: &str| -> Result<u64, String> {
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            }
            .map_err(|_| bad())
        };
        match parts.as_slice() {
            ["sobol"] => Ok(Source::sobol(1)),
            ["sobol", d] => Ok(Source::sobol(u32::try_from(number(d)?).map_err(|_| bad())?)),
            ["lfsr", rest @ ..] if rest.len() <= 2 => {
                let polynomial = match rest.first() {
                    None | Some(&"primary") => Polynomial::Primary,
                    Some(&"reciprocal") => Polynomial::Reciprocal,
                    Some(_) => return Err(bad()),
                };
                let seed = match rest.get(1) {
                    None => 1,
                    Some(s) => number(s)?,
                };
                Ok(Source::Lfsr { polynomial, seed })
            }
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Source {
    /// The shorthand `FromStr` reads back: `sobol:2`, `lfsr:primary:1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Source::Sobol { dimension } => write!(f, "sobol:{dimension}"),
            Source::Lfsr { polynomial, seed } => {
                let p = match polynomial {
                    Polynomial::Primary => "primary",
                    Polynomial::Reciprocal => "reciprocal",
                };
                write!(f, "lfsr:{p}:{seed}")
            }
        }
    }
}
