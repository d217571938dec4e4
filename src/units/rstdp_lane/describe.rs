//! The lane's net-level description: the one source of its Verilog, its
//! cycle model, its net table and its resource estimate. The rule it
//! implements is docs/spec.md section 1; the step model (`step.rs`) states the
//! same rule independently and the tests hold the two equal.

use crate::design::mask;
use crate::hdl::{Expr, Module, ModuleBuilder, Net, Statement, concat, lit, mux, zero};

use super::params::LaneParams;

/// The description of a lane with these parameters, as module `name`.
pub fn describe(p: &LaneParams, name: &str) -> Result<Module, crate::hdl::DescriptionError> {
    let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
    let (l, d) = (p.learning_shift(), p.trace_decay_shift());
    let (product_bits, sum_bits) = (p.product_bits(), p.weight_sum_bits());
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the R-STDP lane description (docs/spec.md section 1)".into(),
            format!("  weight_bits W = {w}, trace_bits T = {t}, reward_bits R = {r},"),
            format!(
                "  learning_shift L = {l}, trace_decay_shift D = {d}, reset_weight = {}",
                p.reset_weight()
            ),
            String::new(),
            "One synapse of online O(1) reward-modulated STDP: state is weight, pre trace,".into(),
            format!(
                "post trace and eligibility ({} bits), whatever the sequence length.",
                p.state_bits_per_synapse()
            ),
            "A clock with step_i high advances one timestep; load_i (which wins over".into(),
            "step_i) sets the weight and clears traces and eligibility. With learn_en_i".into(),
            "low the weight holds while traces and eligibility keep running.".into(),
            "All values are plain bit vectors; $signed() marks the two places where".into(),
            "arithmetic is signed (the product and its arithmetic shift).".into(),
        ],
    );

    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let step_i = m.input("step_i", 1, "advance one timestep at this clock");
    let pre_i = m.input("pre_i", 1, "presynaptic spike");
    let post_i = m.input("post_i", 1, "postsynaptic spike");
    let reward_i = m.input("reward_i", r, "two's complement");
    let learn_en_i = m.input("learn_en_i", 1, "0 freezes the weight");
    let load_i = m.input("load_i", 1, "start a fresh synapse at this clock");
    let load_weight_i = m.input("load_weight_i", w, "");
    let weight_o = m.output("weight_o", w, "");
    let pre_trace_o = m.output("pre_trace_o", t, "");
    let post_trace_o = m.output("post_trace_o", t, "");
    let eligibility_o = m.output("eligibility_o", t, "two's complement");

    let RuleConstants {
        max_weight,
        max_trace,
        min_eligibility,
        max_eligibility,
    } = RuleConstants::declare(&mut m, p);
    let reset_weight = m.constant("RESET_WEIGHT", w, p.reset_weight(), "");

    m.section(&["Synapse state."]);
    let weight_q = m.register("weight_q", w, reset_weight, "");
    let pre_trace_q = m.register("pre_trace_q", t, zero(t), "");
    let post_trace_q = m.register("post_trace_q", t, zero(t), "");
    let eligibility_q = m.register("eligibility_q", t, zero(t), "");

    let (pre_trace_next, post_trace_next, eligibility_next) = next_state(
        &mut m,
        p,
        [pre_i, post_i],
        [pre_trace_q, post_trace_q, eligibility_q],
        [max_trace, min_eligibility, max_eligibility],
        false,
    );

    m.section(&[
        &format!("5. Weight: dw = (r * e') >>> L in R + T = {product_bits} bits (exact), then a"),
        &format!("   saturating add in {sum_bits} bits."),
    ]);
    let weight_delta = m.wire("weight_delta", product_bits, "");
    let weight_sum = m.wire("weight_sum", sum_bits, "");
    let weight_updated = m.wire("weight_updated", w, "");
    let weight_next = m.wire("weight_next", w, "");
    let delta: Expr = if l < product_bits {
        reward_i
            .sext(product_bits)
            .mul_signed(eligibility_next.sext(product_bits))
            .sra(l)
    } else {
        // L >= R + T: only the sign of the product survives the shift (the
        // floor of a negative product is -1), so no multiplier is built.
        ((reward_i.msb() ^ eligibility_next.msb()) & reward_i.any() & eligibility_next.any())
            .repeat(product_bits)
    };
    m.assign(weight_delta, delta);
    m.assign(
        weight_sum,
        weight_q.zext(sum_bits) + weight_delta.sext(sum_bits),
    );
    m.assign(
        weight_updated,
        mux(
            weight_sum.bit(sum_bits - 1),
            zero(w),
            mux(
                weight_sum.slice(sum_bits - 2, w).any(),
                max_weight,
                weight_sum.slice(w - 1, 0),
            ),
        ),
    );
    m.assign(weight_next, mux(learn_en_i, weight_updated, weight_q));

    m.section(&["Register inputs: defaults first; load wins over step."]);
    let weight_d = m.comb("weight_d", w, "");
    let pre_trace_d = m.comb("pre_trace_d", t, "");
    let post_trace_d = m.comb("post_trace_d", t, "");
    let eligibility_d = m.comb("eligibility_d", t, "");
    let set = Statement::assign;
    m.process(vec![
        set(weight_d, weight_q.into()),
        set(pre_trace_d, pre_trace_q.into()),
        set(post_trace_d, post_trace_q.into()),
        set(eligibility_d, eligibility_q.into()),
        Statement::when(
            load_i,
            vec![
                set(weight_d, load_weight_i.into()),
                set(pre_trace_d, zero(t)),
                set(post_trace_d, zero(t)),
                set(eligibility_d, zero(t)),
            ],
            vec![Statement::when(
                step_i,
                vec![
                    set(weight_d, weight_next.into()),
                    set(pre_trace_d, pre_trace_next.into()),
                    set(post_trace_d, post_trace_next.into()),
                    set(eligibility_d, eligibility_next.into()),
                ],
                vec![],
            )],
        ),
    ]);
    m.clocked(
        vec![
            (weight_q, weight_d.into()),
            (pre_trace_q, pre_trace_d.into()),
            (post_trace_q, post_trace_d.into()),
            (eligibility_q, eligibility_d.into()),
        ],
        None,
    );

    m.section(&[]);
    m.assign(weight_o, weight_q);
    m.assign(pre_trace_o, pre_trace_q);
    m.assign(post_trace_o, post_trace_q);
    m.assign(eligibility_o, eligibility_q);
    m.finish()
}

/// Steps 1-4 (docs/spec.md section 1): the traces and eligibility after a
/// timestep, from the spikes `[pre_i, post_i]`, the state registers
/// `[pre_trace_q, post_trace_q, eligibility_q]` and the constants
/// `[MAX_TRACE, MIN_ELIGIBILITY, MAX_ELIGIBILITY]`; returns
/// `(pre_trace_next, post_trace_next, eligibility_next)`. Shared by the
/// single-cycle and the pipelined lane: both keep these one-cycle loops.
/// With `carry_save` (the pipelined lane, where this loop sets the clock)
/// decay and pairing meet in a carry-save layer before one carry chain;
/// without it (the single-cycle lane, whose clock the product sets) decay
/// and sum are two chains, fewer LUTs on xc7 and fewer operations for the
/// cycle model.
pub(super) fn next_state(
    m: &mut ModuleBuilder,
    p: &LaneParams,
    [pre_i, post_i]: [Net; 2],
    [pre_trace_q, post_trace_q, eligibility_q]: [Net; 3],
    [max_trace, min_eligibility, max_eligibility]: [Net; 3],
    carry_save: bool,
) -> (Net, Net, Net) {
    let (t, d) = (p.trace_bits(), p.trace_decay_shift());
    m.section(&["1.-2. Decay and new traces: v - (v >> D), or MAX_TRACE on a spike."]);
    let pre_trace_next = m.wire("pre_trace_next", t, "");
    let post_trace_next = m.wire("post_trace_next", t, "");
    if p.decays() {
        m.assign(
            pre_trace_next,
            mux(pre_i, max_trace, pre_trace_q - (pre_trace_q >> d)),
        );
        m.assign(
            post_trace_next,
            mux(post_i, max_trace, post_trace_q - (post_trace_q >> d)),
        );
    } else {
        m.note(&if d == 0 {
            "D = 0: docs/spec.md makes D = 0 the identity.".to_string()
        } else {
            format!("D = {d}: D >= T shifts every value to zero.")
        });
        m.assign(pre_trace_next, mux(pre_i, max_trace, pre_trace_q));
        m.assign(post_trace_next, mux(post_i, max_trace, post_trace_q));
    }

    let sum_bits = t + 2;
    m.section(&[
        if carry_save {
            "3.-4. Eligibility: decay, pairing and saturation in one carry chain. The"
        } else {
            "3.-4. Eligibility: decay, then pairing in T + 2 bits, then saturation. The"
        },
        "      pairing terms potentiation - depression are pairing_term + pairing_carry:",
        "      post and pre: MAX_TRACE - q = ~q; post: p; pre: -q = ~q + 1; neither: 0.",
    ]);
    let pairing_term = m.wire("pairing_term", sum_bits, "");
    let pairing_carry = m.wire("pairing_carry", 1, "");
    let eligibility_sum = m.wire("eligibility_sum", sum_bits, "");
    let eligibility_next = m.wire("eligibility_next", t, "");
    m.assign(
        pairing_term,
        mux(
            post_i,
            mux(
                pre_i,
                (!post_trace_q).zext(sum_bits),
                pre_trace_q.zext(sum_bits),
            ),
            mux(pre_i, !post_trace_q.zext(sum_bits), zero(sum_bits)),
        ),
    );
    m.assign(pairing_carry, pre_i & !post_i);
    if p.decays() {
        // e - (e >>> D) is e's decay for e >= 0. For e < 0 the rule decays the
        // magnitude, e + (|e| >> D), and |e| >> D = -(e >>> D) - 1 exactly when
        // e's low D bits are not all zero: the difference is one carry.
        let term_bits = if carry_save { sum_bits } else { t };
        let decay_term = m.wire(
            "decay_term",
            term_bits,
            "~(e >>> D): e - (e >>> D) = e + decay_term + 1",
        );
        let decay_carry = m.wire("decay_carry", 1, "0 when e < 0 and e mod 2^D != 0");
        m.assign(
            decay_term,
            !concat([
                eligibility_q.msb().repeat(term_bits - (t - d)),
                eligibility_q.slice(t - 1, d),
            ]),
        );
        m.assign(
            decay_carry,
            !(eligibility_q.msb() & eligibility_q.slice(d - 1, 0).any()),
        );
        if carry_save {
            let partial_sum = m.wire("partial_sum", sum_bits, "");
            let carry_majority = m.wire("carry_majority", sum_bits - 1, "");
            let partial_carry = m.wire("partial_carry", sum_bits, "");
            m.explain(
                "A carry-save layer adds e, decay_term and pairing_term without a carry chain.",
            );
            m.assign(
                partial_sum,
                eligibility_q.sext(sum_bits) ^ decay_term ^ pairing_term,
            );
            let (decay_low, pairing_low) = (decay_term.slice(t, 0), pairing_term.slice(t, 0));
            m.assign(
                carry_majority,
                (eligibility_q.sext(t + 1) & decay_low.clone())
                    | (eligibility_q.sext(t + 1) & pairing_low.clone())
                    | (decay_low & pairing_low),
            );
            m.assign(
                partial_carry,
                concat([carry_majority.into(), decay_carry.into()]),
            );
            m.assign(
                eligibility_sum,
                partial_sum + partial_carry + pairing_carry.zext(sum_bits),
            );
        } else {
            // Decay keeps |e| from growing, so the decayed value fits T bits.
            let eligibility_decayed = m.wire("eligibility_decayed", t, "");
            m.assign(
                eligibility_decayed,
                eligibility_q + decay_term + decay_carry.zext(t),
            );
            m.assign(
                eligibility_sum,
                eligibility_decayed.sext(sum_bits) + pairing_term + pairing_carry.zext(sum_bits),
            );
        }
    } else {
        m.assign(
            eligibility_sum,
            eligibility_q.sext(sum_bits) + pairing_term + pairing_carry.zext(sum_bits),
        );
    }
    m.explain("The sum fits T signed bits exactly when its top three bits agree.");
    let top = eligibility_sum.slice(t + 1, t - 1);
    m.assign(
        eligibility_next,
        mux(
            top.clone().eq(lit(3, 0b000)) | top.eq(lit(3, 0b111)),
            eligibility_sum.slice(t - 1, 0),
            mux(eligibility_sum.bit(t + 1), min_eligibility, max_eligibility),
        ),
    );

    (pre_trace_next, post_trace_next, eligibility_next)
}

/// The rule's saturation bounds as localparams, named alike in every module
/// that implements the rule (the lane, the pipelined lane, the array's lanes).
pub struct RuleConstants {
    pub max_weight: Net,
    pub max_trace: Net,
    pub min_eligibility: Net,
    pub max_eligibility: Net,
}

impl RuleConstants {
    pub fn declare(m: &mut ModuleBuilder, p: &LaneParams) -> Self {
        let (w, t) = (p.weight_bits(), p.trace_bits());
        RuleConstants {
            max_weight: m.constant("MAX_WEIGHT", w, p.max_weight(), ""),
            max_trace: m.constant("MAX_TRACE", t, p.max_trace(), ""),
            min_eligibility: m.constant(
                "MIN_ELIGIBILITY",
                t,
                p.min_eligibility() as u64 & mask(t),
                "",
            ),
            max_eligibility: m.constant("MAX_ELIGIBILITY", t, p.max_eligibility() as u64, ""),
        }
    }
}
