//! The SNG's net-level description: the one source of its Verilog, cycle
//! model, net table and estimate. The step model (`step.rs`) states the same
//! rule independently (docs/spec.md section 2.1).

use crate::hdl::{DescriptionError, Module, ModuleBuilder, Statement};
use crate::stochastic::describe_generator;

use super::SngParams;

/// The description of an SNG with these parameters, as module `name`.
pub fn describe(p: &SngParams, name: &str) -> Result<Module, DescriptionError> {
    let n = p.width();
    let source = p.source();
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the bitstream SNG description (docs/spec.md section 2.1)".into(),
            format!("  width N = {n}, source = {}", source.describe()),
            String::new(),
            "A stochastic number generator: each cycle bit_o = (rand < value_i), an".into(),
            "unsigned comparison, so the stream encodes value_i / 2^N. A clock with en_i".into(),
            "high advances the generator; reset loads the constant RESET_STATE.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let en_i = m.input("en_i", 1, "advance the generator at this clock");
    let value_i = m.input("value_i", n, "encodes value_i / 2^N");
    let bit_o = m.output("bit_o", 1, "rand < value_i, this cycle");
    let rand_o = m.output("rand_o", n, "the generator's number, this cycle");

    let reset_state = m.constant("RESET_STATE", n, source.reset_state(), "");

    m.section(&["Generator state."]);
    let gen_state_q = m.register("gen_state_q", n, reset_state, "");

    let generator = describe_generator(&mut m, "gen", n, source, gen_state_q);

    m.section(&["Comparator encoding."]);
    let stream_bit = m.wire("stream_bit", 1, "");
    m.assign(stream_bit, generator.rand.lt(value_i));

    m.section(&["Register inputs: the generator advances while en_i is high."]);
    let gen_state_d = m.comb("gen_state_d", n, "");
    m.process(vec![
        Statement::assign(gen_state_d, gen_state_q.into()),
        Statement::when(
            en_i,
            vec![Statement::assign(gen_state_d, generator.state_next.into())],
            vec![],
        ),
    ]);
    m.clocked(vec![(gen_state_q, gen_state_d.into())], None);

    m.section(&[]);
    m.assign(bit_o, stream_bit);
    m.assign(rand_o, generator.rand);
    m.finish()
}
