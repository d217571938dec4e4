//! Timing constraints for any design: XDC (Vivado), SDC (Quartus) and a
//! nextpnr-ice40 pre-pack script. Pins belong to a board, so none are emitted.

use askama::Template;

use crate::design::Design;
use crate::error::Result;

/// Target clock period of generated constraints: 10 ns (100 MHz).
pub const DEFAULT_PERIOD_NS: f64 = 10.0;

#[derive(Template)]
#[template(path = "constraints/clock.xdc")]
struct Xdc<'a> {
    version: &'static str,
    description: &'a str,
    clock: &'static str,
    period_ns: String,
}

#[derive(Template)]
#[template(path = "constraints/clock.sdc")]
struct Sdc<'a> {
    version: &'static str,
    description: &'a str,
    clock: &'static str,
    period_ns: String,
}

#[derive(Template)]
#[template(path = "constraints/clock.py")]
struct NextpnrPy<'a> {
    version: &'static str,
    description: &'a str,
    clock: &'static str,
    freq_mhz: String,
}

/// `(file name, contents)` of every constraint file for `design`.
pub fn render(design: &dyn Design, period_ns: f64) -> Result<Vec<(String, String)>> {
    let description = design.describe();
    let module = design.top_module();
    let version = env!("CARGO_PKG_VERSION");
    let period = format!("{period_ns:.3}");
    let with_newline = |s: String| s + "\n";
    Ok(vec![
        (
            format!("{module}.xdc"),
            with_newline(
                Xdc {
                    version,
                    description: &description,
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
                    clock: "clk_i",
                    freq_mhz: format!("{:.3}", 1000.0 / period_ns),
                }
                .render()?,
            ),
        ),
    ])
}
