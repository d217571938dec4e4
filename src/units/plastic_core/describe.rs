//! The core's net-level description: the array and the population as
//! instances under a top module that owns the timestep control and the
//! register of the last output spikes. docs/spec.md §4 states the protocol.

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::{Expr, Module, ModuleBuilder, mux, zero};
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
        ("host_we_i", host_write.into()),
        ("host_weight_i", host_weight_i.into()),
    ];
    if let Some(i) = host_pre_i {
        array_inputs.push(("host_pre_i", i.into()));
    }
    if let Some(j) = host_post_i {
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

    m.section(&[
        "busy_o covers the array's sweep and drain, the population's update and",
        "window pass, and the gap between them; requests while busy are ignored.",
    ]);
    m.assign(learning_shift, population_nets[3]);
    m.assign(busy, timestep_q | array_busy | population_busy);
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
    m.assign(learning_shift_o, population_nets[3]);
    m.assign(current_valid_o, current_valid);
    m.assign(current_post_o, current_post);
    m.assign(current_o, current);
    m.assign(host_weight_o, host_weight);
    m.assign(host_eligibility_o, host_eligibility);
    m.assign(host_pre_trace_o, host_pre_trace);
    m.assign(host_post_trace_o, host_post_trace);
    m.assign(probe_membrane_o, population_nets[4]);
    m.assign(probe_threshold_o, population_nets[5]);
    m.assign(probe_count_o, population_nets[6]);
    if let Some(o) = probe_refractory_o {
        m.assign(o, population_nets[7]);
    }
    Ok(m.finish()?)
}
