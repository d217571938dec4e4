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
            "busy_o is low; a neuron updates the clock after its current: leak by shift,".into(),
            "integrate (saturating), fire at v >= threshold, reset by subtraction, then".into(),
            "refractory timesteps that ignore input. After the last neuron spikes_o shows".into(),
            "the timestep's spikes (spikes_valid_o). After the last timestep of a window a".into(),
            "pass over the neurons moves each threshold by its own band, then all by the".into(),
            "population's band, and the learning shift by the variance of the counts.".into(),
            "After reset a pass sets every threshold to its initial value.".into(),
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

    m.section(&["Control: the stream's next neuron, the window's timestep, the passes."]);
    let neuron_q =
        last_neuron.map(|_| m.register("neuron_q", nb, zero(nb), "next current's neuron"));
    let timestep_q = last_timestep.map(|_| m.register("timestep_q", cb, zero(cb), "in the window"));
    let pass_q = m.register(
        "pass_q",
        1,
        lit(1, 1),
        "a pass reads a neuron (reset: the init pass)",
    );
    let pass_init_q = m.register("pass_init_q", 1, lit(1, 1), "the pass initializes");
    let pass_neuron_q = last_neuron.map(|_| m.register("pass_neuron_q", nb, zero(nb), ""));
    let valid_s1_q = m.register("valid_s1_q", 1, zero(1), "a neuron updates");
    let neuron_last_s1_q = m.register("neuron_last_s1_q", 1, zero(1), "");
    let current_s1_q = m.register("current_s1_q", c, zero(c), "");
    let pass_valid_s1_q = m.register("pass_valid_s1_q", 1, zero(1), "a pass writes a neuron");
    let pass_last_s1_q = m.register("pass_last_s1_q", 1, zero(1), "");
    let pass_valid_s2_q = m.register("pass_valid_s2_q", 1, zero(1), "a pass writes a threshold");
    let pass_done_q = m.register(
        "pass_done_q",
        1,
        zero(1),
        "the window pass ends: learning shift",
    );
    let busy = m.wire("busy", 1, "");
    let accept = m.wire("accept", 1, "");
    let neuron_last = m.wire("neuron_last", 1, "");
    let pass_last = m.wire("pass_last", 1, "");
    let window_last = m.wire("window_last", 1, "");
    let timestep_done = m.wire("timestep_done", 1, "");
    let window_done = m.wire("window_done", 1, "");
    // One neuron: its next current would read the memory before the update wrote it.
    let same_neuron_in_flight: Expr = if n == 1 { valid_s1_q.into() } else { lit(1, 0) };
    m.assign(
        busy,
        Expr::from(pass_q)
            | pass_valid_s1_q
            | pass_valid_s2_q
            | pass_done_q
            | (valid_s1_q & neuron_last_s1_q & window_last)
            | same_neuron_in_flight,
    );
    m.assign(accept, current_valid_i & !busy);
    m.assign(
        neuron_last,
        match (neuron_q, last_neuron) {
            (Some(q), Some(last)) => q.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(
        pass_last,
        match (pass_neuron_q, last_neuron) {
            (Some(q), Some(last)) => q.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(
        window_last,
        match (timestep_q, last_timestep) {
            (Some(q), Some(last)) => q.eq(last),
            _ => lit(1, 1),
        },
    );
    m.assign(timestep_done, valid_s1_q & neuron_last_s1_q);
    m.assign(window_done, timestep_done & window_last);
    let mut control = vec![
        (pass_q, window_done | (pass_q & !pass_last)),
        (pass_init_q, mux(window_done, lit(1, 0), pass_init_q)),
        (valid_s1_q, accept.into()),
        (neuron_last_s1_q, neuron_last.into()),
        (current_s1_q, current_i.into()),
        (pass_valid_s1_q, pass_q.into()),
        (pass_last_s1_q, pass_last.into()),
        (pass_valid_s2_q, pass_valid_s1_q.into()),
        (pass_done_q, pass_valid_s1_q & pass_last_s1_q & !pass_init_q),
    ];
    if let Some(q) = neuron_q {
        control.push((
            q,
            mux(accept, mux(neuron_last, zero(nb), q + lit(nb, 1)), q),
        ));
    }
    if let Some(q) = timestep_q {
        control.push((
            q,
            mux(timestep_done, mux(window_last, zero(cb), q + lit(cb, 1)), q),
        ));
    }
    if let Some(q) = pass_neuron_q {
        control.push((q, mux(pass_q, mux(pass_last, zero(nb), q + lit(nb, 1)), q)));
    }
    m.clocked(control, None);

    m.section(&["Neuron state, one word per neuron, read the clock before it is written."]);
    let read_neuron = m.wire("read_neuron", nb, "");
    let neuron_s1 = m.register("neuron_s1_q", nb, zero(nb), "the neuron of stage 1");
    let neuron_s2 = m.register("neuron_s2_q", nb, zero(nb), "the pass's neuron of stage 2");
    m.assign(
        read_neuron,
        match (neuron_q, pass_neuron_q, probe_neuron_i) {
            (Some(q), Some(pq), Some(probe)) => mux(pass_q, pq, mux(current_valid_i, q, probe)),
            _ => zero(nb),
        },
    );
    m.clocked(
        vec![
            (neuron_s1, read_neuron.into()),
            (neuron_s2, neuron_s1.into()),
        ],
        None,
    );
    let membrane_next = m.wire("membrane_next", v, "");
    let threshold_next = m.wire("threshold_next", tb, "");
    let count_next = m.wire("count_next", cb, "");
    let state_write = m.wire("state_write", 1, "an update, or the init pass");
    let count_write = m.wire("count_write", 1, "an update, or any pass");
    m.assign(state_write, valid_s1_q | (pass_valid_s1_q & pass_init_q));
    m.assign(count_write, valid_s1_q | pass_valid_s1_q);
    let membrane_read = m.memory(
        "membranes",
        v,
        nb,
        "membrane potential, two's complement",
        state_write.into(),
        neuron_s1.into(),
        membrane_next.into(),
        vec![("membrane_read_q", read_neuron.into())],
    )[0];
    let threshold_read = m.memory(
        "thresholds",
        tb,
        nb,
        "threshold",
        pass_valid_s2_q.into(),
        neuron_s2.into(),
        threshold_next.into(),
        vec![("threshold_read_q", read_neuron.into())],
    )[0];
    let count_read = m.memory(
        "counts",
        cb,
        nb,
        "spikes in this window",
        count_write.into(),
        neuron_s1.into(),
        count_next.into(),
        vec![("count_read_q", read_neuron.into())],
    )[0];
    let refractory = refractory_period.map(|period| {
        let next = m.wire("refractory_next", rb, "");
        let read = m.memory(
            "refractories",
            rb,
            nb,
            "refractory timesteps left",
            state_write.into(),
            neuron_s1.into(),
            next.into(),
            vec![("refractory_read_q", read_neuron.into())],
        )[0];
        (period, next, read)
    });

    m.section(&[
        "Update (stage 1): leak v - (v >>> k), integrate the current in membrane",
        "units (v + 1 bits, saturating at the top: the current is never negative),",
        "fire at v >= threshold, reset by subtraction.",
    ]);
    let resting = m.wire("resting", 1, "refractory: input ignored, v held");
    let membrane_leaked = m.wire("membrane_leaked", v, "");
    let membrane_sum = m.wire("membrane_sum", v + 1, "");
    let membrane_integrated = m.wire("membrane_integrated", v, "");
    let fire = m.wire("fire", 1, "");
    match &refractory {
        Some((_, _, read)) => m.assign(resting, read.any()),
        None => m.assign(resting, lit(1, 0)),
    }
    match p.leak_shift {
        Some(k) => {
            let leak = m.wire("membrane_leak", v, "v >>> k");
            m.assign(leak, Expr::from(membrane_read).sra(k));
            m.assign(membrane_leaked, membrane_read - leak);
        }
        None => m.assign(membrane_leaked, membrane_read),
    }
    m.assign(
        membrane_sum,
        membrane_leaked.sext(v + 1) + (current_s1_q.zext(v + 1) << f),
    );
    m.assign(
        membrane_integrated,
        mux(
            !membrane_sum.bit(v) & membrane_sum.bit(v - 1),
            max_membrane,
            membrane_sum.slice(v - 1, 0),
        ),
    );
    m.explain("A threshold is positive: v >= threshold needs v's sign bit clear.");
    m.assign(
        fire,
        !resting
            & !membrane_integrated.msb()
            & membrane_integrated.slice(v - 2, 0).ge(threshold_read),
    );

    m.section(&[
        "Window pass: each threshold moves by its own band (stage 1), then by the",
        "population's (stage 2), saturating in [min, max]; the init pass sets the",
        "initial one.",
    ]);
    let sum_q = m.register(
        "sum_q",
        sum_bits,
        zero(sum_bits),
        "population count of the window",
    );
    let population_up = m.wire("population_up", 1, "");
    let population_down = m.wire("population_down", 1, "");
    let nudge = |m: &mut ModuleBuilder, name: &str, theta: Expr, up: Expr, down: Expr| -> Net {
        let raised = m.wire(&format!("{name}_raised"), tb + 1, "");
        let out = m.wire(name, tb, "");
        m.assign(
            raised,
            theta.clone().zext(tb + 1) + threshold_step.zext(tb + 1),
        );
        m.assign(
            out,
            mux(
                up,
                mux(
                    raised.gt(threshold_max.zext(tb + 1)),
                    threshold_max,
                    raised.slice(tb - 1, 0),
                ),
                mux(
                    down,
                    mux(
                        theta
                            .clone()
                            .zext(tb + 1)
                            .lt(lit(tb + 1, p.threshold_min + p.threshold_step)),
                        threshold_min,
                        theta.clone() - threshold_step,
                    ),
                    theta,
                ),
            ),
        );
        out
    };
    let own_up = above(count_read, p.hi);
    let own_down = below(count_read, p.lo);
    let own = nudge(
        &mut m,
        "own_threshold",
        threshold_read.into(),
        own_up,
        own_down,
    );
    m.explain("Stage 2 of the pass: the population's band, then the write.");
    let own_threshold_s2_q = m.register("own_threshold_s2_q", tb, zero(tb), "");
    m.clocked(vec![(own_threshold_s2_q, own.into())], None);
    m.assign(population_up, above(sum_q, p.population_hi()));
    m.assign(population_down, below(sum_q, p.population_lo()));
    let adapted = nudge(
        &mut m,
        "adapted_threshold",
        own_threshold_s2_q.into(),
        population_up.into(),
        population_down.into(),
    );
    m.assign(threshold_next, mux(pass_init_q, threshold_init, adapted));

    m.section(&["Next state of the neuron written at stage 1."]);
    m.assign(
        membrane_next,
        mux(
            pass_valid_s1_q,
            zero(v),
            mux(
                resting,
                membrane_read,
                mux(
                    fire,
                    membrane_integrated - threshold_read.zext(v),
                    membrane_integrated,
                ),
            ),
        ),
    );
    m.assign(
        count_next,
        mux(pass_valid_s1_q, zero(cb), count_read + fire.zext(cb)),
    );
    if let Some((period, next, read)) = &refractory {
        m.assign(
            *next,
            mux(
                pass_valid_s1_q,
                zero(rb),
                mux(resting, *read - lit(rb, 1), mux(fire, *period, zero(rb))),
            ),
        );
    }

    m.section(&[
        "Spikes of the timestep, shifted in as the neurons update (neuron 0 ends in",
        "bit 0); the window's population count; the count squares for the variance.",
    ]);
    let spikes_q =
        (n > 1).then(|| m.register("spikes_q", n - 1, zero(n - 1), "neurons 1.. so far"));
    let spikes_out_q = m.register("spikes_out_q", n, zero(n), "");
    let spikes_valid_q = m.register("spikes_valid_q", 1, zero(1), "");
    // The window's last timestep adds each final count a clock after the update
    // (off the update's path); the pass reads the sum from its second stage on.
    let sum_add_s2_q = m.register("sum_add_s2_q", 1, zero(1), "");
    let sum_first_s2_q = m.register("sum_first_s2_q", 1, zero(1), "");
    let count_s2_q = m.register("count_s2_q", cb, zero(cb), "");
    // The variance test can only matter when its limit is below the largest spread,
    // and the learning shift only move when its range is not a single value.
    let variance_tested =
        p.variance_limit < mask(spread_bits) && p.learning_shift_max > p.learning_shift_base;
    let square_sum_q = variance_tested.then(|| {
        let q = m.register("square_sum_q", square_sum_bits, zero(square_sum_bits), "");
        let count_square = m.wire("count_square", square_bits, "");
        m.assign(
            count_square,
            count_read.zext(square_bits) * count_read.zext(square_bits),
        );
        (q, count_square)
    });
    let shifted_in: Expr = match spikes_q {
        Some(q) => concat([fire.into(), Expr::from(q)]),
        None => fire.into(),
    };
    let mut spike_regs = vec![
        (
            spikes_out_q,
            mux(timestep_done, shifted_in.clone(), spikes_out_q),
        ),
        (spikes_valid_q, timestep_done.into()),
        (
            sum_q,
            mux(
                sum_add_s2_q,
                mux(sum_first_s2_q, zero(sum_bits), sum_q) + count_s2_q.zext(sum_bits),
                sum_q,
            ),
        ),
        (sum_add_s2_q, valid_s1_q & window_last),
        (sum_first_s2_q, neuron_s1.eq(zero(nb))),
        (count_s2_q, count_next.into()),
    ];
    if let Some((q, count_square)) = square_sum_q {
        spike_regs.push((
            q,
            mux(
                pass_valid_s1_q & !pass_init_q,
                q + count_square.zext(square_sum_bits),
                mux(pass_done_q, zero(square_sum_bits), q),
            ),
        ));
    }
    if let Some(q) = spikes_q {
        let next = if n > 2 {
            concat([fire.into(), q.slice(n - 2, 1)])
        } else {
            fire.into()
        };
        spike_regs.push((q, mux(valid_s1_q, next, q)));
    }
    m.clocked(spike_regs, None);

    m.section(&[
        "Learning shift at the window pass's end: up one (saturating) when",
        "N * sum(c^2) - (sum c)^2 exceeds floor(N^2 * variance_bound), else down one",
        "toward the base.",
    ]);
    let learning_shift: Expr = match square_sum_q {
        Some((square_sum_q, _)) => {
            let learning_shift_q = m.register(
                "learning_shift_q",
                lb,
                lit(lb, u64::from(p.learning_shift_base)),
                "",
            );
            let spread = m.wire("spread", spread_bits, "N * sum(c^2) - (sum c)^2");
            let sum_square = m.wire("sum_square", spread_bits, "(sum c)^2");
            m.assign(
                sum_square,
                sum_q.zext(spread_bits) * sum_q.zext(spread_bits),
            );
            m.assign(
                spread,
                times_constant(square_sum_q.into(), u64::from(n), spread_bits) - sum_square,
            );
            let (base, max) = (
                u64::from(p.learning_shift_base),
                u64::from(p.learning_shift_max),
            );
            m.clocked(
                vec![(
                    learning_shift_q,
                    mux(
                        pass_done_q,
                        mux(
                            spread.gt(lit(spread_bits, p.variance_limit)),
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
                )],
                None,
            );
            learning_shift_q.into()
        }
        None => {
            m.note("The learning shift cannot move: it stays at its base.");
            lit(lb, u64::from(p.learning_shift_base))
        }
    };

    m.section(&[]);
    m.assign(busy_o, busy);
    m.assign(spikes_valid_o, spikes_valid_q);
    m.assign(spikes_o, spikes_out_q);
    m.assign(learning_shift_o, learning_shift);
    m.assign(probe_membrane_o, membrane_read);
    m.assign(probe_threshold_o, threshold_read);
    m.assign(probe_count_o, count_read);
    if let (Some(out), Some((_, _, read))) = (probe_refractory_o, &refractory) {
        m.assign(out, *read);
    }
    m.finish()
}
