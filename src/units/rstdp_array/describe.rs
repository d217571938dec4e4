//! The array's net-level description: a top module with the sweep control,
//! the post traces, the host port and the input current, over K instances of
//! one lane module that holds its synapses and pre traces in block RAM and
//! updates one synapse per clock through a five-stage pipeline.
//! docs/architecture.md ("The synapse array") explains the schedule; the
//! factored step model (`step.rs`) states the rule independently.

use std::sync::Arc;

use crate::hdl::{
    DescriptionError, Expr, Module, ModuleBuilder, Net, lit, mux, times_constant, zero,
};
use crate::units::rstdp_lane::LaneParams;
use crate::units::rstdp_lane::describe::RuleConstants;

use super::params::ArrayConfig;

/// Decay of a trace (unsigned): v - (v >> D), the identity when nothing decays.
fn trace_decay(p: &LaneParams, trace: Net) -> Expr {
    if p.decays() {
        trace - (trace >> p.trace_decay_shift())
    } else {
        trace.into()
    }
}

/// The next trace: MAXT on a spike, else the decayed trace.
fn trace_next(p: &LaneParams, max_trace: Net, spike: impl Into<Expr>, trace: Net) -> Expr {
    mux(spike, max_trace, trace_decay(p, trace))
}

/// s5 of a lane with a run-time shift: w' = sat(w + dw). Any dw beyond
/// +-2^W saturates as 2^W does (w is in [0, 2^W - 1]), so the sum is formed
/// in W + 3 bits from dw's low W + 2 bits, beside a test of whether dw fits
/// them: a short carry chain instead of one of R + T bits.
fn describe_narrow_weight_sum(
    m: &mut ModuleBuilder,
    p: &LaneParams,
    weight_delta: Net,
    weight: Net,
    max_weight: Net,
    learn_en: Net,
    weight_next: Net,
) {
    let (w, product_bits) = (p.weight_bits(), p.product_bits());
    let (low_bits, sum_bits) = (w + 2, w + 3);
    m.section(&[&format!(
        "s5: w' = sat(w + dw): dw's low {low_bits} bits summed in {sum_bits} bits; a dw that does"
    ), "not fit them saturates w' by its sign. learn_en_i low keeps w."]);
    let weight_sum = m.wire("weight_sum", sum_bits, "");
    let weight_updated = m.wire("weight_updated", w, "");
    let delta_fits = m.wire("delta_fits", 1, &format!("dw fits {low_bits} signed bits"));
    if product_bits <= low_bits {
        m.assign(
            weight_sum,
            weight.zext(sum_bits) + weight_delta.sext(sum_bits),
        );
        m.assign(delta_fits, lit(1, 1));
    } else {
        let delta_low = m.wire("delta_low", low_bits, "");
        m.assign(delta_low, weight_delta.slice(low_bits - 1, 0));
        m.assign(weight_sum, weight.zext(sum_bits) + delta_low.sext(sum_bits));
        let upper = weight_delta.slice(product_bits - 1, low_bits - 1);
        m.assign(delta_fits, upper.clone().all() | !upper.any());
    }
    m.assign(
        weight_updated,
        mux(
            delta_fits,
            mux(
                weight_sum.bit(sum_bits - 1),
                zero(w),
                mux(
                    weight_sum.slice(sum_bits - 2, w).any(),
                    max_weight,
                    weight_sum.slice(w - 1, 0),
                ),
            ),
            mux(weight_delta.msb(), zero(w), max_weight),
        ),
    );
    m.clocked(
        vec![(weight_next, mux(learn_en, weight_updated, weight))],
        None,
    );
}

/// How a header names the learning shift: the constant, or the port.
fn learning_shift_text(c: &ArrayConfig) -> String {
    match c.learning_shift_port_bits() {
        None => format!("learning_shift L = {}", c.lane().learning_shift()),
        Some(lb) => format!("learning_shift L = learning_shift_i ({lb} bits, taken with step_i)"),
    }
}

/// The lane module: synapse words (weight, eligibility) and pre traces of
/// pre neurons k, k + K, k + 2K, ... in block RAM, and the pipeline.
pub fn describe_lane(c: &ArrayConfig, name: &str) -> Result<Module, DescriptionError> {
    let p = c.lane();
    let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
    let (l, d) = (p.learning_shift(), p.trace_decay_shift());
    let (product_bits, sum_bits) = (p.product_bits(), p.weight_sum_bits());
    let groups = c.groups() as u32;
    let (a, ag) = (c.synapse_address_bits(), c.group_bits());
    let shift_text = learning_shift_text(c);
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "one lane of the R-STDP synapse array (docs/architecture.md, the synapse array)".into(),
            format!(
                "  weight_bits W = {w}, trace_bits T = {t}, reward_bits R = {r}, {shift_text}, trace_decay_shift D = {d}"
            ),
            format!(
                "  groups G = {groups}, synapse words {} (address {a} bits), pre traces {groups} (address {ag} bits)",
                c.words_per_lane()
            ),
            String::new(),
            "The lane holds the synapses of pre neurons k, k + K, ... (group g is pre".into(),
            "neuron g*K + k) for every post neuron j at word j*G + g, and their pre".into(),
            "traces at word g. It retires one synapse per clock: s0 reads the memories,".into(),
            "s1 decays and forms the pairing terms, s2 sums and saturates the".into(),
            "eligibility, s3 multiplies it by the reward, s4 adds and saturates the".into(),
            "weight, s5 writes it. The top module schedules reads and writes.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let spikes_load_i = m.input(
        "spikes_load_i",
        1,
        "idle: follow spikes_i (a timestep starts with them)",
    );
    let spikes_i = m.input(
        "spikes_i",
        groups,
        "this lane's pre spikes, bit g = pre neuron g*K + k",
    );
    let issue_i = m.input("issue_i", 1, "s0: a group is read at this clock");
    let read_address_i = m.input("read_address_i", a, "s0 synapse word, or the host's");
    let group_address_i = m.input("group_address_i", ag, "s0 pre trace word, or the host's");
    let post_spike_i = m.input("post_spike_i", 1, "s1: the column's post spike");
    let post_trace_i = m.input("post_trace_i", t, "s1: the column's post trace");
    let reward_i = m.input("reward_i", r, "two's complement, this timestep's");
    let learning_shift_i = c
        .learning_shift_port_bits()
        .map(|lb| m.input("learning_shift_i", lb, "L of this timestep"));
    let learn_en_i = m.input("learn_en_i", 1, "0 keeps the weights");
    let pre_trace_write_i = m.input("pre_trace_write_i", 1, "");
    let pre_trace_address_i = m.input("pre_trace_address_i", ag, "");
    let eligibility_write_i = m.input("eligibility_write_i", 1, "");
    let eligibility_address_i = m.input("eligibility_address_i", a, "");
    let write_stage = c.weight_write_stage();
    let weight_write_i = m.input(
        "weight_write_i",
        1,
        &format!("s{write_stage}: write weight_next_s{write_stage}_q"),
    );
    let weight_address_i = m.input("weight_address_i", a, "");
    let clear_i = m.input("clear_i", 1, "trace and eligibility writes write zero");
    let host_write_i = m.input("host_write_i", 1, "write host_weight_i at read_address_i");
    let host_weight_i = m.input("host_weight_i", w, "");
    let contribution_o = m.output(
        "contribution_o",
        w,
        "s2: the weight if the pre neuron spiked, else 0",
    );
    let weight_o = m.output("weight_o", w, "read data: weight");
    let eligibility_o = m.output("eligibility_o", t, "read data: eligibility");
    let pre_trace_o = m.output("pre_trace_o", t, "read data: pre trace");

    let RuleConstants {
        max_weight,
        max_trace,
        min_eligibility,
        max_eligibility,
    } = RuleConstants::declare(&mut m, p);

    m.section(&[
        "Pre spikes of this timestep: the lane's bits rotate by one per group,",
        "so bit 0 is the spike of the group being read and a column ends where",
        "it started.",
    ]);
    let spikes_q = m.register("spikes_q", groups, zero(groups), "");
    let rotated: Expr = if groups > 1 {
        crate::hdl::concat([spikes_q.bit(0), spikes_q.slice(groups - 1, 1)])
    } else {
        spikes_q.into()
    };
    m.clocked(
        vec![(
            spikes_q,
            mux(spikes_load_i, spikes_i, mux(issue_i, rotated, spikes_q)),
        )],
        None,
    );

    m.section(&[&format!(
        "s{write_stage} result, written back at the next clock."
    )]);
    let weight_next_q = m.register(&format!("weight_next_s{write_stage}_q"), w, zero(w), "");
    let eligibility_s3_q = m.register("eligibility_s3_q", t, zero(t), "s3: e'");

    m.section(&[&format!(
        "s0: memories; the s{write_stage} write has the synapse port, the host the rest."
    )]);
    let pre_trace_next = m.wire("pre_trace_next", t, "s1");
    let weight_write_address = m.wire("weight_write_address", a, "");
    let weight_write_data = m.wire("weight_write_data", w, "");
    m.assign(
        weight_write_address,
        mux(weight_write_i, weight_address_i, read_address_i),
    );
    m.assign(
        weight_write_data,
        mux(weight_write_i, weight_next_q, host_weight_i),
    );
    let weight_read = m.memory(
        "weights",
        w,
        a,
        "weight of synapse word j*G + g",
        weight_write_i | host_write_i,
        weight_write_address.into(),
        weight_write_data.into(),
        vec![("weight_read_q", read_address_i.into())],
    )[0];
    let eligibility_read = m.memory(
        "eligibilities",
        t,
        a,
        "eligibility of synapse word j*G + g, two's complement",
        eligibility_write_i.into(),
        eligibility_address_i.into(),
        mux(clear_i, zero(t), eligibility_s3_q),
        vec![("eligibility_read_q", read_address_i.into())],
    )[0];
    let pre_trace_read = m.memory(
        "pre_traces",
        t,
        ag,
        "pre trace of group g",
        pre_trace_write_i.into(),
        pre_trace_address_i.into(),
        mux(clear_i, zero(t), pre_trace_next),
        vec![("pre_trace_read_q", group_address_i.into())],
    )[0];

    m.section(&[
        "s1: decay, the pairing terms from the traces before this timestep, the",
        "new pre trace (written in the last column, after its last read).",
    ]);
    let pre_spike_s1_q = m.register("pre_spike_s1_q", 1, zero(1), "");
    m.clocked(vec![(pre_spike_s1_q, spikes_q.bit(0))], None);
    let eligibility_decayed = m.wire("eligibility_decayed", t, "");
    let potentiation = m.wire("potentiation", t, "");
    let depression = m.wire("depression", t, "");
    let pairing = m.wire("pairing", t + 1, "potentiation - depression, signed");
    m.assign(
        pre_trace_next,
        trace_next(p, max_trace, pre_spike_s1_q, pre_trace_read),
    );
    if p.decays() {
        // dec_s(e) = e - (e >>> D), less one for a negative e whose low D bits
        // are not all zero (docs/spec.md §1.4): one carry chain, the
        // difference is its carry in, and no negation of e.
        let d = p.trace_decay_shift();
        let eligibility_shifted = m.wire("eligibility_shifted", t, "e >>> D");
        m.assign(eligibility_shifted, Expr::from(eligibility_read).sra(d));
        let decay_carry = m.wire("decay_carry", 1, "0: a negative e with low D bits set");
        let low_bits_set = eligibility_read.slice(d - 1, 0).any();
        m.assign(decay_carry, !(eligibility_read.msb() & low_bits_set));
        m.assign(
            eligibility_decayed,
            eligibility_read + !eligibility_shifted + decay_carry.zext(t),
        );
    } else {
        m.assign(eligibility_decayed, eligibility_read);
    }
    m.assign(
        potentiation,
        mux(
            post_spike_i,
            mux(pre_spike_s1_q, max_trace, pre_trace_read),
            zero(t),
        ),
    );
    m.assign(depression, mux(pre_spike_s1_q, post_trace_i, zero(t)));
    m.assign(pairing, potentiation.zext(t + 1) - depression.zext(t + 1));
    let contribution_s2_q = m.register("contribution_s2_q", w, zero(w), "");
    let eligibility_decayed_s2_q = m.register("eligibility_decayed_s2_q", t, zero(t), "");
    let pairing_s2_q = m.register("pairing_s2_q", t + 1, zero(t + 1), "");
    let weight_s2_q = m.register("weight_s2_q", w, zero(w), "");
    m.clocked(
        vec![
            (eligibility_decayed_s2_q, eligibility_decayed.into()),
            (pairing_s2_q, pairing.into()),
            (weight_s2_q, weight_read.into()),
            (contribution_s2_q, mux(pre_spike_s1_q, weight_read, zero(w))),
        ],
        None,
    );

    m.section(&[
        "s2: e' = sat(decayed + pairing) in T + 2 bits; it fits T signed bits",
        "exactly when the top three bits of the sum agree.",
    ]);
    let eligibility_sum = m.wire("eligibility_sum", t + 2, "");
    let eligibility_next = m.wire("eligibility_next", t, "");
    m.assign(
        eligibility_sum,
        eligibility_decayed_s2_q.sext(t + 2) + pairing_s2_q.sext(t + 2),
    );
    let top = eligibility_sum.slice(t + 1, t - 1);
    m.assign(
        eligibility_next,
        mux(
            top.clone().eq(lit(3, 0b000)) | top.eq(lit(3, 0b111)),
            eligibility_sum.slice(t - 1, 0),
            mux(eligibility_sum.bit(t + 1), min_eligibility, max_eligibility),
        ),
    );
    let weight_s3_q = m.register("weight_s3_q", w, zero(w), "");
    m.clocked(
        vec![
            (eligibility_s3_q, eligibility_next.into()),
            (weight_s3_q, weight_s2_q.into()),
        ],
        None,
    );

    match learning_shift_i {
        None => {
            m.section(&[&format!(
                "s3: dw = (r * e') >>> L in R + T = {product_bits} bits (exact); e' is written back."
            )]);
            let weight_delta = m.wire("weight_delta", product_bits, "");
            let delta: Expr = if l < product_bits {
                reward_i
                    .sext(product_bits)
                    .mul_signed(eligibility_s3_q.sext(product_bits))
                    .sra(l)
            } else {
                // L >= R + T: only the sign of the product survives the shift.
                ((reward_i.msb() ^ eligibility_s3_q.msb())
                    & reward_i.any()
                    & eligibility_s3_q.any())
                .repeat(product_bits)
            };
            m.assign(weight_delta, delta);
            let weight_delta_s4_q =
                m.register("weight_delta_s4_q", product_bits, zero(product_bits), "");
            let weight_s4_q = m.register("weight_s4_q", w, zero(w), "");
            m.clocked(
                vec![
                    (weight_delta_s4_q, weight_delta.into()),
                    (weight_s4_q, weight_s3_q.into()),
                ],
                None,
            );

            m.section(&[&format!(
                "s4: w' = sat(w + dw) in {sum_bits} bits; learn_en_i low keeps w."
            )]);
            let weight_sum = m.wire("weight_sum", sum_bits, "");
            let weight_updated = m.wire("weight_updated", w, "");
            m.assign(
                weight_sum,
                weight_s4_q.zext(sum_bits) + weight_delta_s4_q.sext(sum_bits),
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
            m.clocked(
                vec![(weight_next_q, mux(learn_en_i, weight_updated, weight_s4_q))],
                None,
            );
        }
        Some(shift) => {
            // A run-time L takes a stage of its own: s3 multiplies, s4
            // shifts, s5 adds, so that no clock holds two of them.
            m.section(&[&format!(
                "s3: r * e' in R + T = {product_bits} bits (exact); e' is written back."
            )]);
            let weight_product = m.wire("weight_product", product_bits, "");
            m.assign(
                weight_product,
                reward_i
                    .sext(product_bits)
                    .mul_signed(eligibility_s3_q.sext(product_bits)),
            );
            let weight_product_s4_q =
                m.register("weight_product_s4_q", product_bits, zero(product_bits), "");
            let weight_s4_q = m.register("weight_s4_q", w, zero(w), "");
            m.clocked(
                vec![
                    (weight_product_s4_q, weight_product.into()),
                    (weight_s4_q, weight_s3_q.into()),
                ],
                None,
            );

            m.section(&[
                "s4: dw = product >>> learning_shift_i, one stage per bit of the",
                "shift; a stage never shifts by more than R + T - 1, which already",
                "leaves only the sign.",
            ]);
            let mut shifted = weight_product_s4_q;
            for b in 0..shift.width() {
                let amount = (1u64 << b).min(product_bits as u64 - 1) as u32;
                let candidate = m.wire(
                    &format!("weight_delta_b{b}_shifted"),
                    product_bits,
                    &format!("the line above >>> {amount}"),
                );
                m.assign(candidate, Expr::from(shifted).sra(amount));
                let stage = m.wire(
                    &format!("weight_delta_b{b}"),
                    product_bits,
                    &format!("product >>> bits 0..={b} of learning_shift_i"),
                );
                m.assign(stage, mux(shift.bit(b), candidate, shifted));
                shifted = stage;
            }
            let weight_delta_s5_q =
                m.register("weight_delta_s5_q", product_bits, zero(product_bits), "");
            let weight_s5_q = m.register("weight_s5_q", w, zero(w), "");
            m.clocked(
                vec![
                    (weight_delta_s5_q, shifted.into()),
                    (weight_s5_q, weight_s4_q.into()),
                ],
                None,
            );
            describe_narrow_weight_sum(
                &mut m,
                p,
                weight_delta_s5_q,
                weight_s5_q,
                max_weight,
                learn_en_i,
                weight_next_q,
            );
        }
    }

    m.section(&[]);
    m.assign(contribution_o, contribution_s2_q);
    m.assign(weight_o, weight_read);
    m.assign(eligibility_o, eligibility_read);
    m.assign(pre_trace_o, pre_trace_read);
    m.finish()
}

/// Balanced sum of `terms`, each already `width` bits.
fn balanced_sum(mut terms: Vec<Expr>) -> Expr {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut it = terms.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a + b,
                None => a,
            });
        }
        terms = next;
    }
    terms.pop().expect("at least one term")
}

/// The array's top module.
pub fn describe(c: &ArrayConfig, name: &str) -> Result<Module, DescriptionError> {
    let p = c.lane();
    let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
    let (n_pre, n_post) = (c.n_pre() as u32, c.n_post() as u32);
    let (k_lanes, groups) = (c.lanes() as u32, c.groups() as u32);
    let (a, ag, bi, bj, bk) = (
        c.synapse_address_bits(),
        c.group_bits(),
        c.pre_bits(),
        c.post_bits(),
        c.lane_bits(),
    );
    let (cx, cb) = (c.exact_current_bits(), c.current_bits());
    let lane_module = Arc::new(describe_lane(c, &format!("{name}_lane"))?);

    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the R-STDP synapse array description (docs/architecture.md, the synapse array)".into(),
            format!(
                "  n_pre = {n_pre}, n_post = {n_post}, lanes K = {k_lanes} (requested {}), current_bits = {cb}",
                c.lanes_requested()
            ),
            format!(
                "  weight_bits W = {w}, trace_bits T = {t}, reward_bits R = {r}, {}, trace_decay_shift D = {}",
                learning_shift_text(c),
                p.trace_decay_shift()
            ),
            String::new(),
            format!(
                "An n_pre x n_post array of R-STDP synapses in the factored form: {} bits per",
                w + t
            ),
            "synapse (weight, eligibility) in the lanes' block RAM, one trace per neuron.".into(),
            "step_i, while busy_o is low, starts a timestep: the spikes, reward and".into(),
            "learn_en are taken, and the lanes sweep the synapses column by column (post".into(),
            format!(
                "neuron j), K pre neurons per clock: {} clocks from step_i to the next",
                c.timestep_clocks()
            ),
            format!(
                "accepted step_i ({} clocks of sweep plus {}). A timestep starts only after the",
                c.sweep_clocks(),
                c.pipeline_depth()
            ),
            "previous one's writes retired (a stall, not forwarding), so no read sees a".into(),
            "stale word. Each column's input current sum_i pre_i * w_ij (weights before".into(),
            "the update, saturated) appears on current_o with current_valid_o.".into(),
            format!(
                "clear_i clears every trace and eligibility ({} clocks); weights stay. While",
                c.clear_clocks()
            ),
            "busy_o is low, host_we_i writes a weight, and the read data of the addressed".into(),
            "synapse appears on host_*_o one clock after its address.".into(),
        ],
    );

    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let step_i = m.input("step_i", 1, "start a timestep (ignored while busy_o)");
    let clear_i = m.input(
        "clear_i",
        1,
        "clear traces and eligibility (ignored while busy_o; wins over step_i)",
    );
    let pre_i = m.input("pre_i", n_pre, "pre spikes, bit i = pre neuron i");
    let post_i = m.input("post_i", n_post, "post spikes, bit j = post neuron j");
    let reward_i = m.input("reward_i", r, "two's complement");
    let learning_shift_i = c
        .learning_shift_port_bits()
        .map(|lb| m.input("learning_shift_i", lb, "L for this timestep's updates"));
    let learn_en_i = m.input("learn_en_i", 1, "0 keeps the weights this timestep");
    let host_pre_i = (n_pre > 1).then(|| m.input("host_pre_i", bi, "host: pre neuron i"));
    let host_post_i = (n_post > 1).then(|| m.input("host_post_i", bj, "host: post neuron j"));
    let host_we_i = m.input("host_we_i", 1, "host: write the weight (while idle)");
    let host_weight_i = m.input("host_weight_i", w, "");
    let busy_o = m.output("busy_o", 1, "a timestep or a clear is in progress");
    let current_valid_o = m.output("current_valid_o", 1, "current_o holds a column's current");
    let current_post_o = m.output("current_post_o", bj, "the column j of current_o");
    let current_o = m.output("current_o", cb, "sum_i pre_i * w_ij, saturated");
    let host_weight_o = m.output("host_weight_o", w, "");
    let host_eligibility_o = m.output("host_eligibility_o", t, "two's complement");
    let host_pre_trace_o = m.output("host_pre_trace_o", t, "");
    let host_post_trace_o = m.output("host_post_trace_o", t, "");

    let max_trace = m.constant("MAX_TRACE", t, p.max_trace(), "");
    let last_word = m.constant(
        "LAST_WORD",
        a,
        c.words_per_lane() as u64 - 1,
        "n_post * G - 1",
    );
    let last_group = (groups > 1).then(|| m.constant("LAST_GROUP", ag, groups as u64 - 1, ""));
    let last_column = (n_post > 1).then(|| m.constant("LAST_COLUMN", bj, n_post as u64 - 1, ""));
    let max_current =
        (cb < cx).then(|| m.constant("MAX_CURRENT", cb, c.max_current(), "saturation"));

    m.section(&["Sweep and clear control."]);
    let sweeping_q = m.register("sweeping_q", 1, zero(1), "s0: a group is read");
    let clearing_q = m.register("clearing_q", 1, zero(1), "");
    let word_q = m.register("word_q", a, zero(a), "s0 synapse word, and the clear's");
    let group_q = last_group.map(|_| m.register("group_q", ag, zero(ag), "s0 group g"));
    let column_q = last_column.map(|_| m.register("column_q", bj, zero(bj), "s0 column j"));
    let weight_write_stage = c.weight_write_stage() as usize;
    let valid_q: Vec<Net> = (1..c.pipeline_depth())
        .map(|s| m.register(&format!("valid_s{s}_q"), 1, zero(1), ""))
        .collect();
    // busy is the OR of the control and stage flags; it is kept as a register
    // of their next values (equal at every clock), so that the wide fanout of
    // the idle/busy decision hangs off one flip-flop instead of an OR tree.
    // The counters rest at 0 while idle, so a step needs no reset of them.
    let busy = m.register("busy_q", 1, zero(1), "sweeping, clearing or a stage valid");
    let sweeping_next = m.wire("sweeping_next", 1, "");
    let clearing_next = m.wire("clearing_next", 1, "");
    let step_start = m.wire("step_start", 1, "");
    let clear_start = m.wire("clear_start", 1, "");
    let group_last = m.wire("group_last", 1, "");
    let column_last = m.wire("column_last", 1, "");
    let sweep_last = m.wire("sweep_last", 1, "");
    // The stage flags' next values: valid_s1 takes sweeping_q, each later
    // one its predecessor; the last one's next value is its predecessor too.
    let mut busy_next: Expr = sweeping_next | clearing_next | sweeping_q;
    for v in &valid_q[..valid_q.len() - 1] {
        busy_next = busy_next | *v;
    }
    m.assign(step_start, step_i & !busy & !clear_i);
    m.assign(clear_start, clear_i & !busy);
    m.assign(
        group_last,
        match (group_q, last_group) {
            (Some(g), Some(last)) => g.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(
        column_last,
        match (column_q, last_column) {
            (Some(j), Some(last)) => j.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(sweep_last, group_last & column_last);
    m.assign(sweeping_next, step_start | (sweeping_q & !sweep_last));
    m.assign(
        clearing_next,
        clear_start | (clearing_q & !word_q.eq(last_word)),
    );
    let mut control = vec![
        (busy, busy_next),
        (sweeping_q, sweeping_next.into()),
        (clearing_q, clearing_next.into()),
        (
            word_q,
            mux(sweeping_q | clearing_q, word_q + lit(a, 1), zero(a)),
        ),
    ];
    if let Some(g) = group_q {
        control.push((
            g,
            mux(
                sweeping_q,
                mux(group_last, zero(ag), g + lit(ag, 1)),
                zero(ag),
            ),
        ));
    }
    if let Some(j) = column_q {
        control.push((
            j,
            mux(sweeping_q, mux(group_last, j + lit(bj, 1), j), zero(bj)),
        ));
    }
    m.clocked(control, None);

    m.section(&[
        "This timestep's inputs, followed while idle and held while busy (so",
        "the accepting clock stores them without step_start in their enables);",
        "post spikes rotate by one per column, so bit 0 is the spike of the",
        "column being read.",
    ]);
    let post_spikes_q = m.register("post_spikes_q", n_post, zero(n_post), "");
    let reward_q = m.register("reward_q", r, zero(r), "");
    let learn_en_q = m.register("learn_en_q", 1, zero(1), "");
    let post_rotated: Expr = if n_post > 1 {
        crate::hdl::concat([post_spikes_q.bit(0), post_spikes_q.slice(n_post - 1, 1)])
    } else {
        post_spikes_q.into()
    };
    m.clocked(
        vec![
            (
                post_spikes_q,
                mux(
                    busy,
                    mux(sweeping_q & group_last, post_rotated, post_spikes_q),
                    post_i,
                ),
            ),
            (reward_q, mux(busy, reward_q, reward_i)),
            (learn_en_q, mux(busy, learn_en_q, learn_en_i)),
        ],
        None,
    );
    let learning_shift_q = learning_shift_i.map(|shift| {
        let q = m.register("learning_shift_q", shift.width(), zero(shift.width()), "");
        m.clocked(vec![(q, mux(busy, q, shift))], None);
        q
    });

    m.section(&["Pipeline bookkeeping: where each stage's synapse word lives."]);
    let word_s: Vec<Net> = (1..c.pipeline_depth())
        .map(|s| m.register(&format!("word_s{s}_q"), a, zero(a), ""))
        .collect();
    let group_s1_q = group_q.map(|_| m.register("group_s1_q", ag, zero(ag), ""));
    let column_s: Vec<Net> = if n_post > 1 {
        (1..=3)
            .map(|s| m.register(&format!("column_s{s}_q"), bj, zero(bj), ""))
            .collect()
    } else {
        Vec::new()
    };
    let last_column_s1_q =
        column_q.map(|_| m.register("last_column_s1_q", 1, zero(1), "pre traces are written"));
    let (first_group_s, last_group_s): (Vec<Net>, Vec<Net>) = if groups > 1 {
        (
            (1..=3)
                .map(|s| m.register(&format!("first_group_s{s}_q"), 1, zero(1), ""))
                .collect(),
            (1..=3)
                .map(|s| m.register(&format!("last_group_s{s}_q"), 1, zero(1), ""))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let post_spike_s1_q = m.register("post_spike_s1_q", 1, zero(1), "");
    let mut bookkeeping = vec![(valid_q[0], Expr::from(sweeping_q))];
    for s in 1..valid_q.len() {
        bookkeeping.push((valid_q[s], valid_q[s - 1].into()));
    }
    bookkeeping.push((word_s[0], word_q.into()));
    for s in 1..word_s.len() {
        bookkeeping.push((word_s[s], word_s[s - 1].into()));
    }
    if let (Some(g1), Some(g)) = (group_s1_q, group_q) {
        bookkeeping.push((g1, g.into()));
    }
    if let Some(j) = column_q {
        bookkeeping.push((column_s[0], j.into()));
        bookkeeping.push((column_s[1], column_s[0].into()));
        bookkeeping.push((column_s[2], column_s[1].into()));
    }
    if let Some(l1) = last_column_s1_q {
        bookkeeping.push((l1, column_last.into()));
    }
    if let Some(g) = group_q {
        bookkeeping.push((first_group_s[0], g.eq(zero(ag))));
        bookkeeping.push((first_group_s[1], first_group_s[0].into()));
        bookkeeping.push((first_group_s[2], first_group_s[1].into()));
        bookkeeping.push((last_group_s[0], group_last.into()));
        bookkeeping.push((last_group_s[1], last_group_s[0].into()));
        bookkeeping.push((last_group_s[2], last_group_s[1].into()));
    }
    bookkeeping.push((post_spike_s1_q, post_spikes_q.bit(0)));
    m.clocked(bookkeeping, None);

    m.section(&[
        "Host port: pre neuron i lives in lane i mod K at group i div K; its",
        "synapse with post neuron j at word j*G + i div K.",
    ]);
    // The restoring division leaves i mod K in all bits of i.
    let restoring = host_pre_i.is_some() && k_lanes > 1 && groups > 1 && !k_lanes.is_power_of_two();
    let bk = if restoring { bi } else { bk };
    let host_group = m.wire("host_group", ag, "i div K");
    let host_lane = (k_lanes > 1).then(|| m.wire("host_lane", bk, "i mod K"));
    let host_word = m.wire("host_word", a, "j*G + i div K");
    match host_pre_i {
        None => m.assign(host_group, zero(ag)),
        Some(i) if k_lanes == 1 => m.assign(host_group, i),
        Some(i) if groups == 1 => {
            m.assign(host_group, zero(ag));
            m.assign(host_lane.expect("K > 1"), i);
        }
        Some(i) if k_lanes.is_power_of_two() => {
            let shift = k_lanes.trailing_zeros();
            m.assign(host_group, i.slice(bi - 1, shift).zext(ag));
            m.assign(host_lane.expect("K > 1"), i.slice(shift - 1, 0));
        }
        Some(i) => {
            m.explain("Restoring division by the constant K, one quotient bit per step.");
            let mut remainder = i;
            let mut quotient_bits = Vec::new();
            for b in (0..ag).rev() {
                let divisor = (k_lanes as u64) << b;
                if divisor >= 1 << bi {
                    quotient_bits.push(lit(1, 0));
                    continue;
                }
                let fits = m.wire(&format!("host_quotient_bit{b}"), 1, "");
                m.assign(fits, remainder.ge(lit(bi, divisor)));
                let next = m.wire(&format!("host_remainder{b}"), bi, "");
                m.assign(next, mux(fits, remainder - lit(bi, divisor), remainder));
                quotient_bits.push(fits.into());
                remainder = next;
            }
            m.assign(host_group, crate::hdl::concat(quotient_bits));
            m.assign(host_lane.expect("K > 1"), remainder);
        }
    }
    let column_word = match host_post_i {
        Some(j) => times_constant(j.into(), groups as u64, a),
        None => zero(a),
    };
    m.assign(host_word, column_word + host_group.zext(a));
    let host_lane_q =
        host_lane.map(|_| m.register("host_lane_q", bk, zero(bk), "lane of host_*_o"));
    if let (Some(q), Some(lane)) = (host_lane_q, host_lane) {
        m.clocked(vec![(q, lane.into())], None);
    }

    m.section(&["Read addresses: the sweep's while sweeping, else the host's."]);
    let read_word = m.wire("read_word", a, "");
    let read_group = m.wire("read_group", ag, "");
    let read_column = m.wire("read_column", bj, "");
    m.assign(read_word, mux(sweeping_q, word_q, host_word));
    m.assign(
        read_group,
        match group_q {
            Some(g) => mux(sweeping_q, g, host_group),
            None => host_group.into(),
        },
    );
    m.assign(
        read_column,
        match (column_q, host_post_i) {
            (Some(j), Some(h)) => mux(sweeping_q, j, h),
            _ => zero(bj),
        },
    );

    m.section(&[
        "Post traces: read once per group of the column, rewritten after the",
        "column's last group (s1), cleared by clear_i.",
    ]);
    let post_trace_next = m.wire("post_trace_next", t, "s1");
    let post_trace_write = m.wire("post_trace_write", 1, "");
    let post_trace_address = m.wire("post_trace_address", bj, "");
    let last_group_s1: Expr = last_group_s.first().map_or(lit(1, 1), |&n| n.into());
    m.assign(post_trace_write, (valid_q[0] & last_group_s1) | clearing_q);
    m.assign(
        post_trace_address,
        match column_s.first() {
            Some(&j1) => mux(clearing_q, word_q.slice(bj - 1, 0), j1),
            None => zero(bj),
        },
    );
    let post_trace_read = m.memory(
        "post_traces",
        t,
        bj,
        "post trace of column j",
        post_trace_write.into(),
        post_trace_address.into(),
        mux(clearing_q, zero(t), post_trace_next),
        vec![("post_trace_read_q", read_column.into())],
    )[0];
    m.assign(
        post_trace_next,
        trace_next(p, max_trace, post_spike_s1_q, post_trace_read),
    );

    m.section(&[
        "Lane writes: pre traces in the last column (s1), eligibility at s3,",
        "weights at s5; a clear writes zeros at word_q.",
    ]);
    let host_write = m.wire("host_write", 1, "");
    let pre_trace_write = m.wire("pre_trace_write", 1, "");
    let pre_trace_address = m.wire("pre_trace_address", ag, "");
    let eligibility_write = m.wire("eligibility_write", 1, "");
    let eligibility_address = m.wire("eligibility_address", a, "");
    m.assign(host_write, host_we_i & !busy);
    let last_column_s1: Expr = last_column_s1_q.map_or(lit(1, 1), Expr::from);
    m.assign(pre_trace_write, (valid_q[0] & last_column_s1) | clearing_q);
    m.assign(
        pre_trace_address,
        match group_s1_q {
            Some(g1) => mux(clearing_q, word_q.slice(ag - 1, 0), g1),
            None => zero(ag),
        },
    );
    m.assign(eligibility_write, valid_q[2] | clearing_q);
    m.assign(eligibility_address, mux(clearing_q, word_q, word_s[2]));

    let mut contributions = Vec::new();
    let mut lane_reads = Vec::new();
    for k in 0..k_lanes {
        let spikes: Vec<Expr> = (0..groups)
            .rev()
            .map(|g| {
                let i = g * k_lanes + k;
                if i < n_pre { pre_i.bit(i) } else { lit(1, 0) }
            })
            .collect();
        let lane_host_write: Expr = match host_lane {
            Some(lane) => host_write & lane.eq(lit(bk, k as u64)),
            None => host_write.into(),
        };
        let outputs = [
            ("contribution_o", format!("lane{k}_contribution")),
            ("weight_o", format!("lane{k}_weight")),
            ("eligibility_o", format!("lane{k}_eligibility")),
            ("pre_trace_o", format!("lane{k}_pre_trace")),
        ];
        let mut inputs: Vec<(&str, Expr)> = vec![
            ("clk_i", _clk.into()),
            ("rst_ni", _rst.into()),
            ("spikes_load_i", !busy),
            ("spikes_i", crate::hdl::concat(spikes)),
            ("issue_i", sweeping_q.into()),
            ("read_address_i", read_word.into()),
            ("group_address_i", read_group.into()),
            ("post_spike_i", post_spike_s1_q.into()),
            ("post_trace_i", post_trace_read.into()),
            ("reward_i", reward_q.into()),
            ("learn_en_i", learn_en_q.into()),
            ("pre_trace_write_i", pre_trace_write.into()),
            ("pre_trace_address_i", pre_trace_address.into()),
            ("eligibility_write_i", eligibility_write.into()),
            ("eligibility_address_i", eligibility_address.into()),
            ("weight_write_i", valid_q[weight_write_stage - 1].into()),
            ("weight_address_i", word_s[weight_write_stage - 1].into()),
            ("clear_i", clearing_q.into()),
            ("host_write_i", lane_host_write),
            ("host_weight_i", host_weight_i.into()),
        ];
        if let Some(shift) = learning_shift_q {
            inputs.push(("learning_shift_i", shift.into()));
        }
        let nets = m.instance(
            &format!("lane_{k}"),
            lane_module.clone(),
            inputs,
            outputs
                .iter()
                .map(|(port, net)| (*port, net.as_str()))
                .collect(),
        );
        contributions.push(nets[0].zext(cx));
        lane_reads.push((nets[1], nets[2], nets[3]));
    }

    m.section(&[
        "Input current: the lanes' s2 contributions summed (s2), accumulated over",
        "the column's groups (s3), saturated into current_o (s4).",
    ]);
    let group_current = m.wire("group_current", cx, "");
    m.assign(group_current, balanced_sum(contributions));
    let group_current_s3_q = m.register("group_current_s3_q", cx, zero(cx), "");
    m.clocked(vec![(group_current_s3_q, group_current.into())], None);
    let column_current = m.wire("column_current", cx, "");
    let (last_group_s3, column_current_q) = match (first_group_s.get(2), last_group_s.get(2)) {
        (Some(&first), Some(&last)) => {
            let acc = m.register("column_current_q", cx, zero(cx), "");
            m.assign(
                column_current,
                mux(first, zero(cx), acc) + group_current_s3_q,
            );
            (Expr::from(last), Some(acc))
        }
        _ => {
            m.assign(column_current, group_current_s3_q);
            (lit(1, 1), None)
        }
    };
    let current_q = m.register("current_q", cb, zero(cb), "");
    let current_valid_q = m.register("current_valid_q", 1, zero(1), "");
    let current_post_q = column_s
        .get(2)
        .map(|_| m.register("current_post_q", bj, zero(bj), ""));
    let column_done = m.wire("column_done", 1, "");
    m.assign(column_done, valid_q[2] & last_group_s3);
    let saturated: Expr = match max_current {
        Some(max) => mux(
            column_current.slice(cx - 1, cb).any(),
            max,
            column_current.slice(cb - 1, 0),
        ),
        None => column_current.into(),
    };
    let mut current_regs = vec![
        (current_q, mux(column_done, saturated, current_q)),
        (current_valid_q, column_done.into()),
    ];
    if let (Some(q), Some(&j3)) = (current_post_q, column_s.get(2)) {
        current_regs.push((q, mux(column_done, j3, q)));
    }
    if let Some(acc) = column_current_q {
        current_regs.push((acc, mux(valid_q[2], column_current, acc)));
    }
    m.clocked(current_regs, None);

    m.section(&["Outputs; host reads come from the lane of host_lane_q."]);
    m.assign(busy_o, busy);
    m.assign(current_valid_o, current_valid_q);
    m.assign(current_post_o, current_post_q.map_or(zero(bj), Expr::from));
    m.assign(current_o, current_q);
    let select = |pick: fn(&(Net, Net, Net)) -> Net| -> Expr {
        let mut value: Expr = pick(&lane_reads[0]).into();
        if let Some(q) = host_lane_q {
            for (k, reads) in lane_reads.iter().enumerate().skip(1) {
                value = mux(q.eq(lit(bk, k as u64)), pick(reads), value);
            }
        }
        value
    };
    m.assign(host_weight_o, select(|r| r.0));
    m.assign(host_eligibility_o, select(|r| r.1));
    m.assign(host_pre_trace_o, select(|r| r.2));
    m.assign(host_post_trace_o, post_trace_read);
    m.finish()
}
