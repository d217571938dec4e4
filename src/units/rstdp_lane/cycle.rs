//! The cycle model: the lane's RTL registers and nets, bit for bit, one `eval` per clock edge.
//!
//! Every value is held as the unsigned bit pattern of its net and computed the
//! way the template computes it (two's complement in fixed widths, saturation
//! by the top bits of a sum). It is checked against the step model, which
//! states the rule without widths, and against the Verilated RTL.

use crate::design::{CycleModel, Signal, bit, mask, sign_extend};

use super::nets::{Net, present_nets, signal_table};
use super::params::LaneParams;

pub struct LaneCycleModel {
    params: LaneParams,
    signals: Vec<Signal>,
    /// `nets[i]` is the net behind `signals[i]`.
    nets: Vec<Net>,
    /// Values indexed by `Net as usize`.
    values: [u64; Net::COUNT],
    clk_before: bool,
}

impl LaneCycleModel {
    pub fn new(params: LaneParams) -> Self {
        let mut model = LaneCycleModel {
            params,
            signals: signal_table(&params),
            nets: present_nets(&params).collect(),
            values: [0; Net::COUNT],
            clk_before: false,
        };
        model.set_constants();
        model.reset_registers();
        model.settle();
        model
    }

    pub fn get(&self, net: Net) -> u64 {
        self.values[net as usize]
    }

    /// Sets an input net by name; used by lane-specific drivers.
    pub fn set(&mut self, net: Net, value: u64) {
        debug_assert_eq!(net.kind(), crate::design::SignalKind::Input);
        self.values[net as usize] = value & mask(net.width(&self.params));
    }

    fn set_constants(&mut self) {
        let p = self.params;
        let t = p.trace_bits();
        self.values[Net::MaxWeight as usize] = p.max_weight();
        self.values[Net::MaxTrace as usize] = p.max_trace();
        self.values[Net::MinEligibility as usize] = (p.min_eligibility() as u64) & mask(t);
        self.values[Net::MaxEligibility as usize] = p.max_eligibility() as u64;
        self.values[Net::ResetWeight as usize] = p.reset_weight();
    }

    fn reset_registers(&mut self) {
        self.values[Net::WeightQ as usize] = self.params.reset_weight();
        self.values[Net::PreTraceQ as usize] = 0;
        self.values[Net::PostTraceQ as usize] = 0;
        self.values[Net::EligibilityQ as usize] = 0;
    }

    /// The combinational logic of the template, in the order it is written there.
    fn settle(&mut self) {
        let p = self.params;
        let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
        let d = p.trace_decay_shift();
        let v = |n: Net| self.values[n as usize];
        let (mt, t_msb) = (mask(t), t - 1);

        let pre_i = v(Net::PreI) == 1;
        let post_i = v(Net::PostI) == 1;
        let (weight_q, pre_q, post_q, elig_q) = (
            v(Net::WeightQ),
            v(Net::PreTraceQ),
            v(Net::PostTraceQ),
            v(Net::EligibilityQ),
        );
        let max_trace = v(Net::MaxTrace);

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
        let potentiation = if post_i {
            if pre_i { max_trace } else { pre_q }
        } else {
            0
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
            v(Net::MinEligibility)
        } else {
            v(Net::MaxEligibility)
        };

        // 5. Weight: (r x e') >>> L in R + T bits, then a saturating add.
        let product_bits = p.product_bits();
        let weight_delta = if p.learning_shift() < product_bits {
            let product = sign_extend(v(Net::RewardI), r) * sign_extend(elig_next, t);
            (product >> p.learning_shift()) as u64 & mask(product_bits)
        } else {
            let reward = v(Net::RewardI);
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
            v(Net::MaxWeight)
        } else {
            weight_sum
        };
        let weight_next = if v(Net::LearnEnI) == 1 {
            weight_updated
        } else {
            weight_q
        };

        // Register inputs: load wins over step; otherwise hold.
        let (weight_d, pre_d, post_d, elig_d) = if v(Net::LoadI) == 1 {
            (v(Net::LoadWeightI), 0, 0, 0)
        } else if v(Net::StepI) == 1 {
            (weight_next, pre_next, post_next, elig_next)
        } else {
            (weight_q, pre_q, post_q, elig_q)
        };

        let mut set = |n: Net, x: u64| self.values[n as usize] = x;
        set(Net::PreTraceDecayed, pre_decayed);
        set(Net::PostTraceDecayed, post_decayed);
        set(Net::EligibilityMagnitude, elig_magnitude);
        set(Net::EligibilityDecayed, elig_decayed);
        set(Net::Potentiation, potentiation);
        set(Net::Depression, depression);
        set(Net::EligibilitySum, elig_sum);
        set(Net::PreTraceNext, pre_next);
        set(Net::PostTraceNext, post_next);
        set(Net::EligibilityNext, elig_next);
        set(Net::WeightDelta, weight_delta);
        set(Net::WeightSum, weight_sum);
        set(Net::WeightUpdated, weight_updated);
        set(Net::WeightNext, weight_next);
        set(Net::WeightD, weight_d);
        set(Net::PreTraceD, pre_d);
        set(Net::PostTraceD, post_d);
        set(Net::EligibilityD, elig_d);
        set(Net::WeightO, weight_q);
        set(Net::PreTraceO, pre_q);
        set(Net::PostTraceO, post_q);
        set(Net::EligibilityO, elig_q);
    }

    fn clock_registers(&mut self) {
        for (q, d) in [
            (Net::WeightQ, Net::WeightD),
            (Net::PreTraceQ, Net::PreTraceD),
            (Net::PostTraceQ, Net::PostTraceD),
            (Net::EligibilityQ, Net::EligibilityD),
        ] {
            self.values[q as usize] = self.values[d as usize];
        }
    }
}

impl CycleModel for LaneCycleModel {
    fn signals(&self) -> &[Signal] {
        &self.signals
    }

    fn set_input(&mut self, index: usize, value: u64) {
        self.set(self.nets[index], value);
    }

    fn eval(&mut self) {
        let clk = self.get(Net::ClkI) == 1;
        let rising = clk && !self.clk_before;
        self.clk_before = clk;
        if self.get(Net::RstNi) == 0 {
            self.reset_registers();
        } else if rising {
            // Registers sample the register inputs as settled from the current inputs.
            self.settle();
            self.clock_registers();
        }
        self.settle();
    }

    fn value(&self, index: usize) -> u64 {
        self.get(self.nets[index])
    }
}
