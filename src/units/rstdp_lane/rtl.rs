//! Renders the lane's Verilog from `templates/rstdp_lane/rstdp_lane.v`.

use askama::Template;

use crate::design::verilog_literal;
use crate::error::Result;

use super::params::LaneParams;

#[derive(Template)]
#[template(path = "rstdp_lane/rstdp_lane.v")]
struct LaneVerilog {
    version: &'static str,
    module: &'static str,
    w: u32,
    t: u32,
    r: u32,
    l: u32,
    d: u32,
    /// R + T: width of the product and of `weight_delta`.
    p: u32,
    /// Width of `weight_sum`.
    s: u32,
    state_bits: u32,
    decays: bool,
    reset_weight: u64,
    reset_weight_literal: String,
    max_weight: String,
    max_trace: String,
    min_eligibility: String,
    max_eligibility: String,
    /// The bits that widen `weight_q` and `weight_delta` to the weight sum.
    weight_zero_extension: String,
    delta_sign_extension: String,
    t_zero: String,
    t_one: String,
    w_zero: String,
}

pub fn render(params: &LaneParams, module: &'static str) -> Result<String> {
    let (w, t) = (params.weight_bits(), params.trace_bits());
    let template = LaneVerilog {
        version: env!("CARGO_PKG_VERSION"),
        module,
        w,
        t,
        r: params.reward_bits(),
        l: params.learning_shift(),
        d: params.trace_decay_shift(),
        p: params.product_bits(),
        s: params.weight_sum_bits(),
        state_bits: params.state_bits_per_synapse(),
        decays: params.decays(),
        reset_weight: params.reset_weight(),
        reset_weight_literal: verilog_literal(w, params.reset_weight()),
        max_weight: verilog_literal(w, params.max_weight()),
        max_trace: verilog_literal(t, params.max_trace()),
        min_eligibility: verilog_literal(t, params.min_eligibility() as u64),
        max_eligibility: verilog_literal(t, params.max_eligibility() as u64),
        weight_zero_extension: verilog_literal(params.weight_sum_bits() - w, 0),
        delta_sign_extension: replicate(
            params.weight_sum_bits() - params.product_bits(),
            &format!("weight_delta[{}]", params.product_bits() - 1),
        ),
        t_zero: verilog_literal(t, 0),
        t_one: verilog_literal(t, 1),
        w_zero: verilog_literal(w, 0),
    };
    Ok(crate::verilog::finish(&template.render()?))
}

/// `bit` repeated `count` times: the bit itself for one copy, `{count{bit}}` otherwise.
fn replicate(count: u32, bit: &str) -> String {
    if count == 1 {
        bit.to_string()
    } else {
        format!("{{{count}{{{bit}}}}}")
    }
}
