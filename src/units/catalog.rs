//! The default design of every unit: what `rtl/` holds, what `hebb generate
//! --unit` and `hebb lint --unit` render, one place to add a unit to.

use crate::design::Design;
use crate::error::{Error, Result};
use crate::units::bitstream::Source;
use crate::units::bitstream::decoder::{Decoder, DecoderParams};
use crate::units::bitstream::dot_product::{Combine, DotParams, DotProduct};
use crate::units::bitstream::sng::{Sng, SngParams};
use crate::units::bitstream::stdp::StochasticStdp;
use crate::units::bitstream::synapse::{Synapse, SynapseParams};
use crate::units::rstdp_lane::RstdpLane;

/// Unit names, as `--unit` takes them (the Verilog module names).
pub const UNITS: &[&str] = &[
    "rstdp_lane",
    "sc_sng",
    "sc_synapse",
    "sc_decoder",
    "sc_dot_product",
    "sc_stdp",
];

/// The default design of `unit`.
pub fn default_design(unit: &str) -> Result<Box<dyn Design>> {
    let invalid = |e: crate::error::ParamError| {
        Error::Other(format!("default parameters of {unit} are invalid: {e}"))
    };
    Ok(match unit {
        "rstdp_lane" => Box::new(RstdpLane::default()),
        "sc_sng" => Box::new(Sng::new(
            SngParams::new(10, Source::sobol(1)).map_err(invalid)?,
        )),
        "sc_synapse" => Box::new(Synapse::new(
            SynapseParams::new(10, Source::sobol(2), 512).map_err(invalid)?,
        )),
        "sc_decoder" => Box::new(Decoder::new(DecoderParams::new(256).map_err(invalid)?)),
        "sc_dot_product" => Box::new(DotProduct::new(
            DotParams::new(
                4,
                8,
                Combine::Popcount,
                256,
                Source::sobol(1),
                Source::sobol(2),
                Source::sobol(3),
                &[64, 128, 192, 255],
            )
            .map_err(invalid)?,
        )),
        "sc_stdp" => Box::new(StochasticStdp::new(Default::default())),
        other => {
            return Err(Error::Other(format!(
                "unknown unit `{other}`: allowed {}",
                UNITS.join(", ")
            )));
        }
    })
}

/// Every unit's default design, in `UNITS` order.
pub fn default_designs() -> Result<Vec<Box<dyn Design>>> {
    UNITS.iter().map(|u| default_design(u)).collect()
}
