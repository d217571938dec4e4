//! The cycle model: the lane's RTL registers and nets, bit for bit, evaluated
//! like the Verilated model (registers clock when `eval` sees `clk_i` rise).
//!
//! Every value is held as the unsigned bit pattern of its net and computed the
//! way the template computes it (two's complement in fixed widths, saturation
//! by the top bits of a sum). It is checked against the step model, which
//! states the rule without widths, and against the Verilated RTL. Clocking,
//! reset and the net table come from `crate::netlist`.

use crate::design::{bit, mask, sign_extend};
use crate::netlist::{Logic, NetModel, Values};

use super::nets::Net;
use super::params::LaneParams;

/// The lane's RTL behaviour over its nets.
#[derive(Debug, Clone, Copy)]
pub struct LaneLogic(pub LaneParams);

/// The lane's cycle model.
pub type LaneCycleModel = NetModel<LaneLogic>;

impl LaneCycleModel {
    pub fn for_params(params: LaneParams) -> Self {
        NetModel::new(LaneLogic(params))
    }
}

impl Logic for LaneLogic {
    type Net = Net;

    fn width(&self, net: Net) -> u32 {
        net.width(&self.0)
    }

    fn present(&self, net: Net) -> bool {
        net.present(&self.0)
    }

    fn constants(&self, v: &mut Values<Net>) {
        let p = &self.0;
        v.set(Net::MaxWeight, p.max_weight());
        v.set(Net::MaxTrace, p.max_trace());
        v.set(Net::MinEligibility, p.min_eligibility() as u64);
        v.set(Net::MaxEligibility, p.max_eligibility() as u64);
        v.set(Net::ResetWeight, p.reset_weight());
    }

    fn reset(&self, v: &mut Values<Net>) {
        v.set(Net::WeightQ, self.0.reset_weight());
        v.set(Net::PreTraceQ, 0);
        v.set(Net::PostTraceQ, 0);
        v.set(Net::EligibilityQ, 0);
    }

    fn registers(&self) -> &'static [(Net, Net)] {
        &[
            (Net::WeightQ, Net::WeightD),
            (Net::PreTraceQ, Net::PreTraceD),
            (Net::PostTraceQ, Net::PostTraceD),
            (Net::EligibilityQ, Net::EligibilityD),
        ]
    }

    /// The combinational logic of the template, in the order it is written there.
    fn settle(&self, v: &mut Values<Net>) {
        let p = &self.0;
        let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
        let d = p.trace_decay_shift();
        let (mt, t_msb) = (mask(t), t - 1);

        let pre_i = v.flag(Net::PreI);
        let post_i = v.flag(Net::PostI);
        let (weight_q, pre_q, post_q, elig_q) = (
            v.get(Net::WeightQ),
            v.get(Net::PreTraceQ),
            v.get(Net::PostTraceQ),
            v.get(Net::EligibilityQ),
        );
        let max_trace = v.get(Net::MaxTrace);

        // 1. Decay.
        let decay = |x: u64| {
            if p.decays() {
                x.wrapping_sub(x >> d) & mt
            } else {
                x
            }
        };
        let pre_decayed = decay(pre_q);
        let post_decayed = decay(post_q);
        let elig_magnitude = (!elig_q).wrapping_add(1) & mt;
        let elig_decayed = if !p.decays() {
            elig_q
        } else if bit(elig_q, t_msb) {
            elig_q.wrapping_add(elig_magnitude >> d) & mt
        } else {
            elig_q.wrapping_sub(elig_q >> d) & mt
        };

        // 2.-4. Traces, pairing terms and the eligibility sum in T + 2 bits.
        let pre_next = if pre_i { max_trace } else { pre_decayed };
        let post_next = if post_i { max_trace } else { post_decayed };
        let potentiation = match (post_i, pre_i) {
            (false, _) => 0,
            (true, true) => max_trace,
            (true, false) => pre_q,
        };
        let depression = if pre_i { post_q } else { 0 };
        let sum_bits = p.eligibility_sum_bits();
        let elig_sum = (sign_extend(elig_decayed, t) as u64)
            .wrapping_add(potentiation)
            .wrapping_sub(depression)
            & mask(sum_bits);
        let sum_top = elig_sum >> t_msb; // bits [T+1:T-1]
        let elig_next = if sum_top == 0 || sum_top == 0b111 {
            elig_sum & mt
        } else if bit(elig_sum, t + 1) {
            v.get(Net::MinEligibility)
        } else {
            v.get(Net::MaxEligibility)
        };

        // 5. Weight: (r x e') >>> L in R + T bits, then a saturating add.
        let product_bits = p.product_bits();
        let reward = v.get(Net::RewardI);
        let weight_delta = if p.learning_shift() < product_bits {
            let product = sign_extend(reward, r) * sign_extend(elig_next, t);
            (product >> p.learning_shift()) as u64 & mask(product_bits)
        } else {
            // Only the sign survives: -1 when both are nonzero with opposite signs.
            let negative =
                (bit(reward, r - 1) != bit(elig_next, t_msb)) && reward != 0 && elig_next != 0;
            if negative { mask(product_bits) } else { 0 }
        };
        let sum_w = p.weight_sum_bits();
        let weight_sum =
            weight_q.wrapping_add(sign_extend(weight_delta, product_bits) as u64) & mask(sum_w);
        let weight_updated = if bit(weight_sum, sum_w - 1) {
            0
        } else if weight_sum >> w != 0 {
            v.get(Net::MaxWeight)
        } else {
            weight_sum
        };
        let weight_next = if v.flag(Net::LearnEnI) {
            weight_updated
        } else {
            weight_q
        };

        // Register inputs: load wins over step; otherwise hold.
        let (weight_d, pre_d, post_d, elig_d) = if v.flag(Net::LoadI) {
            (v.get(Net::LoadWeightI), 0, 0, 0)
        } else if v.flag(Net::StepI) {
            (weight_next, pre_next, post_next, elig_next)
        } else {
            (weight_q, pre_q, post_q, elig_q)
        };

        v.set(Net::PreTraceDecayed, pre_decayed);
        v.set(Net::PostTraceDecayed, post_decayed);
        if p.decays() {
            v.set(Net::EligibilityMagnitude, elig_magnitude);
        }
        v.set(Net::EligibilityDecayed, elig_decayed);
        v.set(Net::Potentiation, potentiation);
        v.set(Net::Depression, depression);
        v.set(Net::EligibilitySum, elig_sum);
        v.set(Net::PreTraceNext, pre_next);
        v.set(Net::PostTraceNext, post_next);
        v.set(Net::EligibilityNext, elig_next);
        v.set(Net::WeightDelta, weight_delta);
        v.set(Net::WeightSum, weight_sum);
        v.set(Net::WeightUpdated, weight_updated);
        v.set(Net::WeightNext, weight_next);
        v.set(Net::WeightD, weight_d);
        v.set(Net::PreTraceD, pre_d);
        v.set(Net::PostTraceD, post_d);
        v.set(Net::EligibilityD, elig_d);
        v.set(Net::WeightO, weight_q);
        v.set(Net::PreTraceO, pre_q);
        v.set(Net::PostTraceO, post_q);
        v.set(Net::EligibilityO, elig_q);
    }
}
