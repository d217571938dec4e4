//! Structural resource estimate of one lane, from its parameters.
//!
//! Counts the datapath the template builds (decay subtractors, the T + 2 bit
//! eligibility sum, the R x T product, the weight adder, register-input
//! multiplexers) with per-target costs fitted to Yosys 0.23 (see
//! `examples/calibrate_lane.rs`, which prints estimate against synthesis).

use crate::resources::{Resources, Target};

use super::params::LaneParams;

pub fn estimate(p: &LaneParams, target: Target) -> Resources {
    let (w, t, r) = (
        p.weight_bits() as u64,
        p.trace_bits() as u64,
        p.reward_bits() as u64,
    );
    let multiplies = p.learning_shift() < p.product_bits();
    let ffs = w + 3 * t;
    // Adder bits: the two trace decays and the eligibility decay (when D decays),
    // the eligibility sum (two operations) and the weight sum. Multiplexers and
    // saturation fold into the adders' LUTs, which is why the fitted cost per
    // adder bit exceeds one.
    let adder_bits = if p.decays() { 3 * t } else { 0 } + 2 * (t + 2) + p.weight_sum_bits() as u64;
    let product_bits = if multiplies { r * t } else { 0 };
    match target {
        // synth_ice40 infers no DSP by default: the product is a LUT array.
        // Fitted: 2.4 LUT4 per adder bit, 3 per partial-product bit.
        Target::Ice40 => Resources {
            luts: (24 * adder_bits + 30 * product_bits).div_ceil(10),
            ffs,
            carries: adder_bits + product_bits / 2,
            brams: 0,
            dsps: 0,
        },
        // Fitted: 2.85 LUT6 per adder bit; the product goes to DSP48E1 slices
        // (25 x 18 signed, either operand on either port), none for 1-bit operands.
        Target::Xilinx7 => {
            let dsps = if multiplies && r.min(t) >= 2 {
                (r.div_ceil(25) * t.div_ceil(18)).min(t.div_ceil(25) * r.div_ceil(18))
            } else {
                0
            };
            Resources {
                luts: (285 * adder_bits).div_ceil(100),
                ffs,
                carries: adder_bits.div_ceil(4),
                brams: 0,
                dsps,
            }
        }
    }
}
