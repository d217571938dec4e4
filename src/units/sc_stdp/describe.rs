//! The stochastic STDP synapse's net-level description: the one source of
//! its Verilog, cycle model, net table and estimate. The step model
//! (`step.rs`) states the same rule independently (docs/spec.md section 2.7).

use crate::hdl::{DescriptionError, Expr, Module, ModuleBuilder, Statement, concat, mux, zero};
use crate::stochastic::describe_generator;

use super::StdpParams;

/// The description of an STDP synapse with these parameters, as module `name`.
pub fn describe(p: &StdpParams, name: &str) -> Result<Module, DescriptionError> {
    let r = *p.raw();
    let (w, b, h) = (r.weight_bits, r.rand_bits, p.history_len());
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the stochastic STDP synapse description (docs/spec.md section 2.7)".into(),
            format!(
                "  weight_bits W = {w}, window = {} (pre history of {h} timesteps), rand_bits B = {b},",
                r.window
            ),
            format!(
                "  learning_rate = {} / 2^B, ltd_ratio = {} / 256 (LTD threshold {}),",
                r.learning_rate,
                r.ltd_ratio,
                p.ltd_threshold()
            ),
            format!(
                "  weight_step = {}, weight range [{}, {}], reset_weight = {},",
                r.weight_step, r.min_weight, r.max_weight, r.reset_weight
            ),
            format!(
                "  event source = {}, stream source = {}",
                r.event_source.describe(),
                r.stream_source.describe()
            ),
            String::new(),
            "A clock with step_i high is one timestep. LTP fires when post_i = 1, a pre".into(),
            format!("spike occurred in the previous {h} timesteps and event_rand < LTP_THRESHOLD;"),
            "else LTD fires when pre_i = 1, post_i = 0 and event_rand < LTD_THRESHOLD.".into(),
            "One event number is drawn per timestep, whatever happens. The weight moves".into(),
            "by WEIGHT_STEP and saturates in [MIN_WEIGHT, MAX_WEIGHT]; the weight stream".into(),
            "(stream_rand < weight_q, advancing every clock) follows the new weight from".into(),
            "the next cycle on.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let step_i = m.input("step_i", 1, "one timestep at this clock");
    let pre_i = m.input("pre_i", 1, "presynaptic spike");
    let post_i = m.input("post_i", 1, "postsynaptic spike");
    let weight_o = m.output("weight_o", w, "");
    let weight_bit_o = m.output("weight_bit_o", 1, "the weight stream, this cycle");
    let out_o = m.output("out_o", 1, "pre_i AND weight bit");
    let ltp_o = m.output("ltp_o", 1, "potentiation at this clock");
    let ltd_o = m.output("ltd_o", 1, "depression at this clock");

    let ltp_threshold = m.constant("LTP_THRESHOLD", b, p.ltp_threshold(), "");
    let ltd_threshold = m.constant("LTD_THRESHOLD", b, p.ltd_threshold(), "");
    let weight_step = m.constant("WEIGHT_STEP", w, r.weight_step, "");
    let min_weight = m.constant("MIN_WEIGHT", w, r.min_weight, "");
    let max_weight = m.constant("MAX_WEIGHT", w, r.max_weight, "");
    let reset_weight = m.constant("RESET_WEIGHT", w, r.reset_weight, "");
    let event_reset = m.constant("EVENT_RESET_STATE", b, r.event_source.reset_state(), "");
    let stream_reset = m.constant("STREAM_RESET_STATE", w, r.stream_source.reset_state(), "");

    m.section(&["Synapse state."]);
    let weight_q = m.register("weight_q", w, reset_weight, "");
    let history_q = m.register(
        "history_q",
        h,
        zero(h),
        &format!("pre spikes of the previous {h} timesteps, newest in bit 0"),
    );
    let event_state_q = m.register("event_state_q", b, event_reset, "");
    let stream_state_q = m.register("stream_state_q", w, stream_reset, "");

    let event = describe_generator(&mut m, "event", b, r.event_source, event_state_q);
    let stream = describe_generator(&mut m, "stream", w, r.stream_source, stream_state_q);

    m.section(&["Weight stream."]);
    let weight_bit = m.wire("weight_bit", 1, "");
    m.assign(weight_bit, stream.rand.lt(weight_q));

    m.section(&["Events."]);
    let pre_recent = m.wire("pre_recent", 1, "");
    let ltp_candidate = m.wire("ltp_candidate", 1, "");
    let ltd_candidate = m.wire("ltd_candidate", 1, "");
    let ltp_fire = m.wire("ltp_fire", 1, "");
    let ltd_fire = m.wire("ltd_fire", 1, "");
    m.assign(pre_recent, history_q.any());
    m.assign(ltp_candidate, post_i & pre_recent);
    m.assign(ltd_candidate, pre_i & !post_i);
    m.assign(
        ltp_fire,
        step_i & ltp_candidate & event.rand.lt(ltp_threshold),
    );
    m.assign(
        ltd_fire,
        step_i & ltd_candidate & event.rand.lt(ltd_threshold),
    );

    m.section(&["Saturating weight moves in W + 1 bits."]);
    let weight_raised = m.wire("weight_raised", w + 1, "");
    let weight_lowered = m.wire("weight_lowered", w + 1, "");
    let weight_potentiated = m.wire("weight_potentiated", w, "");
    let weight_depressed = m.wire("weight_depressed", w, "");
    m.assign(
        weight_raised,
        weight_q.zext(w + 1) + weight_step.zext(w + 1),
    );
    m.assign(
        weight_lowered,
        weight_q.zext(w + 1) - weight_step.zext(w + 1),
    );
    m.assign(
        weight_potentiated,
        mux(
            weight_raised.gt(max_weight.zext(w + 1)),
            max_weight,
            weight_raised.slice(w - 1, 0),
        ),
    );
    let below: Expr = if r.min_weight == 0 {
        // Nothing is below zero: only the borrow saturates (no constant comparison).
        weight_lowered.bit(w)
    } else {
        weight_lowered.bit(w) | weight_lowered.slice(w - 1, 0).lt(min_weight)
    };
    m.assign(
        weight_depressed,
        mux(below, min_weight, weight_lowered.slice(w - 1, 0)),
    );

    m.section(&[
        "Register inputs: an event moves the weight; a timestep shifts the history",
        "and draws the next event number; the weight stream advances every clock.",
    ]);
    let weight_d = m.comb("weight_d", w, "");
    let history_d = m.comb("history_d", h, "");
    let event_state_d = m.comb("event_state_d", b, "");
    let stream_state_d = m.comb("stream_state_d", w, "");
    let history_shift: Expr = if h == 1 {
        pre_i.into()
    } else {
        concat([history_q.slice(h - 2, 0), pre_i.into()])
    };
    let set = Statement::assign;
    m.process(vec![
        set(weight_d, weight_q.into()),
        set(history_d, history_q.into()),
        set(event_state_d, event_state_q.into()),
        set(stream_state_d, stream.state_next.into()),
        Statement::when(
            ltp_fire,
            vec![set(weight_d, weight_potentiated.into())],
            vec![Statement::when(
                ltd_fire,
                vec![set(weight_d, weight_depressed.into())],
                vec![],
            )],
        ),
        Statement::when(
            step_i,
            vec![
                set(history_d, history_shift),
                set(event_state_d, event.state_next.into()),
            ],
            vec![],
        ),
    ]);
    m.clocked(
        vec![
            (weight_q, weight_d.into()),
            (history_q, history_d.into()),
            (event_state_q, event_state_d.into()),
            (stream_state_q, stream_state_d.into()),
        ],
        None,
    );

    m.section(&[]);
    m.assign(weight_o, weight_q);
    m.assign(weight_bit_o, weight_bit);
    m.assign(out_o, pre_i & weight_bit);
    m.assign(ltp_o, ltp_fire);
    m.assign(ltd_o, ltd_fire);
    m.finish()
}
