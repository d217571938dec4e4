//! The population's net-level description: N LIF neurons with homeostatic
//! thresholds, updated one per clock as their input currents stream in
//! (the array's `current_o` stream), state in memories, and a pass over the
//! neurons at each window end that moves the thresholds and the learning
//! shift. docs/spec.md §3.5 gives the protocol; `step.rs` states the rule
//! independently.

use crate::design::mask;
use crate::hdl::{
    DescriptionError, Expr, Module, ModuleBuilder, Net, concat, lit, mux, times_constant, zero,
};

use super::params::PopulationParams;

/// `x > bound`, a constant where the bound leaves no room (Verilator warns
/// of constant comparisons).
fn above(x: Net, bound: u64) -> Expr {
    if bound >= mask(x.width()) {
        lit(1, 0)
    } else {
        x.gt(lit(x.width(), bound))
    }
}

/// `x < bound`, a constant where the bound leaves no room.
fn below(x: Net, bound: u64) -> Expr {
    if bound == 0 {
        lit(1, 0)
    } else if bound > mask(x.width()) {
        lit(1, 1)
    } else {
        x.lt(lit(x.width(), bound))
    }
}

/// Clocks from the clock that reads a neuron's state (and takes its
/// current) to the clock that writes it back, for an update (the state
/// registered, leak, integrate, compare, next state, write) and for a pass
/// (the state registered, own band propose and select, population band
/// propose and select, write).
pub const WRITE_BACK_STAGE: u32 = 6;

/// Clocks `busy_o` stays high after the clock that takes a window's last
/// current: the last update's stages, then the pass (N reads, then its
/// stages; the learning shift's three clocks end with them). Other
/// timesteps keep it low, but for the hazard of N <= WRITE_BACK_STAGE.
pub fn busy_clocks_after_window(p: &PopulationParams) -> u32 {
    WRITE_BACK_STAGE + p.neurons + WRITE_BACK_STAGE
}

/// A value as it travels down the pipeline: its net at each stage from `from` on.
struct Travel {
    from: u32,
    nets: Vec<Net>,
}

impl Travel {
    fn at(&self, stage: u32) -> Net {
        self.nets[(stage - self.from) as usize]
    }
    /// Each stage's register loaded from the stage before.
    fn registers(&self) -> Vec<(Net, Expr)> {
        self.nets.windows(2).map(|w| (w[1], w[0].into())).collect()
    }
}

/// `first`, the value at stage `from`, and a register `<name>_s<k>_q` for
/// each later stage up to `to`.
fn travel(m: &mut ModuleBuilder, name: &str, width: u32, first: Net, from: u32, to: u32) -> Travel {
    let mut nets = vec![first];
    for k in from + 1..=to {
        nets.push(m.register(&format!("{name}_s{k}_q"), width, zero(width), ""));
    }
    Travel { from, nets }
}

pub fn describe(p: &PopulationParams, name: &str) -> Result<Module, DescriptionError> {
    let n = p.neurons;
    let (c, v, f) = (p.current_bits, p.membrane_bits, p.fraction_bits);
    let (tb, cb, lb) = (p.threshold_bits(), p.count_bits(), p.learning_shift_bits());
    let rb = p.refractory_bits();
    let nb = crate::design::index_bits(u64::from(n));
    let sum_bits = crate::design::bits_for(u64::from(n) * u64::from(p.window));
    let square_bits = 2 * cb;
    // Widths that hold every value (a count's square is computed in 2 x its bits).
    let square_sum_bits =
        crate::design::bits_for(u64::from(n) * u64::from(p.window).pow(2)).max(square_bits);
    let spread_bits = crate::design::bits_for((u64::from(n) * u64::from(p.window)).pow(2))
        .max(square_sum_bits)
        .max(2 * sum_bits);
    // The variance test can only matter when its limit is below the largest spread,
    // and the learning shift only move when its range is not a single value.
    let variance_tested =
        p.variance_limit < mask(spread_bits) && p.learning_shift_max > p.learning_shift_base;
    let stages = WRITE_BACK_STAGE as usize;
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the LIF population with homeostatic thresholds (docs/spec.md section 3)".into(),
            format!(
                "  neurons N = {n}, current_bits = {c}, membrane_bits = {v}, fraction_bits = {f}, leak_shift = {}, refractory = {}",
                p.leak_shift.map_or("none".to_string(), |k| k.to_string()),
                p.refractory
            ),
            format!(
                "  thresholds init {}, min {}, max {}, step {} (membrane units); window M = {}",
                p.threshold_init, p.threshold_min, p.threshold_max, p.threshold_step, p.window
            ),
            format!("  {}", p.bounds_summary()),
            format!(
                "  learning shift {}..={}",
                p.learning_shift_base, p.learning_shift_max
            ),
            String::new(),
            "Each timestep's currents arrive in neuron order, one per clock at most, while".into(),
            "busy_o is low. The clock that takes a neuron's current reads its state; the".into(),
            "update then runs in stages: 1 the state registered, 2 leak by shift, 3 integrate"
                .into(),
            "(saturating), 4 fire at v >= threshold and reset by subtraction, 5 the next".into(),
            "state, 6 write back.".into(),
            "Refractory timesteps ignore input. spikes_o shows the timestep's spikes".into(),
            "(spikes_valid_o) the clock after the last neuron's write-back. After the last".into(),
            "timestep of a window a pass over the neurons moves each threshold by its own".into(),
            "band, then all by the population's band, and the learning shift by the variance"
                .into(),
            "of the counts. After reset a pass sets every threshold to its initial value.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let current_valid_i = m.input("current_valid_i", 1, "current_i is the next neuron's");
    let current_i = m.input("current_i", c, "unsigned input current");
    let probe_neuron_i =
        (n > 1).then(|| m.input("probe_neuron_i", nb, "neuron shown on probe_*_o next clock"));
    let busy_o = m.output("busy_o", 1, "currents are not taken");
    let spikes_valid_o = m.output("spikes_valid_o", 1, "a timestep completed");
    let spikes_o = m.output("spikes_o", n, "bit j: neuron j spiked in the last timestep");
    let learning_shift_o = m.output("learning_shift_o", lb, "for the attached R-STDP arrays");
    let above_band_o = m.output(
        "above_band_o",
        n,
        "bit j: neuron j's count was above its band in the last window",
    );
    let below_band_o = m.output(
        "below_band_o",
        n,
        "bit j: neuron j's count was below its band in the last window",
    );
    let probe_membrane_o = m.output("probe_membrane_o", v, "two's complement");
    let probe_threshold_o = m.output("probe_threshold_o", tb, "");
    let probe_count_o = m.output("probe_count_o", cb, "spikes in this window");
    let probe_refractory_o =
        (p.refractory > 0).then(|| m.output("probe_refractory_o", rb, "timesteps left"));

    let max_membrane = m.constant("MAX_MEMBRANE", v, p.max_membrane() as u64, "");
    let threshold_init = m.constant("THRESHOLD_INIT", tb, p.threshold_init, "");
    let threshold_min = m.constant("THRESHOLD_MIN", tb, p.threshold_min, "");
    let threshold_max = m.constant("THRESHOLD_MAX", tb, p.threshold_max, "");
    let threshold_step = m.constant("THRESHOLD_STEP", tb, p.threshold_step, "");
    let last_neuron = (n > 1).then(|| m.constant("LAST_NEURON", nb, u64::from(n - 1), ""));
    let last_timestep =
        (p.window > 1).then(|| m.constant("LAST_TIMESTEP", cb, u64::from(p.window - 1), ""));
    let refractory_period =
        (p.refractory > 0).then(|| m.constant("REFRACTORY", rb, u64::from(p.refractory), ""));

    m.section(&[
        "Control: the next neuron to read (of the stream, or of a pass: a pass starts",
        "when the stream is back at neuron 0), the window's timestep, the passes. Stage",
        "k of an update (valid_sk_q) or of a pass (pass_valid_sk_q) is k clocks after",
        "the clock that read the neuron's state; both write it back at stage 6.",
    ]);
    let neuron_q = last_neuron.map(|_| {
        m.register(
            "neuron_q",
            nb,
            zero(nb),
            "next current's neuron, or the pass's",
        )
    });
    let timestep_q = last_timestep.map(|_| m.register("timestep_q", cb, zero(cb), "in the window"));
    let pass_q = m.register(
        "pass_q",
        1,
        lit(1, 1),
        "a pass reads a neuron (reset: the init pass)",
    );
    let pass_init_q = m.register("pass_init_q", 1, lit(1, 1), "the pass initializes");
    let current_s1_q = m.register("current_s1_q", c, zero(c), "");
    let stage_flags = |m: &mut ModuleBuilder, name: &str, count: usize, comment: &str| {
        (1..=count)
            .map(|k| m.register(&format!("{name}_s{k}_q"), 1, zero(1), comment))
            .collect::<Vec<Net>>()
    };
    let valid_s = stage_flags(&mut m, "valid", stages, "an update is in this stage");
    let neuron_last_s = stage_flags(&mut m, "neuron_last", stages, "");
    let pass_valid_s = stage_flags(&mut m, "pass_valid", stages, "a pass is in this stage");
    let pass_last_s = stage_flags(&mut m, "pass_last", stages, "");
    // From the clock after the window's last current is taken (or reset) to the
    // end of its pass: the pass reads the final counts and moves the thresholds
    // the next timestep would use, so no current is taken.
    let window_end_q = m.register(
        "window_end_q",
        1,
        lit(1, 1),
        "the window ends: its last timestep or its pass is in flight",
    );
    let window_last_q = last_timestep
        .map(|_| m.register("window_last_q", 1, zero(1), "the window's last timestep"));
    // After a window's pass: the sums are complete, then N * sum(c^2) is ready,
    // then the variance is tested, and the learning shift moves.
    let variance_stages = variance_tested.then(|| {
        (
            m.register(
                "pass_done_q",
                1,
                zero(1),
                "the window pass's sums are complete",
            ),
            m.register("scaled_valid_q", 1, zero(1), ""),
            m.register("tested_q", 1, zero(1), "the learning shift moves"),
        )
    });
    let busy = m.wire("busy", 1, "");
    let accept = m.wire("accept", 1, "");
    let neuron_last = m.wire("neuron_last", 1, "");
    let window_last = m.wire("window_last", 1, "");
    let timestep_done = m.wire("timestep_done", 1, "the last neuron writes back");
    let window_done = m.wire("window_done", 1, "");
    let same_neuron_in_flight = m.wire(
        "same_neuron_in_flight",
        1,
        "the next current's neuron has not been written back",
    );
    m.assign(busy, window_end_q | same_neuron_in_flight);
    m.assign(accept, current_valid_i & !busy);
    m.assign(
        neuron_last,
        match (neuron_q, last_neuron) {
            (Some(q), Some(last)) => q.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(
        window_last,
        match window_last_q {
            Some(q) => q.into(),
            None => lit(1, 1),
        },
    );
    let write_stage = stages - 1;
    m.assign(
        timestep_done,
        valid_s[write_stage] & neuron_last_s[write_stage],
    );
    m.assign(window_done, timestep_done & window_last);
    // The pass's last stage; the learning shift moves in the same clock.
    let pass_end = pass_last_s[stages - 1];
    let mut control = vec![
        (
            window_end_q,
            mux(
                accept & neuron_last & window_last,
                lit(1, 1),
                mux(pass_end, lit(1, 0), window_end_q),
            ),
        ),
        (pass_q, window_done | (pass_q & !neuron_last)),
        (pass_init_q, mux(window_done, lit(1, 0), pass_init_q)),
        (current_s1_q, current_i.into()),
        (valid_s[0], accept.into()),
        (neuron_last_s[0], neuron_last.into()),
        (pass_valid_s[0], pass_q.into()),
        (pass_last_s[0], pass_q & neuron_last),
    ];
    for k in 1..stages {
        control.push((valid_s[k], valid_s[k - 1].into()));
        control.push((neuron_last_s[k], neuron_last_s[k - 1].into()));
        control.push((pass_valid_s[k], pass_valid_s[k - 1].into()));
        control.push((pass_last_s[k], pass_last_s[k - 1].into()));
    }
    if let Some((done, scaled_valid, tested)) = variance_stages {
        control.push((done, pass_last_s[2] & !pass_init_q));
        // done at stage 4, the move at stage 6: with the pass's last write.
        control.push((scaled_valid, done.into()));
        control.push((tested, scaled_valid.into()));
    }
    if let Some(q) = neuron_q {
        control.push((
            q,
            mux(
                accept | pass_q,
                mux(neuron_last, zero(nb), q + lit(nb, 1)),
                q,
            ),
        ));
    }
    if let (Some(q), Some(last_q), Some(last)) = (timestep_q, window_last_q, last_timestep) {
        control.push((
            q,
            mux(timestep_done, mux(window_last, zero(cb), q + lit(cb, 1)), q),
        ));
        // Registered, off the path from busy to the stream: the window's last
        // timestep comes next when q + 1 = LAST_TIMESTEP.
        control.push((
            last_q,
            mux(timestep_done, (q + lit(cb, 1)).eq(last), last_q),
        ));
    }
    m.clocked(control, None);

    m.section(&[
        "Neuron state, one word per neuron (membrane, threshold, count, refractory",
        "counter): read the clock a current or a pass takes the neuron, or the probe",
        "asks for it, and written back whole at stage 6. One wide memory: block RAM",
        "once it holds a block's worth; stage 1 registers what it read, off the read's",
        "path (which may include Yosys's read-before-write bypass).",
    ]);
    let read_neuron = m.wire("read_neuron", nb, "");
    let neuron_s: Vec<Net> = (1..=stages)
        .map(|k| {
            m.register(
                &format!("neuron_s{k}_q"),
                nb,
                zero(nb),
                "the neuron of this stage",
            )
        })
        .collect();
    m.assign(
        read_neuron,
        match (neuron_q, probe_neuron_i) {
            (Some(q), Some(probe)) => mux(current_valid_i | pass_q, q, probe),
            _ => zero(nb),
        },
    );
    let mut neuron_regs = vec![(neuron_s[0], Expr::from(read_neuron))];
    for k in 1..stages {
        neuron_regs.push((neuron_s[k], neuron_s[k - 1].into()));
    }
    m.clocked(neuron_regs, None);
    // With at most as many neurons as clocks from read to write-back, a neuron's
    // next current could read its state before the update in flight wrote it:
    // busy holds it back. With more, the stream order keeps them apart.
    let same_neuron: Expr = if n > WRITE_BACK_STAGE {
        lit(1, 0)
    } else {
        let mut any: Expr = lit(1, 0);
        for (&valid, &neuron) in valid_s.iter().zip(&neuron_s) {
            any = any
                | match neuron_q {
                    Some(q) => valid & neuron.eq(q),
                    None => valid.into(),
                };
        }
        any
    };
    m.assign(same_neuron_in_flight, same_neuron);
    // The word: membrane, threshold, count, refractory counter from bit 0 up.
    let word_bits = v + tb + cb + if p.refractory > 0 { rb } else { 0 };
    let membrane_written_s6_q = m.register("membrane_written_s6_q", v, zero(v), "");
    let threshold_written_s6_q = m.register("threshold_written_s6_q", tb, zero(tb), "");
    let count_written_s6_q = m.register("count_written_s6_q", cb, zero(cb), "");
    let refractory_written_s6_q =
        refractory_period.map(|_| m.register("refractory_written_s6_q", rb, zero(rb), ""));
    let mut written = vec![
        Expr::from(membrane_written_s6_q),
        threshold_written_s6_q.into(),
        count_written_s6_q.into(),
    ];
    if let Some(q) = refractory_written_s6_q {
        written.push(q.into());
    }
    written.reverse();
    let word_read = m.memory(
        "neurons",
        word_bits,
        nb,
        "refractory counter, count, threshold, membrane (two's complement)",
        valid_s[write_stage] | pass_valid_s[write_stage],
        neuron_s[write_stage].into(),
        concat(written),
        vec![("neuron_read_q", read_neuron.into())],
    )[0];
    let membrane_read = m.wire("membrane_read", v, "");
    let threshold_read = m.wire("threshold_read", tb, "");
    let count_read = m.wire("count_read", cb, "");
    m.assign(membrane_read, word_read.slice(v - 1, 0));
    m.assign(threshold_read, word_read.slice(v + tb - 1, v));
    m.assign(count_read, word_read.slice(v + tb + cb - 1, v + tb));
    let refractory_read = refractory_period.map(|_| {
        let read = m.wire("refractory_read", rb, "");
        m.assign(read, word_read.slice(word_bits - 1, v + tb + cb));
        read
    });

    m.section(&[
        "Update stage 1: the state as read, registered. It travels along as far as it",
        "is needed: the membrane (held at rest, kept by a pass), the threshold, the",
        "count, the refractory counter (a resting neuron ignores its input).",
    ]);
    let current_s = travel(&mut m, "current", c, current_s1_q, 1, 3);
    let membrane_s = travel(&mut m, "membrane", v, membrane_read, 1, 5);
    let threshold_s = travel(&mut m, "threshold", tb, threshold_read, 1, 5);
    let count_s = travel(&mut m, "count", cb, count_read, 1, 5);
    let resting_state = refractory_read.map(|read| {
        let refractory_s = travel(&mut m, "refractory", rb, read, 1, 5);
        let resting = m.wire("resting", 1, "refractory: input ignored, v held");
        m.assign(resting, refractory_s.at(2).any());
        let resting_s = travel(&mut m, "resting", 1, resting, 2, 5);
        (resting_s, refractory_s)
    });
    let mut carried = vec![&current_s, &membrane_s, &threshold_s, &count_s];
    if let Some((resting_s, refractory_s)) = &resting_state {
        carried.push(resting_s);
        carried.push(refractory_s);
    }
    let stage_regs = carried.iter().flat_map(|t| t.registers()).collect();
    m.clocked(stage_regs, None);

    m.section(&["Update stage 2: leak v - (v >>> k)."]);
    let membrane_s2 = membrane_s.at(2);
    let membrane_leaked = m.wire("membrane_leaked", v, "");
    match p.leak_shift {
        Some(k) => {
            let leak = m.wire("membrane_leak", v, "v >>> k");
            m.assign(leak, Expr::from(membrane_s2).sra(k));
            m.assign(membrane_leaked, membrane_s2 - leak);
        }
        None => m.assign(membrane_leaked, membrane_s2),
    }
    let leaked_s3_q = m.register("leaked_s3_q", v, zero(v), "");
    m.clocked(vec![(leaked_s3_q, membrane_leaked.into())], None);

    m.section(&[
        "Update stage 3: integrate the current in membrane units (v + 1 bits; the",
        "current is never negative, so only the top can overflow). The sum is",
        "registered as it leaves the carry chain; stage 4 saturates it.",
    ]);
    let sum_s4_q = m.register("sum_s4_q", v + 1, zero(v + 1), "leaked v + (I << F)");
    m.clocked(
        vec![(
            sum_s4_q,
            leaked_s3_q.sext(v + 1) + (current_s.at(3).zext(v + 1) << f),
        )],
        None,
    );

    m.section(&[
        "Update stage 4: compare the sum with the threshold and subtract it, and set",
        "aside the membrane kept without a spike (the sum saturated at MAX_MEMBRANE, or",
        "the membrane held at rest). Both carry chains work on the sum as it is and are",
        "registered as they leave it; stage 5 takes the saturation into account: a",
        "saturated membrane (every bit below the sign set) is at least any threshold,",
        "and less a threshold is the threshold's complement.",
    ]);
    let saturated = m.wire("saturated", 1, "the sum passed MAX_MEMBRANE");
    let membrane_kept = m.wire("membrane_kept", v, "no spike: v, or held at rest");
    let threshold_s4 = threshold_s.at(4);
    let not_resting_s4: Expr = match &resting_state {
        Some((resting_s, _)) => !resting_s.at(4),
        None => lit(1, 1),
    };
    m.assign(saturated, !sum_s4_q.bit(v) & sum_s4_q.bit(v - 1));
    let integrated: Expr = mux(saturated, max_membrane, sum_s4_q.slice(v - 1, 0));
    m.assign(
        membrane_kept,
        match &resting_state {
            Some((resting_s, _)) => mux(resting_s.at(4), membrane_s.at(4), integrated),
            None => integrated,
        },
    );
    let reaches_s5_q = m.register(
        "reaches_s5_q",
        1,
        zero(1),
        "the sum's bits below the sign >= threshold",
    );
    let sum_reduced_s5_q = m.register("sum_reduced_s5_q", v, zero(v), "sum - threshold");
    let saturated_fires_s5_q =
        m.register("saturated_fires_s5_q", 1, zero(1), "saturated, not resting");
    let reaching_fires_s5_q = m.register(
        "reaching_fires_s5_q",
        1,
        zero(1),
        "not saturated, not resting, sign clear: fires if it reaches",
    );
    let saturated_s5_q = m.register("saturated_s5_q", 1, zero(1), "");
    let kept_s5_q = m.register("kept_s5_q", v, zero(v), "");
    m.clocked(
        vec![
            (reaches_s5_q, sum_s4_q.slice(v - 2, 0).ge(threshold_s4)),
            (
                sum_reduced_s5_q,
                sum_s4_q.slice(v - 1, 0) - threshold_s4.zext(v),
            ),
            (saturated_fires_s5_q, not_resting_s4.clone() & saturated),
            (
                reaching_fires_s5_q,
                not_resting_s4 & !saturated & !sum_s4_q.bit(v - 1),
            ),
            (saturated_s5_q, saturated.into()),
            (kept_s5_q, membrane_kept.into()),
        ],
        None,
    );
    m.section(&[
        "Update stage 5: fire at v >= threshold (a threshold is positive); reset by subtraction.",
    ]);
    let fire = m.wire("fire", 1, "");
    let membrane_reduced = m.wire("membrane_reduced", v, "v - threshold");
    m.assign(
        fire,
        saturated_fires_s5_q | (reaching_fires_s5_q & reaches_s5_q),
    );
    m.assign(
        membrane_reduced,
        mux(
            saturated_s5_q,
            concat([lit(1, 0), !Expr::from(threshold_s.at(5))]),
            sum_reduced_s5_q,
        ),
    );
    let fire_s6_q = m.register("fire_s6_q", 1, zero(1), "");
    m.clocked(vec![(fire_s6_q, fire.into())], None);

    m.section(&[
        "Window pass: each threshold moves by its own band, then by the population's,",
        "saturating in [min, max]; the init pass writes the initial one. Each move takes",
        "two clocks: propose (theta + step, theta - step and the saturation tests, which",
        "compare theta with the constants max - step and min + step, side by side), then",
        "select. Own band at stages 2-3, the population's at 4-5.",
    ]);
    let sum_q = m.register(
        "sum_q",
        sum_bits,
        zero(sum_bits),
        "population count of the window",
    );
    let population_up_q = m.register("population_up_q", 1, zero(1), "sum above the band");
    let population_down_q = m.register("population_down_q", 1, zero(1), "sum below the band");
    // Proposes at stage `stage - 1` into registers of `stage`; returns the
    // selected threshold (a wire of `stage`). `init` replaces theta and holds it.
    let nudge = |m: &mut ModuleBuilder,
                 name: &str,
                 stage: u32,
                 theta: Net,
                 up: Expr,
                 down: Expr,
                 init: Option<(Net, Net)>|
     -> Net {
        let reg = |m: &mut ModuleBuilder, what: &str, width: u32, comment: &str| {
            m.register(
                &format!("{name}_{what}_s{stage}_q"),
                width,
                zero(width),
                comment,
            )
        };
        let theta_q = reg(m, "theta", tb, "");
        let raised_q = reg(m, "raised", tb, "theta + step, when below max");
        let lowered_q = reg(m, "lowered", tb, "theta - step, when above min");
        let up_q = reg(m, "up", 1, "");
        let down_q = reg(m, "down", 1, "");
        let out = m.wire(name, tb, "");
        // theta + step > max and theta - step < min, without waiting for either;
        // registered as they leave their carry chains, combined at the select.
        let past_max: Expr = if p.threshold_step > p.threshold_max {
            lit(1, 1)
        } else {
            let q = reg(m, "past_max", 1, "theta + step > max");
            let bound = p.threshold_max - p.threshold_step;
            m.clocked(vec![(q, above(theta, bound))], None);
            q.into()
        };
        let past_min: Expr = if p.threshold_min + p.threshold_step > mask(tb) {
            lit(1, 1)
        } else {
            let q = reg(m, "past_min", 1, "theta - step < min");
            let bound = p.threshold_min + p.threshold_step;
            m.clocked(vec![(q, below(theta, bound))], None);
            q.into()
        };
        let (proposed, moves): (Expr, Expr) = match init {
            Some((init_pass, value)) => (mux(init_pass, value, theta), !init_pass),
            None => (theta.into(), lit(1, 1)),
        };
        m.clocked(
            vec![
                (theta_q, proposed),
                (raised_q, theta + threshold_step),
                (lowered_q, theta - threshold_step),
                (up_q, moves.clone() & up.clone()),
                (down_q, moves & !up & down),
            ],
            None,
        );
        m.assign(
            out,
            mux(
                up_q,
                mux(past_max, threshold_max, raised_q),
                mux(down_q, mux(past_min, threshold_min, lowered_q), theta_q),
            ),
        );
        out
    };
    let (threshold_s2, count_s2) = (threshold_s.at(2), count_s.at(2));
    let own = nudge(
        &mut m,
        "own_threshold",
        3,
        threshold_s2,
        above(count_s2, p.hi),
        below(count_s2, p.lo),
        None,
    );
    m.section(&[
        "Each neuron's own band in the last window, for the attached arrays'",
        "synaptic scaling: shifted in at stage 2 of the pass (not the init pass),",
        "neuron 0 ends in bit 0.",
    ]);
    let above_band_q = m.register("above_band_q", n, zero(n), "");
    let below_band_q = m.register("below_band_q", n, zero(n), "");
    let band_shift = pass_valid_s[1] & !pass_init_q;
    let shifted = |flag: Expr, q: Net| -> Expr {
        if n > 1 {
            concat([flag, q.slice(n - 1, 1)])
        } else {
            flag
        }
    };
    m.clocked(
        vec![
            (
                above_band_q,
                mux(
                    band_shift.clone(),
                    shifted(above(count_s2, p.hi), above_band_q),
                    above_band_q,
                ),
            ),
            (
                below_band_q,
                mux(
                    band_shift,
                    shifted(below(count_s2, p.lo), below_band_q),
                    below_band_q,
                ),
            ),
        ],
        None,
    );
    let own_threshold_s4_q = m.register("own_threshold_s4_q", tb, zero(tb), "");
    m.clocked(
        vec![
            (own_threshold_s4_q, own.into()),
            (population_up_q, above(sum_q, p.population_hi())),
            (population_down_q, below(sum_q, p.population_lo())),
        ],
        None,
    );
    let adapted = nudge(
        &mut m,
        "adapted_threshold",
        5,
        own_threshold_s4_q,
        population_up_q.into(),
        population_down_q.into(),
        Some((pass_init_q, threshold_init)),
    );

    m.section(&[
        "Stage 5: the word written back at stage 6. An update's next state; a pass's",
        "new threshold with every count restarting, the membrane and refractory counter",
        "kept (zero on the init pass).",
    ]);
    let pass_valid_s5_q = pass_valid_s[4];
    let mut written_regs = vec![
        (
            membrane_written_s6_q,
            mux(
                pass_valid_s5_q,
                mux(pass_init_q, zero(v), membrane_s.at(5)),
                mux(fire, membrane_reduced, kept_s5_q),
            ),
        ),
        (
            threshold_written_s6_q,
            mux(pass_valid_s5_q, adapted, threshold_s.at(5)),
        ),
        (
            count_written_s6_q,
            mux(pass_valid_s5_q, zero(cb), count_s.at(5) + fire.zext(cb)),
        ),
    ];
    if let (Some(q), Some(period), Some((resting_s, refractory_s))) =
        (refractory_written_s6_q, refractory_period, &resting_state)
    {
        written_regs.push((
            q,
            mux(
                pass_valid_s5_q,
                mux(pass_init_q, zero(rb), refractory_s.at(5)),
                mux(
                    resting_s.at(5),
                    refractory_s.at(5) - lit(rb, 1),
                    mux(fire, period, zero(rb)),
                ),
            ),
        ));
    }
    m.clocked(written_regs, None);

    m.section(&[
        "Spikes of the timestep, shifted in as the neurons write back (neuron 0 ends in",
        "bit 0); the window's population count; the count squares for the variance.",
    ]);
    let spikes_q =
        (n > 1).then(|| m.register("spikes_q", n - 1, zero(n - 1), "neurons 1.. so far"));
    let spikes_out_q = m.register("spikes_out_q", n, zero(n), "");
    let spikes_valid_q = m.register("spikes_valid_q", 1, zero(1), "");
    // The squares are taken at the pass's stage 2 and summed at stage 3.
    let square_sum = variance_tested.then(|| {
        let q = m.register("square_sum_q", square_sum_bits, zero(square_sum_bits), "");
        let count_square = m.wire("count_square", square_bits, "");
        let count_square_s3_q = m.register("count_square_s3_q", square_bits, zero(square_bits), "");
        m.assign(
            count_square,
            count_s2.zext(square_bits) * count_s2.zext(square_bits),
        );
        (q, count_square, count_square_s3_q)
    });
    let fire_s6: Expr = fire_s6_q.into();
    let shifted_in: Expr = match spikes_q {
        Some(q) => concat([fire_s6.clone(), Expr::from(q)]),
        None => fire_s6.clone(),
    };
    // The window's last timestep adds each final count as it is written back.
    let first_neuron_s6 = neuron_s[write_stage].eq(zero(nb));
    let mut spike_regs = vec![
        (
            spikes_out_q,
            mux(timestep_done, shifted_in.clone(), spikes_out_q),
        ),
        (spikes_valid_q, timestep_done.into()),
        (
            sum_q,
            mux(
                valid_s[write_stage] & window_last,
                mux(first_neuron_s6, zero(sum_bits), sum_q) + count_written_s6_q.zext(sum_bits),
                sum_q,
            ),
        ),
    ];
    if let (Some((q, count_square, count_square_s3_q)), Some((done, _, _))) =
        (square_sum, variance_stages)
    {
        spike_regs.push((count_square_s3_q, count_square.into()));
        spike_regs.push((
            q,
            mux(
                pass_valid_s[2] & !pass_init_q,
                q + count_square_s3_q.zext(square_sum_bits),
                mux(done, zero(square_sum_bits), q),
            ),
        ));
    }
    if let Some(q) = spikes_q {
        let next = if n > 2 {
            concat([fire_s6.clone(), q.slice(n - 2, 1)])
        } else {
            fire_s6.clone()
        };
        spike_regs.push((q, mux(valid_s[write_stage], next, q)));
    }
    m.clocked(spike_regs, None);

    m.section(&[
        "Learning shift after the window pass: up one (saturating) when",
        "N * sum(c^2) - (sum c)^2 exceeds floor(N^2 * variance_bound), else down one",
        "toward the base; tested as N * sum(c^2) > (sum c)^2 + floor(N^2 * variance_bound),",
        "whose right side is ready long before the pass ends (the sum is final when it",
        "starts). N * sum(c^2) (pass_done_q), the test (scaled_valid_q) and the move",
        "(tested_q) take a clock each.",
    ]);
    let learning_shift: Expr = match (square_sum, variance_stages) {
        (Some((square_sum_q, _, _)), Some((done, scaled_valid, tested))) => {
            // The bound never wraps: the limit is below 2^spread_bits (variance_tested).
            let bound_bits = spread_bits + 1;
            let learning_shift_q = m.register(
                "learning_shift_q",
                lb,
                lit(lb, u64::from(p.learning_shift_base)),
                "",
            );
            let sum_square_q = m.register(
                "sum_square_q",
                spread_bits,
                zero(spread_bits),
                "(sum c)^2, following the sum",
            );
            let spread_bound_q = m.register(
                "spread_bound_q",
                bound_bits,
                zero(bound_bits),
                "(sum c)^2 + the variance limit",
            );
            let scaled_square_sum_q = m.register(
                "scaled_square_sum_q",
                spread_bits,
                zero(spread_bits),
                "N * sum(c^2)",
            );
            let spread_over_q =
                m.register("spread_over_q", 1, zero(1), "the spread exceeds the limit");
            let (base, max) = (
                u64::from(p.learning_shift_base),
                u64::from(p.learning_shift_max),
            );
            m.clocked(
                vec![
                    (
                        sum_square_q,
                        sum_q.zext(spread_bits) * sum_q.zext(spread_bits),
                    ),
                    (
                        spread_bound_q,
                        sum_square_q.zext(bound_bits) + lit(bound_bits, p.variance_limit),
                    ),
                    (
                        scaled_square_sum_q,
                        mux(
                            done,
                            times_constant(square_sum_q.into(), u64::from(n), spread_bits),
                            scaled_square_sum_q,
                        ),
                    ),
                    (
                        spread_over_q,
                        mux(
                            scaled_valid,
                            scaled_square_sum_q.zext(bound_bits).gt(spread_bound_q),
                            spread_over_q,
                        ),
                    ),
                    (
                        learning_shift_q,
                        mux(
                            tested,
                            mux(
                                spread_over_q,
                                mux(
                                    learning_shift_q.lt(lit(lb, max)),
                                    learning_shift_q + lit(lb, 1),
                                    learning_shift_q,
                                ),
                                mux(
                                    learning_shift_q.gt(lit(lb, base)),
                                    learning_shift_q - lit(lb, 1),
                                    learning_shift_q,
                                ),
                            ),
                            learning_shift_q,
                        ),
                    ),
                ],
                None,
            );
            learning_shift_q.into()
        }
        _ => {
            m.note("The learning shift cannot move: it stays at its base.");
            lit(lb, u64::from(p.learning_shift_base))
        }
    };

    m.section(&[]);
    m.assign(busy_o, busy);
    m.assign(spikes_valid_o, spikes_valid_q);
    m.assign(spikes_o, spikes_out_q);
    m.assign(learning_shift_o, learning_shift);
    m.assign(above_band_o, above_band_q);
    m.assign(below_band_o, below_band_q);
    m.assign(probe_membrane_o, membrane_read);
    m.assign(probe_threshold_o, threshold_read);
    m.assign(probe_count_o, count_read);
    if let (Some(out), Some(read)) = (probe_refractory_o, refractory_read) {
        m.assign(out, read);
    }
    m.finish()
}
