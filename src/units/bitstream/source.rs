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
use crate::design::{mask, verilog_literal};
use crate::error::ParamError;

/// What drives one generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// What a template needs to render one generator: `<prefix>_state_next` and `<prefix>_rand`.
#[derive(Debug, Clone)]
pub struct GeneratorView {
    pub prefix: &'static str,
    pub width: u32,
    pub description: String,
    pub lfsr: bool,
    /// Feedback mask literal (LFSR).
    pub taps: String,
    /// Taps as text, e.g. "10, 7".
    pub tap_list: String,
    /// Where the taps come from.
    pub tap_origin: &'static str,
    /// (counter bit, direction number literal) per bit (Sobol).
    pub directions: Vec<(u32, String)>,
    pub zero: String,
    pub one: String,
}

impl GeneratorView {
    pub fn new(prefix: &'static str, width: u32, source: Source) -> Self {
        let tables = SourceTables::new(width, source);
        let tap_list = match source {
            Source::Lfsr { polynomial, .. } => lfsr::taps(width, polynomial)
                .expect("validated width")
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Source::Sobol { .. } => String::new(),
        };
        GeneratorView {
            prefix,
            width,
            description: source.describe(),
            lfsr: matches!(source, Source::Lfsr { .. }),
            taps: verilog_literal(width, tables.tap_mask),
            tap_list,
            tap_origin: match source {
                Source::Lfsr {
                    polynomial: Polynomial::Reciprocal,
                    ..
                } => "the XAPP052 taps mirrored: the reciprocal polynomial",
                _ => "XAPP052 table",
            },
            directions: tables
                .directions
                .iter()
                .enumerate()
                .map(|(k, v)| (k as u32, verilog_literal(width, *v)))
                .collect(),
            zero: verilog_literal(width, 0),
            one: verilog_literal(width, 1),
        }
    }
}

/// The generator nets of the cycle models: (state_next, rand) from state_q,
/// computed as the template's expressions read.
pub fn generator_nets(tables: &SourceTables, state_q: u64) -> (u64, u64) {
    let width = tables.width;
    match tables.source {
        Source::Lfsr { .. } => {
            let feedback = u64::from((state_q & tables.tap_mask).count_ones() % 2 == 1);
            let next = ((state_q & mask(width - 1)) << 1) | feedback;
            (next, state_q)
        }
        Source::Sobol { .. } => {
            let next = state_q.wrapping_add(1) & mask(width);
            let mut rand = 0;
            for (k, v) in tables.directions.iter().enumerate() {
                if (state_q >> k) & 1 == 1 {
                    rand ^= v;
                }
            }
            (next, rand)
        }
    }
}
