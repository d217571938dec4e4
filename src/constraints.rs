//! Timing constraints for any design: XDC (Vivado), SDC (Quartus) and a
//! nextpnr-ice40 pre-pack script. Pins belong to a board, so none are emitted.
//!
//! The clock they name is one the design meets: either measured by place and
//! route (`hebb synth --pnr`: nextpnr's Fmax less [`FMAX_MARGIN`], rounded
//! down to a whole MHz), or [`DEFAULT_FREQ_MHZ`], which every unit's default
//! design meets on the iCE40 HX8K with margin; the files' header says which.

use askama::Template;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::resources::ConstraintClock;

/// The clock of constraints not checked by place and route, in MHz. Every
/// unit's default design meets it on hx8k-ct256 (nextpnr-ice40 0.4, seed 1):
/// the slowest, `rstdp_lane_pair`, reaches 42.0 MHz, the lane 42.9 MHz,
/// `lif_population` 93.8 MHz and `plastic_core` 86.4 MHz.
pub const DEFAULT_FREQ_MHZ: u32 = 30;

/// [`DEFAULT_FREQ_MHZ`] as a period.
pub const DEFAULT_PERIOD_NS: f64 = 1000.0 / DEFAULT_FREQ_MHZ as f64;

/// The slowest default design's Fmax on hx8k-ct256, quoted in the default header.
pub const DEFAULT_DESIGNS_SLOWEST_FMAX_MHZ: f64 = 42.0;

/// Share of the measured Fmax a derived constraint asks for (a 10 % margin).
pub const FMAX_MARGIN: f64 = 0.9;

/// Why a constraint names its clock.
#[derive(Debug, Clone, PartialEq)]
pub enum ClockBasis {
    /// [`DEFAULT_FREQ_MHZ`]: not checked by place and route for this design.
    Default,
    /// Derived from nextpnr's Fmax for this design on `part`.
    Measured {
        part: String,
        nextpnr_version: String,
        fmax_mhz: f64,
    },
}

/// The clock a set of constraint files names.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    pub freq_mhz: u32,
    pub basis: ClockBasis,
}

impl Clock {
    /// The default clock (no place and route for this design).
    pub fn default_clock() -> Self {
        Clock {
            freq_mhz: DEFAULT_FREQ_MHZ,
            basis: ClockBasis::Default,
        }
    }

    /// [`FMAX_MARGIN`] of a measured Fmax, rounded down to a whole MHz.
    pub fn from_fmax(part: &str, nextpnr_version: &str, fmax_mhz: f64) -> Result<Self> {
        let freq = (fmax_mhz * FMAX_MARGIN).floor();
        if !freq.is_finite() || freq < 1.0 {
            return Err(Error::Other(format!(
                "nextpnr-ice40 measured Fmax {fmax_mhz} MHz on {part}: no whole-MHz clock with a 10 % margin below it"
            )));
        }
        Ok(Clock {
            freq_mhz: freq as u32,
            basis: ClockBasis::Measured {
                part: part.to_string(),
                nextpnr_version: nextpnr_version.to_string(),
                fmax_mhz,
            },
        })
    }

    pub fn period_ns(&self) -> f64 {
        1000.0 / self.freq_mhz as f64
    }

    /// Why this clock, in one sentence.
    pub fn basis_text(&self) -> String {
        self.basis_parts().join("; ")
    }

    /// Why this clock, clause by clause (one header line each).
    fn basis_parts(&self) -> Vec<String> {
        match &self.basis {
            ClockBasis::Default => vec![
                format!(
                    "hebb's default clock, met on hx8k-ct256 by every unit's default design \
                     (slowest {DEFAULT_DESIGNS_SLOWEST_FMAX_MHZ} MHz)"
                ),
                "not checked by place-and-route for this design; \
                 run `hebb synth --pnr` for a clock this design meets"
                    .to_string(),
            ],
            ClockBasis::Measured {
                part,
                nextpnr_version,
                fmax_mhz,
            } => vec![
                format!(
                    "90 % of the Fmax nextpnr-ice40 measured for this design on {part} \
                     ({fmax_mhz:.2} MHz), rounded down to a whole MHz"
                ),
                "placed and routed again with this clock, nextpnr met it".to_string(),
                nextpnr_version.clone(),
            ],
        }
    }

    /// The header comment lines (without the comment marker).
    fn header(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Clock {} MHz ({:.3} ns):",
            self.freq_mhz,
            self.period_ns()
        )];
        let parts = self.basis_parts();
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            lines.push(part + if i == last { "." } else { ";" });
        }
        lines
    }

    /// The clock as `resources.json` records it.
    pub fn report(&self) -> ConstraintClock {
        ConstraintClock {
            freq_mhz: self.freq_mhz as f64,
            period_ns: (self.period_ns() * 1000.0).round() / 1000.0,
            basis: self.basis_text(),
        }
    }
}

#[derive(Template)]
#[template(path = "constraints/clock.xdc")]
struct Xdc<'a> {
    version: &'static str,
    description: &'a str,
    header: &'a [String],
    clock: &'static str,
    period_ns: String,
}

#[derive(Template)]
#[template(path = "constraints/clock.sdc")]
struct Sdc<'a> {
    version: &'static str,
    description: &'a str,
    header: &'a [String],
    clock: &'static str,
    period_ns: String,
}

#[derive(Template)]
#[template(path = "constraints/clock.py")]
struct NextpnrPy<'a> {
    version: &'static str,
    description: &'a str,
    header: &'a [String],
    clock: &'static str,
    freq_mhz: String,
}

/// The nextpnr-ice40 pre-pack script alone, asking for `freq_mhz` (the clock
/// place and route aims at while measuring Fmax).
pub fn pre_pack_script(design: &dyn Design, freq_mhz: f64, why: &str) -> Result<String> {
    let description = design.describe();
    Ok(NextpnrPy {
        version: env!("CARGO_PKG_VERSION"),
        description: &description,
        header: &[why.to_string()],
        clock: "clk_i",
        freq_mhz: format!("{freq_mhz:.3}"),
    }
    .render()?
        + "\n")
}

/// `(file name, contents)` of every constraint file for `design`.
pub fn render(design: &dyn Design, clock: &Clock) -> Result<Vec<(String, String)>> {
    let description = design.describe();
    let module = design.top_module();
    let version = env!("CARGO_PKG_VERSION");
    let header = clock.header();
    let period = format!("{:.3}", clock.period_ns());
    let with_newline = |s: String| s + "\n";
    Ok(vec![
        (
            format!("{module}.xdc"),
            with_newline(
                Xdc {
                    version,
                    description: &description,
                    header: &header,
                    clock: "clk_i",
                    period_ns: period.clone(),
                }
                .render()?,
            ),
        ),
        (
            format!("{module}.sdc"),
            with_newline(
                Sdc {
                    version,
                    description: &description,
                    header: &header,
                    clock: "clk_i",
                    period_ns: period,
                }
                .render()?,
            ),
        ),
        (
            format!("{module}_nextpnr.py"),
            with_newline(
                NextpnrPy {
                    version,
                    description: &description,
                    header: &header,
                    clock: "clk_i",
                    freq_mhz: format!("{:.3}", clock.freq_mhz as f64),
                }
                .render()?,
            ),
        ),
    ])
}
