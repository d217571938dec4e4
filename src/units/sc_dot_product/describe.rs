//! The dot product's net-level description: the one source of its Verilog,
//! cycle model, net table and estimate. The step model (`step.rs`) states the
//! same rule independently (docs/spec.md section 2.6).

use crate::hdl::{
    DescriptionError, Expr, Module, ModuleBuilder, Statement, concat, lit, mux, zero,
};
use crate::stochastic::describe_generator;

use super::DotParams;

/// A balanced sum of `terms` (a tree of depth ceil(log2 n), not a chain).
fn adder_tree(terms: &[Expr]) -> Expr {
    match terms {
        [one] => one.clone(),
        _ => {
            let (left, right) = terms.split_at(terms.len().div_ceil(2));
            adder_tree(left) + adder_tree(right)
        }
    }
}

/// The description of a dot product with these parameters, as module `name`.
pub fn describe(p: &DotParams, name: &str) -> Result<Module, DescriptionError> {
    let (n, w, s) = (p.inputs(), p.width(), p.index_bits());
    let (c, k, inc) = (p.count_bits(), p.position_bits(), p.increment_bits());
    let is_mux = p.mux();
    let reset_weights_text = (0..n)
        .map(|j| p.reset_weight(j).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut header = vec![
        "the bitstream dot-product description (docs/spec.md section 2.6)".to_string(),
        format!(
            "  inputs n = {n}, width N = {w}, combine = {}, window L = {},",
            if is_mux { "mux" } else { "popcount" },
            p.window()
        ),
        format!(
            "  input source = {}, weight source = {}{},",
            p.input_source().describe(),
            p.weight_source().describe(),
            if is_mux {
                format!(", select source = {}", p.select_source().describe())
            } else {
                String::new()
            }
        ),
        format!("  reset_weights = {reset_weights_text}"),
        String::new(),
        "n inputs times n weights in stochastic computing: input j (x_i[N*j +: N])".into(),
        "is encoded by the shared input generator (x_rand < x_j), weight j by the".into(),
        "shared weight generator (w_rand < weight j), and each pair is multiplied by".into(),
        "an AND.".into(),
    ];
    if is_mux {
        header.extend([
            "A multiplexer (scaled addition) passes one product per cycle, the one chosen".into(),
            "by mux_select = floor(s_rand * n / 2^N); the decoded count estimates".into(),
            "sum_j x_j w_j / n, so the dot product is count * n / L.".into(),
        ]);
    } else {
        header.extend([
            "An exact popcount adds the n products each cycle; the decoded count".into(),
            "estimates sum_j x_j w_j, so the dot product is count / L.".into(),
        ]);
    }
    header.extend([
        "Cycles with en_i high advance the generators and count towards the window".into(),
        "of L cycles; at the edge that ends a window result_q takes the count and".into(),
        "valid_q rises for one cycle. update_weight_i loads weight_value_i into".into(),
        "weight update_index_i at that edge (indices >= n are ignored).".into(),
    ]);
    let mut m = ModuleBuilder::new(name, header);

    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let en_i = m.input("en_i", 1, "one stream cycle");
    let x_i = m.input("x_i", n * w, "input j at [N*j +: N]");
    let update_weight_i = m.input("update_weight_i", 1, "load weight_value_i at this clock");
    let update_index_i = m.input("update_index_i", s, "");
    let weight_value_i = m.input("weight_value_i", w, "");
    let sum_o = m.output("sum_o", c, "count of the last complete window");
    let valid_o = m.output("valid_o", 1, "high during the cycle after a window ends");
    let stream_o = m.output(
        "stream_o",
        inc,
        if is_mux {
            "this cycle's multiplexed product"
        } else {
            "this cycle's popcount"
        },
    );

    let packed_reset = (0..n).fold(0u64, |acc, j| acc | (p.reset_weight(j) << (j * w)));
    let reset_weights = m.constant("RESET_WEIGHTS", n * w, packed_reset, "");
    let x_reset = m.constant("X_RESET_STATE", w, p.input_source().reset_state(), "");
    let w_reset = m.constant("W_RESET_STATE", w, p.weight_source().reset_state(), "");
    let s_reset =
        is_mux.then(|| m.constant("S_RESET_STATE", w, p.select_source().reset_state(), ""));
    let last_position = m.constant("LAST_POSITION", k, p.window() - 1, "");

    m.section(&["State: the weights, the generators and the window decoder."]);
    let weights_q = m.register("weights_q", n * w, reset_weights, "weight j at [N*j +: N]");
    let x_state_q = m.register("x_state_q", w, x_reset, "");
    let w_state_q = m.register("w_state_q", w, w_reset, "");
    let s_state_q = s_reset.map(|r| m.register("s_state_q", w, r, ""));
    let position_q = m.register("position_q", k, zero(k), "");
    let count_q = m.register("count_q", c, zero(c), "");
    let result_q = m.register("result_q", c, zero(c), "");
    let valid_q = m.register("valid_q", 1, zero(1), "");

    let x_gen = describe_generator(&mut m, "x", w, p.input_source(), x_state_q);
    let w_gen = describe_generator(&mut m, "w", w, p.weight_source(), w_state_q);
    let s_gen = s_state_q.map(|q| describe_generator(&mut m, "s", w, p.select_source(), q));

    m.section(&["Comparator encodings (bit j of each is lane j) and AND products."]);
    let x_bits = m.wire("x_bits", n, "");
    let w_bits = m.wire("w_bits", n, "");
    let products = m.wire("products", n, "");
    let lanes = |packed: crate::hdl::Net, rand: crate::hdl::Net| {
        concat(
            (0..n)
                .rev()
                .map(|j| rand.lt(packed.slice((j + 1) * w - 1, j * w))),
        )
    };
    m.assign(x_bits, lanes(x_i, x_gen.rand));
    m.assign(w_bits, lanes(weights_q, w_gen.rand));
    m.assign(products, x_bits & w_bits);

    let increment = if let Some(s_gen) = s_gen {
        m.section(&[
            "Scaled addition: mux_select = floor(s_rand * n / 2^N), the number of",
            "thresholds ceil(k * 2^N / n), k = 1..n-1, that s_rand reaches.",
        ]);
        let mux_select = m.wire("mux_select", s, "");
        let increment = m.wire("increment", 1, "");
        let reached = p
            .thresholds()
            .into_iter()
            .map(|t| s_gen.rand.ge(lit(w, t)).zext(s))
            .reduce(|a, b| a + b)
            .expect("n >= 2: at least one threshold");
        m.assign(mux_select, reached);
        let chain = (0..n - 1).rev().fold(products.bit(n - 1), |rest, j| {
            mux(mux_select.eq(lit(s, j.into())), products.bit(j), rest)
        });
        m.assign(increment, chain);
        increment
    } else {
        m.section(&["Exact popcount of the n products: a balanced adder tree."]);
        let increment = m.wire("increment", inc, "");
        let leaves: Vec<Expr> = (0..n).map(|j| products.bit(j).zext(inc)).collect();
        m.assign(increment, adder_tree(&leaves));
        increment
    };

    m.section(&["Window decoder."]);
    let count_sum = m.wire("count_sum", c, "");
    let window_end = m.wire("window_end", 1, "");
    m.assign(count_sum, count_q + increment.zext(c));
    m.assign(window_end, position_q.eq(last_position));

    m.section(&[
        "Register inputs: a weight update lands at its clock; en_i advances the",
        "generators and the window.",
    ]);
    let weights_d = m.comb("weights_d", n * w, "");
    let x_state_d = m.comb("x_state_d", w, "");
    let w_state_d = m.comb("w_state_d", w, "");
    let s_state_d = s_state_q.map(|_| m.comb("s_state_d", w, ""));
    let position_d = m.comb("position_d", k, "");
    let count_d = m.comb("count_d", c, "");
    let result_d = m.comb("result_d", c, "");
    let valid_d = m.comb("valid_d", 1, "");
    let set = Statement::assign;
    let mut defaults = vec![
        set(weights_d, weights_q.into()),
        set(x_state_d, x_state_q.into()),
        set(w_state_d, w_state_q.into()),
    ];
    let mut advance = vec![
        set(x_state_d, x_gen.state_next.into()),
        set(w_state_d, w_gen.state_next.into()),
    ];
    if let (Some(d), Some(q), Some(g)) = (s_state_d, s_state_q, s_gen) {
        defaults.push(set(d, q.into()));
        advance.push(set(d, g.state_next.into()));
    }
    defaults.extend([
        set(position_d, position_q.into()),
        set(count_d, count_q.into()),
        set(result_d, result_q.into()),
        set(valid_d, zero(1)),
    ]);
    advance.push(Statement::when(
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
    ));
    let updates = (0..n)
        .map(|j| {
            Statement::when(
                update_index_i.eq(lit(s, j.into())),
                vec![Statement::assign_bits(
                    weights_d,
                    (j + 1) * w - 1,
                    j * w,
                    weight_value_i.into(),
                )],
                vec![],
            )
        })
        .collect();
    let mut process = defaults;
    process.push(Statement::when(update_weight_i, updates, vec![]));
    process.push(Statement::when(en_i, advance, vec![]));
    m.process(process);
    let mut registers = vec![
        (weights_q, weights_d.into()),
        (x_state_q, x_state_d.into()),
        (w_state_q, w_state_d.into()),
    ];
    if let (Some(q), Some(d)) = (s_state_q, s_state_d) {
        registers.push((q, d.into()));
    }
    registers.extend([
        (position_q, position_d.into()),
        (count_q, count_d.into()),
        (result_q, result_d.into()),
        (valid_q, valid_d.into()),
    ]);
    m.clocked(registers, None);

    m.section(&[]);
    m.assign(sum_o, result_q);
    m.assign(valid_o, valid_q);
    m.assign(stream_o, increment);
    m.finish()
}
