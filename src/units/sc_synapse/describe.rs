//! The AND synapse's net-level description: the one source of its Verilog,
//! cycle model, net table and estimate. The step model (`step.rs`) states the
//! same rule independently (docs/spec.md section 2.4).

use crate::hdl::{DescriptionError, Module, ModuleBuilder, Statement};
use crate::stochastic::describe_generator;

use super::SynapseParams;

/// The description of a synapse with these parameters, as module `name`.
pub fn describe(p: &SynapseParams, name: &str) -> Result<Module, DescriptionError> {
    let n = p.width();
    let source = p.weight_source();
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the bitstream synapse description (docs/spec.md section 2.4)".into(),
            format!(
                "  width N = {n}, weight source = {}, reset_weight = {}",
                source.describe(),
                p.reset_weight()
            ),
            String::new(),
            "A stochastic-computing synapse: post_o = pre_i AND weight_bit, where the".into(),
            "weight stream is the SNG (rand < weight_q) of the fixed-point weight register".into(),
            "through the synapse's own generator. A clock with en_i high advances the".into(),
            "generator. A clock with update_weight_i high loads weight_value_i into".into(),
            "weight_q at that edge: the weight bit of the next cycle already uses it.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let en_i = m.input("en_i", 1, "advance the weight generator at this clock");
    let pre_i = m.input("pre_i", 1, "input stream bit");
    let update_weight_i = m.input("update_weight_i", 1, "load weight_value_i at this clock");
    let weight_value_i = m.input("weight_value_i", n, "");
    let post_o = m.output("post_o", 1, "pre_i AND weight bit, this cycle");
    let weight_bit_o = m.output("weight_bit_o", 1, "the weight stream, this cycle");
    let weight_o = m.output("weight_o", n, "");

    let reset_weight = m.constant("RESET_WEIGHT", n, p.reset_weight(), "");
    let reset_state = m.constant("RESET_STATE", n, source.reset_state(), "");

    m.section(&["Synapse state: the weight and its generator."]);
    let weight_q = m.register("weight_q", n, reset_weight, "");
    let gen_state_q = m.register("gen_state_q", n, reset_state, "");

    let generator = describe_generator(&mut m, "gen", n, source, gen_state_q);

    m.section(&["Weight stream and the AND multiplication."]);
    let weight_bit = m.wire("weight_bit", 1, "");
    let post_bit = m.wire("post_bit", 1, "");
    m.assign(weight_bit, generator.rand.lt(weight_q));
    m.assign(post_bit, pre_i & weight_bit);

    m.section(&[
        "Register inputs: a weight update lands at its clock; en_i advances the generator.",
    ]);
    let weight_d = m.comb("weight_d", n, "");
    let gen_state_d = m.comb("gen_state_d", n, "");
    let set = Statement::assign;
    m.process(vec![
        set(weight_d, weight_q.into()),
        set(gen_state_d, gen_state_q.into()),
        Statement::when(
            update_weight_i,
            vec![set(weight_d, weight_value_i.into())],
            vec![],
        ),
        Statement::when(
            en_i,
            vec![set(gen_state_d, generator.state_next.into())],
            vec![],
        ),
    ]);
    m.clocked(
        vec![
            (weight_q, weight_d.into()),
            (gen_state_q, gen_state_d.into()),
        ],
        None,
    );

    m.section(&[]);
    m.assign(post_o, post_bit);
    m.assign(weight_bit_o, weight_bit);
    m.assign(weight_o, weight_q);
    m.finish()
}
