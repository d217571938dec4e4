//! The lane's named nets: the single table the template declares, the cycle
//! model computes and both VCDs trace. Ports come first, in port order.

use crate::netlist::unit_nets;

use super::params::LaneParams;

unit_nets! {
    /// Every net of the lane RTL, in declaration order.
    Net {
    ClkI => "clk_i", Input;
    RstNi => "rst_ni", Input;
    StepI => "step_i", Input;
    PreI => "pre_i", Input;
    PostI => "post_i", Input;
    RewardI => "reward_i", Input;
    LearnEnI => "learn_en_i", Input;
    LoadI => "load_i", Input;
    LoadWeightI => "load_weight_i", Input;
    WeightO => "weight_o", Output;
    PreTraceO => "pre_trace_o", Output;
    PostTraceO => "post_trace_o", Output;
    EligibilityO => "eligibility_o", Output;
    MaxWeight => "MAX_WEIGHT", Constant;
    MaxTrace => "MAX_TRACE", Constant;
    MinEligibility => "MIN_ELIGIBILITY", Constant;
    MaxEligibility => "MAX_ELIGIBILITY", Constant;
    ResetWeight => "RESET_WEIGHT", Constant;
    WeightQ => "weight_q", Register;
    PreTraceQ => "pre_trace_q", Register;
    PostTraceQ => "post_trace_q", Register;
    EligibilityQ => "eligibility_q", Register;
    PreTraceDecayed => "pre_trace_decayed", Comb;
    PostTraceDecayed => "post_trace_decayed", Comb;
    EligibilityMagnitude => "eligibility_magnitude", Comb;
    EligibilityDecayed => "eligibility_decayed", Comb;
    Potentiation => "potentiation", Comb;
    Depression => "depression", Comb;
    EligibilitySum => "eligibility_sum", Comb;
    PreTraceNext => "pre_trace_next", Comb;
    PostTraceNext => "post_trace_next", Comb;
    EligibilityNext => "eligibility_next", Comb;
    WeightDelta => "weight_delta", Comb;
    WeightSum => "weight_sum", Comb;
    WeightUpdated => "weight_updated", Comb;
    WeightNext => "weight_next", Comb;
    WeightD => "weight_d", Comb;
    PreTraceD => "pre_trace_d", Comb;
    PostTraceD => "post_trace_d", Comb;
    EligibilityD => "eligibility_d", Comb;
    }
}

impl Net {
    /// Width in bits under `p`.
    pub fn width(self, p: &LaneParams) -> u32 {
        let (w, t) = (p.weight_bits(), p.trace_bits());
        match self {
            Net::ClkI
            | Net::RstNi
            | Net::StepI
            | Net::PreI
            | Net::PostI
            | Net::LearnEnI
            | Net::LoadI => 1,
            Net::RewardI => p.reward_bits(),
            Net::LoadWeightI | Net::WeightO | Net::MaxWeight | Net::ResetWeight | Net::WeightQ => w,
            Net::WeightUpdated | Net::WeightNext | Net::WeightD => w,
            Net::PreTraceO | Net::PostTraceO | Net::EligibilityO => t,
            Net::MaxTrace | Net::MinEligibility | Net::MaxEligibility => t,
            Net::PreTraceQ | Net::PostTraceQ | Net::EligibilityQ => t,
            Net::PreTraceDecayed
            | Net::PostTraceDecayed
            | Net::EligibilityMagnitude
            | Net::EligibilityDecayed => t,
            Net::Potentiation | Net::Depression => t,
            Net::PreTraceNext | Net::PostTraceNext | Net::EligibilityNext => t,
            Net::PreTraceD | Net::PostTraceD | Net::EligibilityD => t,
            Net::EligibilitySum => p.eligibility_sum_bits(),
            Net::WeightDelta => p.product_bits(),
            Net::WeightSum => p.weight_sum_bits(),
        }
    }

    /// Whether the RTL of `p` declares this net: the magnitude of a negative
    /// eligibility only exists where eligibility decays.
    pub fn present(self, p: &LaneParams) -> bool {
        match self {
            Net::EligibilityMagnitude => p.decays(),
            _ => true,
        }
    }
}
