//! The window decoder's net-level description: the one source of its
//! Verilog, cycle model, net table and estimate. The step model (`step.rs`)
//! states the same rule independently (docs/spec.md section 2.5).

use crate::hdl::{DescriptionError, Module, ModuleBuilder, Statement, lit, zero};

use super::DecoderParams;

/// The description of a decoder with these parameters, as module `name`.
pub fn describe(p: &DecoderParams, name: &str) -> Result<Module, DescriptionError> {
    let (c, k) = (p.count_bits(), p.position_bits());
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the bitstream decoder description (docs/spec.md section 2.5)".into(),
            format!("  window L = {}", p.window()),
            String::new(),
            "Counts the ones of a bitstream over windows of L enabled cycles. At the".into(),
            "edge that ends a window, result_q takes the window's count (estimate =".into(),
            "count / L) and valid_q rises for one cycle; the next window starts at 0.".into(),
            "Cycles with en_i low are not part of any window.".into(),
        ],
    );
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let en_i = m.input("en_i", 1, "this cycle's bit belongs to the window");
    let bit_i = m.input("bit_i", 1, "");
    let count_o = m.output("count_o", c, "ones in the last complete window");
    let valid_o = m.output("valid_o", 1, "high during the cycle after a window ends");

    let last_position = m.constant("LAST_POSITION", k, p.window() - 1, "");

    m.section(&["Window state."]);
    let position_q = m.register("position_q", k, zero(k), "");
    let count_q = m.register("count_q", c, zero(c), "");
    let result_q = m.register("result_q", c, zero(c), "");
    let valid_q = m.register("valid_q", 1, zero(1), "");

    m.section(&["Running count and window end."]);
    let count_sum = m.wire("count_sum", c, "");
    let window_end = m.wire("window_end", 1, "");
    m.assign(count_sum, count_q + bit_i.zext(c));
    m.assign(window_end, position_q.eq(last_position));

    m.section(&["Register inputs: the edge that ends a window publishes its count."]);
    let position_d = m.comb("position_d", k, "");
    let count_d = m.comb("count_d", c, "");
    let result_d = m.comb("result_d", c, "");
    let valid_d = m.comb("valid_d", 1, "");
    let set = Statement::assign;
    m.process(vec![
        set(position_d, position_q.into()),
        set(count_d, count_q.into()),
        set(result_d, result_q.into()),
        set(valid_d, zero(1)),
        Statement::when(
            en_i,
            vec![Statement::when(
                window_end,
                vec![
                    set(position_d, zero(k)),
                    set(count_d, zero(c)),
                    set(result_d, count_sum.into()),
                    set(valid_d, lit(1, 1)),
                ],
                vec![
                    set(position_d, position_q + lit(k, 1)),
                    set(count_d, count_sum.into()),
                ],
            )],
            vec![],
        ),
    ]);
    m.clocked(
        vec![
            (position_q, position_d.into()),
            (count_q, count_d.into()),
            (result_q, result_d.into()),
            (valid_q, valid_d.into()),
        ],
        None,
    );

    m.section(&[]);
    m.assign(count_o, result_q);
    m.assign(valid_o, valid_q);
    m.finish()
}
