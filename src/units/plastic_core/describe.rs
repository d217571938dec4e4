//! The core's net-level description: the array and the population as
//! instances under a top module that owns the timestep control and the
//! register of the last output spikes. docs/spec.md §4 states the protocol.

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::{Expr, Module, ModuleBuilder, Net, lit, mux, zero};
use crate::units::lif_population::LifPopulation;
use crate::units::rstdp_array::RstdpArray;

use super::params::CoreConfig;

pub fn describe(c: &CoreConfig, name: &str) -> Result<Module> {
    let array = RstdpArray::new(c.array);
    let population = LifPopulation {
        params: c.population,
    };
    let (mut array_module, mut population_module) = (array.module()?, population.module()?);
    if c.small_memories_in_block_ram {
        array_module = Arc::new(array_module.with_memories_in_block_ram("_bram"));
        population_module = Arc::new(population_module.with_memories_in_block_ram("_bram"));
    }
    let lane = c.array.lane();
    let p = &c.population;
    let (n_pre, n_post) = (c.array.n_pre() as u32, c.array.n_post() as u32);
    let (w, t, r) = (lane.weight_bits(), lane.trace_bits(), lane.reward_bits());
    let (bi, bj, cb) = (
        c.array.pre_bits(),
        c.array.post_bits(),
        c.array.current_bits(),
    );
    let (vb, tb, kb, lb) = (
        p.membrane_bits,
        p.threshold_bits(),
        p.count_bits(),
        p.learning_shift_bits(),
    );
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the plastic core description (docs/architecture.md, the plastic core)".into(),
            format!("  array: {}", array.describe()),
            format!("  population: {}", population.describe()),
            String::new(),
            format!(
                "{n_pre} input neurons drive {n_post} LIF neurons through an R-STDP synapse array."
            ),
            "step_i, while busy_o is low, starts a timestep: the array takes input_i,".into(),
            "reward_i, learn_en_i, the population's learning shift and the output".into(),
            "spikes of the previous timestep (the pairing partners of this timestep's".into(),
            "inputs), and streams each neuron's input current (weights before the".into(),
            "update) to the population, which shows the timestep's spikes on spikes_o".into(),
            "with spikes_valid_o. busy_o stays high until both are idle again (the".into(),
            "population's window pass included). clear_i, while idle, starts an episode:".into(),
            "traces, eligibilities and the last spikes clear, weights and neurons stay.".into(),
            "While idle, the host port reads and writes synapses and the probe shows".into(),
            "one neuron's state.".into(),
        ],
    );
    let clk = m.input("clk_i", 1, "");
    let rst = m.input("rst_ni", 1, "asynchronous, active low");
    let step_i = m.input("step_i", 1, "start a timestep (ignored while busy_o)");
    let clear_i = m.input(
        "clear_i",
        1,
        "start an episode (while idle; wins over step_i)",
    );
    let input_i = m.input("input_i", n_pre, "input spikes, bit i = input neuron i");
    let reward_i = m.input("reward_i", r, "two's complement");
    let learn_en_i = m.input("learn_en_i", 1, "0 keeps the weights this timestep");
    let host_pre_i = (n_pre > 1).then(|| m.input("host_pre_i", bi, "host: input neuron i"));
    let host_post_i = (n_post > 1).then(|| m.input("host_post_i", bj, "host: output neuron j"));
    let host_we_i = m.input("host_we_i", 1, "host: write the weight (while idle)");
    let host_weight_i = m.input("host_weight_i", w, "");
    let probe_neuron_i = (n_post > 1).then(|| {
        m.input(
            "probe_neuron_i",
            bj,
            "neuron shown on probe_*_o next clock (while idle)",
        )
    });
    let busy_o = m.output(
        "busy_o",
        1,
        "a timestep, clear or window pass is in progress",
    );
    let spikes_valid_o = m.output("spikes_valid_o", 1, "spikes_o holds a timestep's spikes");
    let spikes_o = m.output("spikes_o", n_post, "bit j: output neuron j spiked");
    let learning_shift_o = m.output("learning_shift_o", lb, "L of the next timestep");
    let current_valid_o = m.output("current_valid_o", 1, "current_o holds a neuron's current");
    let current_post_o = m.output("current_post_o", bj, "the neuron j of current_o");
    let current_o = m.output("current_o", cb, "sum_i input_i * w_ij, saturated");
    let host_weight_o = m.output("host_weight_o", w, "");
    let host_eligibility_o = m.output("host_eligibility_o", t, "two's complement");
    let host_pre_trace_o = m.output("host_pre_trace_o", t, "");
    let host_post_trace_o = m.output("host_post_trace_o", t, "");
    let probe_membrane_o = m.output("probe_membrane_o", vb, "two's complement");
    let probe_threshold_o = m.output("probe_threshold_o", tb, "");
    let probe_count_o = m.output("probe_count_o", kb, "spikes in this window");
    let probe_refractory_o = (p.refractory > 0)
        .then(|| m.output("probe_refractory_o", p.refractory_bits(), "timesteps left"));
    let above_band_o = m.output(
        "above_band_o",
        n_post,
        "bit j: neuron j was above its band in the last window",
    );
    let below_band_o = m.output(
        "below_band_o",
        n_post,
        "bit j: neuron j was below its band in the last window",
    );

    m.section(&["Timestep control."]);
    let busy = m.wire("busy", 1, "");
    let step_start = m.wire("step_start", 1, "");
    let clear_start = m.wire("clear_start", 1, "");
    let host_write = m.wire("host_write", 1, "");
    let timestep_q = m.register(
        "timestep_q",
        1,
        zero(1),
        "from step_start to the population's spikes_valid_o",
    );
    let last_spikes_q = m.register(
        "last_spikes_q",
        n_post,
        zero(n_post),
        "the previous timestep's output spikes",
    );

    // The array's host port: the user's while idle, the scaling pass's while it runs.
    let array_host_write = m.wire("host_port_write", 1, "to the array");
    let array_host_weight = m.wire("host_port_weight", w, "to the array");
    let array_host_pre = (n_pre > 1).then(|| m.wire("host_port_pre", bi, "to the array"));
    let array_host_post = (n_post > 1).then(|| m.wire("host_port_post", bj, "to the array"));

    m.section(&[]);
    let mut array_inputs: Vec<(&str, Expr)> = vec![
        ("clk_i", clk.into()),
        ("rst_ni", rst.into()),
        ("step_i", step_start.into()),
        ("clear_i", clear_start.into()),
        ("pre_i", input_i.into()),
        ("post_i", last_spikes_q.into()),
        ("reward_i", reward_i.into()),
        ("learn_en_i", learn_en_i.into()),
        ("host_we_i", array_host_write.into()),
        ("host_weight_i", array_host_weight.into()),
    ];
    if let Some(i) = array_host_pre {
        array_inputs.push(("host_pre_i", i.into()));
    }
    if let Some(j) = array_host_post {
        array_inputs.push(("host_post_i", j.into()));
    }
    // The population's learning shift is a net declared by its instance
    // below; the array reads it through this wire.
    let learning_shift = m.wire("learning_shift", lb, "the population's L, to the array");
    array_inputs.push(("learning_shift_i", learning_shift.into()));
    let array_nets = m.instance(
        "array",
        array_module,
        array_inputs,
        vec![
            ("busy_o", "array_busy"),
            ("current_valid_o", "array_current_valid"),
            ("current_post_o", "array_current_post"),
            ("current_o", "array_current"),
            ("host_weight_o", "array_host_weight"),
            ("host_eligibility_o", "array_host_eligibility"),
            ("host_pre_trace_o", "array_host_pre_trace"),
            ("host_post_trace_o", "array_host_post_trace"),
        ],
    );
    let [
        array_busy,
        current_valid,
        current_post,
        current,
        host_weight,
        host_eligibility,
        host_pre_trace,
        host_post_trace,
    ] = array_nets[..]
    else {
        unreachable!("the array has eight outputs")
    };

    m.section(&[]);
    let mut population_inputs: Vec<(&str, Expr)> = vec![
        ("clk_i", clk.into()),
        ("rst_ni", rst.into()),
        ("current_valid_i", current_valid.into()),
        ("current_i", current.into()),
    ];
    if let Some(j) = probe_neuron_i {
        population_inputs.push(("probe_neuron_i", j.into()));
    }
    let mut population_outputs = vec![
        ("busy_o", "population_busy"),
        ("spikes_valid_o", "population_spikes_valid"),
        ("spikes_o", "population_spikes"),
        ("learning_shift_o", "population_learning_shift"),
        ("probe_membrane_o", "population_membrane"),
        ("probe_threshold_o", "population_threshold"),
        ("probe_count_o", "population_count"),
        ("above_band_o", "population_above_band"),
        ("below_band_o", "population_below_band"),
    ];
    if probe_refractory_o.is_some() {
        population_outputs.push(("probe_refractory_o", "population_refractory"));
    }

    let population_nets = m.instance(
        "population",
        population_module,
        population_inputs,
        population_outputs,
    );
    let (population_busy, population_spikes_valid, population_spikes) =
        (population_nets[0], population_nets[1], population_nets[2]);
    // Instance outputs come in the population's port order.
    let (learning_shift_net, above_band, below_band) =
        (population_nets[3], population_nets[4], population_nets[5]);
    let (membrane_net, threshold_net, count_net) =
        (population_nets[6], population_nets[7], population_nets[8]);
    let refractory_net = population_nets.get(9).copied();

    let scaling = describe_scaling(
        &mut m,
        c,
        ScalingInputs {
            step_start,
            timestep: timestep_q,
            array_busy,
            population_busy,
            above_band,
            below_band,
            read_weight: host_weight,
        },
    );
    m.section(&["The array's host port."]);
    let user = |port: Option<Net>| port.map(Expr::from);
    match &scaling {
        Some(sc) => {
            m.assign(
                array_host_write,
                mux(sc.active, sc.write.clone(), host_write),
            );
            m.assign(array_host_weight, mux(sc.active, sc.weight, host_weight_i));
            if let (Some(a), Some(u)) = (array_host_pre, user(host_pre_i)) {
                m.assign(a, mux(sc.active, sc.pre.expect("n_pre > 1"), u));
            }
            if let (Some(a), Some(u)) = (array_host_post, user(host_post_i)) {
                m.assign(a, mux(sc.active, sc.post.expect("n_post > 1"), u));
            }
        }
        None => {
            m.assign(array_host_write, host_write);
            m.assign(array_host_weight, host_weight_i);
            if let (Some(a), Some(u)) = (array_host_pre, host_pre_i) {
                m.assign(a, u);
            }
            if let (Some(a), Some(u)) = (array_host_post, host_post_i) {
                m.assign(a, u);
            }
        }
    }

    m.section(&[
        "busy_o covers the array's sweep and drain, the population's update and",
        "window pass, and the gap between them; requests while busy are ignored.",
    ]);
    m.assign(learning_shift, learning_shift_net);
    let scaling_busy: Expr = match &scaling {
        Some(sc) => sc.busy.clone(),
        None => zero(1),
    };
    m.assign(
        busy,
        timestep_q | array_busy | population_busy | scaling_busy,
    );
    m.assign(step_start, step_i & !busy & !clear_i);
    m.assign(clear_start, clear_i & !busy);
    m.assign(host_write, host_we_i & !busy);
    m.clocked(
        vec![
            (
                timestep_q,
                step_start | (timestep_q & !population_spikes_valid),
            ),
            (
                last_spikes_q,
                mux(
                    clear_start,
                    zero(n_post),
                    mux(population_spikes_valid, population_spikes, last_spikes_q),
                ),
            ),
        ],
        None,
    );

    m.section(&["Outputs."]);
    m.assign(busy_o, busy);
    m.assign(spikes_valid_o, population_spikes_valid);
    m.assign(spikes_o, population_spikes);
    m.assign(learning_shift_o, learning_shift_net);
    m.assign(current_valid_o, current_valid);
    m.assign(current_post_o, current_post);
    m.assign(current_o, current);
    m.assign(host_weight_o, host_weight);
    m.assign(host_eligibility_o, host_eligibility);
    m.assign(host_pre_trace_o, host_pre_trace);
    m.assign(host_post_trace_o, host_post_trace);
    m.assign(probe_membrane_o, membrane_net);
    m.assign(probe_threshold_o, threshold_net);
    m.assign(probe_count_o, count_net);
    if let (Some(o), Some(net)) = (probe_refractory_o, refractory_net) {
        m.assign(o, net);
    }
    m.assign(above_band_o, above_band);
    m.assign(below_band_o, below_band);
    Ok(m.finish()?)
}

/// What the scaling pass reads from the rest of the core.
struct ScalingInputs {
    step_start: Net,
    timestep: Net,
    array_busy: Net,
    population_busy: Net,
    above_band: Net,
    below_band: Net,
    /// The array's host read data: the weight addressed the clock before.
    read_weight: Net,
}

/// What the scaling pass drives: the array's host port while `active`.
struct ScalingPort {
    active: Net,
    busy: Expr,
    write: Expr,
    weight: Net,
    pre: Option<Net>,
    post: Option<Net>,
}

/// Synaptic scaling (docs/spec.md §4): after the pass of a window's last
/// timestep, every synapse of a neuron above its band gets w - (w >> s), of
/// one below it sat(w + (w >> s)), through the array's host port, two
/// clocks a synapse (address, then write). None when the scaling shift is 0.
fn describe_scaling(
    m: &mut ModuleBuilder,
    c: &CoreConfig,
    i: ScalingInputs,
) -> Option<ScalingPort> {
    let shift = c.scaling_shift;
    if shift == 0 {
        return None;
    }
    let lane = c.array.lane();
    let w = lane.weight_bits();
    let (n_pre, n_post) = (c.array.n_pre() as u32, c.array.n_post() as u32);
    let (bi, bj) = (c.array.pre_bits(), c.array.post_bits());
    let window = u64::from(c.population.window);
    m.section(&[
        &format!("Synaptic scaling by w >> {shift} after each window (every {window} timesteps):"),
        "the band flags are copied when the pass starts and rotate by one per",
        "column, so bit 0 is the flag of the column being scaled.",
    ]);
    let window_bits = crate::design::index_bits(window);
    let window_timestep_q = (window > 1).then(|| {
        m.register(
            "window_timestep_q",
            window_bits,
            zero(window_bits),
            "timesteps started in this window",
        )
    });
    let scale_pending_q = m.register(
        "scale_pending_q",
        1,
        zero(1),
        "a window ended: scale once the population's pass is done",
    );
    let scaling_q = m.register("scaling_q", 1, zero(1), "the pass runs");
    let scale_write_q = m.register("scale_write_q", 1, zero(1), "0: address, 1: write");
    let scale_pre_q = (n_pre > 1).then(|| m.register("scale_pre_q", bi, zero(bi), ""));
    let scale_post_q = (n_post > 1).then(|| m.register("scale_post_q", bj, zero(bj), ""));
    let scale_above_q = m.register("scale_above_q", n_post, zero(n_post), "");
    let scale_below_q = m.register("scale_below_q", n_post, zero(n_post), "");
    let window_last = m.wire("window_last", 1, "this step is the window's last");
    let scale_start = m.wire("scale_start", 1, "");
    let pre_last = m.wire("scale_pre_last", 1, "");
    let post_last = m.wire("scale_post_last", 1, "");
    let scaled_down = m.wire("scaled_down", w, "w - (w >> s)");
    let scaled_up = m.wire("scaled_up", w, "sat(w + (w >> s))");
    let scaled_sum = m.wire("scaled_sum", w + 1, "w + (w >> s)");
    let scaled_weight = m.wire("scaled_weight", w, "");
    match window_timestep_q {
        Some(q) => m.assign(window_last, q.eq(lit(window_bits, window - 1))),
        None => m.assign(window_last, lit(1, 1)),
    }
    m.assign(
        scale_start,
        scale_pending_q & !i.timestep & !i.array_busy & !i.population_busy & !scaling_q,
    );
    m.assign(
        pre_last,
        match scale_pre_q {
            Some(q) => q.eq(lit(bi, u64::from(n_pre) - 1)),
            None => lit(1, 1),
        },
    );
    m.assign(
        post_last,
        match scale_post_q {
            Some(q) => q.eq(lit(bj, u64::from(n_post) - 1)),
            None => lit(1, 1),
        },
    );
    let delta = i.read_weight >> shift.min(w);
    m.assign(scaled_down, i.read_weight - delta.clone());
    m.assign(scaled_sum, i.read_weight.zext(w + 1) + delta.zext(w + 1));
    m.assign(
        scaled_up,
        mux(
            scaled_sum.bit(w),
            lit(w, crate::design::mask(w)),
            scaled_sum.slice(w - 1, 0),
        ),
    );
    m.assign(
        scaled_weight,
        mux(scale_above_q.bit(0), scaled_down, scaled_up),
    );
    let column_done = scale_write_q & pre_last;
    let rotate = |q: Net| -> Expr {
        if n_post > 1 {
            crate::hdl::concat([q.bit(0), q.slice(n_post - 1, 1)])
        } else {
            q.into()
        }
    };
    let mut registers = vec![
        (
            scale_pending_q,
            (i.step_start & window_last) | (scale_pending_q & !scale_start),
        ),
        (
            scaling_q,
            scale_start | (scaling_q & !(column_done.clone() & post_last)),
        ),
        (scale_write_q, scaling_q & !scale_write_q),
        (
            scale_above_q,
            mux(
                scale_start,
                i.above_band,
                mux(
                    scaling_q & column_done.clone(),
                    rotate(scale_above_q),
                    scale_above_q,
                ),
            ),
        ),
        (
            scale_below_q,
            mux(
                scale_start,
                i.below_band,
                mux(
                    scaling_q & column_done.clone(),
                    rotate(scale_below_q),
                    scale_below_q,
                ),
            ),
        ),
    ];
    if let Some(q) = window_timestep_q {
        registers.push((
            q,
            mux(
                i.step_start,
                mux(window_last, zero(window_bits), q + lit(window_bits, 1)),
                q,
            ),
        ));
    }
    if let Some(q) = scale_pre_q {
        registers.push((
            q,
            mux(
                scaling_q & scale_write_q,
                mux(pre_last, zero(bi), q + lit(bi, 1)),
                mux(scaling_q, q, zero(bi)),
            ),
        ));
    }
    if let Some(q) = scale_post_q {
        registers.push((
            q,
            mux(
                scaling_q & column_done.clone(),
                q + lit(bj, 1),
                mux(scaling_q, q, zero(bj)),
            ),
        ));
    }
    m.clocked(registers, None);
    Some(ScalingPort {
        active: scaling_q,
        busy: scale_pending_q | scaling_q,
        write: scaling_q & scale_write_q & (scale_above_q.bit(0) | scale_below_q.bit(0)),
        weight: scaled_weight,
        pre: scale_pre_q,
        post: scale_post_q,
    })
}
