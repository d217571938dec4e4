//! The pipelined lane (`pipeline` = N > 0): the same rule as `describe.rs`,
//! with N register stages in the weight path, one timestep per clock.
//!
//! The eligibility and trace registers stay one-cycle loops (e' depends on e):
//! their outputs are as in the single-cycle lane. The weight delta
//! (r * e') >>> L does not depend on the weight, so the product is an adder
//! tree of the reward's partial-product rows, cut into stages; the weight
//! loop is one saturating add. Every stage carries the timestep's control
//! (learn, load and the load weight) beside its data, so the weight register
//! takes exactly the sequence of values the single-cycle lane's does, N
//! clocks later (docs/rstdp_lane.md, "Pipelining").

use crate::hdl::{Expr, Module, ModuleBuilder, Net, Statement, concat, lit, mux, zero};

use super::describe::RuleConstants;
use super::params::LaneParams;

/// One node of the product's adder tree: the partial product rows `lo..=hi`
/// of the reward, as bits `[shift, top)` of the product (absolute positions).
#[derive(Debug, Clone)]
struct Node {
    lo: u32,
    hi: u32,
    /// The lowest bit kept: lower bits only pass through to product bits below L.
    shift: u32,
    /// One past the highest bit: rows lo..=hi of a T-bit eligibility fit T + hi + 1 bits.
    top: u32,
    /// 0 for a row, else one more than the deeper child.
    level: u32,
    /// (left, right) children, left holding the lower rows.
    children: Option<(usize, usize)>,
    /// The net holding the node in the current stage, and the absolute
    /// position of its bit 0.
    net: Option<(Net, u32)>,
}

impl Node {
    fn name(&self) -> String {
        if self.children.is_none() {
            format!("row_{}", self.lo)
        } else {
            format!("sum_{}_{}", self.lo, self.hi)
        }
    }
}

/// The tree of rows `lo..=hi` whose bits below `live` are not needed;
/// returns the root's index.
fn plan(nodes: &mut Vec<Node>, t: u32, lo: u32, hi: u32, live: u32) -> usize {
    if lo == hi {
        nodes.push(Node {
            lo,
            hi,
            shift: live.max(lo),
            top: lo + t,
            level: 0,
            children: None,
            net: None,
        });
        return nodes.len() - 1;
    }
    let mid = lo + (hi - lo + 1).div_ceil(2) - 1;
    // The right child's bits all meet the left child's upper bits in an
    // adder; the left child's bits below mid + 1 pass straight through, so
    // those below `live` are not needed at all.
    let right = plan(nodes, t, mid + 1, hi, mid + 1);
    let left = plan(nodes, t, lo, mid, live.min(mid + 1).max(lo));
    let level = nodes[left].level.max(nodes[right].level) + 1;
    nodes.push(Node {
        lo,
        hi,
        // Bits below `live` (adder outputs or passed through) only reach
        // product bits below L: a stage does not register them.
        shift: nodes[left].shift.max(live),
        top: t + hi + 1,
        level,
        children: Some((left, right)),
        net: None,
    });
    nodes.len() - 1
}

/// The description of a lane with `p.pipeline()` > 0 register stages in its weight path.
pub fn describe(p: &LaneParams, name: &str) -> Result<Module, crate::hdl::DescriptionError> {
    let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
    let (l, d, stages) = (p.learning_shift(), p.trace_decay_shift(), p.pipeline());
    let product_bits = p.product_bits();
    let mut m = ModuleBuilder::new(
        name,
        vec![
            "the R-STDP lane description (docs/spec.md section 1), pipelined".into(),
            format!("  weight_bits W = {w}, trace_bits T = {t}, reward_bits R = {r},"),
            format!(
                "  learning_shift L = {l}, trace_decay_shift D = {d}, reset_weight = {},",
                p.reset_weight()
            ),
            format!("  pipeline = {stages}"),
            String::new(),
            "One synapse of online O(1) reward-modulated STDP: state is weight, pre trace,".into(),
            format!(
                "post trace and eligibility ({} bits), whatever the sequence length.",
                p.state_bits_per_synapse()
            ),
            "A clock with step_i high advances one timestep; load_i (which wins over".into(),
            "step_i) sets the weight and clears traces and eligibility. With learn_en_i".into(),
            "low the weight holds while traces and eligibility keep running.".into(),
            format!(
                "The weight path has {stages} register stages: weight_o shows, {stages} clocks later,"
            ),
            "the value weight_o of the single-cycle lane shows (docs/rstdp_lane.md); traces".into(),
            "and eligibility are unchanged. A reset clears the stages in flight.".into(),
        ],
    );

    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "asynchronous, active low");
    let step_i = m.input("step_i", 1, "advance one timestep at this clock");
    let pre_i = m.input("pre_i", 1, "presynaptic spike");
    let post_i = m.input("post_i", 1, "postsynaptic spike");
    let reward_i = m.input("reward_i", r, "two's complement");
    let learn_en_i = m.input("learn_en_i", 1, "0 freezes the weight");
    let load_i = m.input("load_i", 1, "start a fresh synapse at this clock");
    let load_weight_i = m.input("load_weight_i", w, "");
    let weight_o = m.output("weight_o", w, &format!("{stages} clocks behind the others"));
    let pre_trace_o = m.output("pre_trace_o", t, "");
    let post_trace_o = m.output("post_trace_o", t, "");
    let eligibility_o = m.output("eligibility_o", t, "two's complement");

    let RuleConstants {
        max_weight,
        max_trace,
        min_eligibility,
        max_eligibility,
    } = RuleConstants::declare(&mut m, p);
    let reset_weight = m.constant("RESET_WEIGHT", w, p.reset_weight(), "");

    m.section(&["Synapse state."]);
    let weight_q = m.register("weight_q", w, reset_weight, "");
    let pre_trace_q = m.register("pre_trace_q", t, zero(t), "");
    let post_trace_q = m.register("post_trace_q", t, zero(t), "");
    let eligibility_q = m.register("eligibility_q", t, zero(t), "");

    // ---- Traces and eligibility: one-cycle loops. ----
    let (pre_trace_next, post_trace_next, eligibility_next) = super::describe::next_state(
        &mut m,
        p,
        [pre_i, post_i],
        [pre_trace_q, post_trace_q, eligibility_q],
        [max_trace, min_eligibility, max_eligibility],
        true,
    );

    m.section(&["Trace and eligibility register inputs: defaults first; load wins over step."]);
    let pre_trace_d = m.comb("pre_trace_d", t, "");
    let post_trace_d = m.comb("post_trace_d", t, "");
    let eligibility_d = m.comb("eligibility_d", t, "");
    let set = Statement::assign;
    m.process(vec![
        set(pre_trace_d, pre_trace_q.into()),
        set(post_trace_d, post_trace_q.into()),
        set(eligibility_d, eligibility_q.into()),
        Statement::when(
            load_i,
            vec![
                set(pre_trace_d, zero(t)),
                set(post_trace_d, zero(t)),
                set(eligibility_d, zero(t)),
            ],
            vec![Statement::when(
                step_i,
                vec![
                    set(pre_trace_d, pre_trace_next.into()),
                    set(post_trace_d, post_trace_next.into()),
                    set(eligibility_d, eligibility_next.into()),
                ],
                vec![],
            )],
        ),
    ]);
    m.clocked(
        vec![
            (pre_trace_q, pre_trace_d.into()),
            (post_trace_q, post_trace_d.into()),
            (eligibility_q, eligibility_d.into()),
        ],
        None,
    );

    // ---- The weight path: stage 1 holds the timestep's reward and control;
    // eligibility_q holds its e'. ----
    m.section(&[
        "Stage 1: the timestep's reward and control; its e' is now eligibility_q.",
        "learn: this timestep updates the weight (a step, not a load, learn_en_i);",
        "load: this clock loads load_weight.",
    ]);
    let s1_reward_q = m.register("s1_reward_q", r, zero(r), "");
    let mut learn_q = m.register("s1_learn_q", 1, zero(1), "");
    let mut load_q = m.register("s1_load_q", 1, zero(1), "");
    let mut load_weight_q = m.register("s1_load_weight_q", w, zero(w), "");
    m.clocked(
        vec![
            (s1_reward_q, reward_i.into()),
            (learn_q, step_i & !load_i & learn_en_i),
            (load_q, load_i.into()),
            (load_weight_q, load_weight_i.into()),
        ],
        None,
    );

    // The product's layers: rows (level 0) up to the root, then the weight add.
    let sign_only = l >= product_bits;
    let mut nodes = Vec::new();
    let root = if sign_only {
        0
    } else {
        // R = 1: the only row is the sign row and its negation needs every bit.
        plan(&mut nodes, t, 0, r - 1, if r == 1 { 0 } else { l })
    };
    let levels = if sign_only { 0 } else { nodes[root].level };
    // Cuts (after a level) for stages 2..=N, spread evenly over the tree's
    // levels and the weight add; stages beyond one per level delay the delta.
    let extra = stages - 1;
    let boundaries: Vec<u32> = if levels == 0 {
        vec![0]
    } else {
        (1..=levels).collect()
    };
    let b = boundaries.len() as u32;
    let cuts: Vec<u32> = if extra >= b {
        boundaries.clone()
    } else {
        // The levels and the weight add are `levels` + 1 layers of about one
        // carry chain each: `extra` cuts split them into groups of equal size.
        (1..=extra)
            .map(|i| (i * (levels + 1)).div_ceil(extra + 1))
            .collect()
    };
    let delay_stages = extra.saturating_sub(b);

    let delta_bits = if sign_only { 1 } else { product_bits - l };
    let mut stage = 1;
    let mut delta: Option<Net> = None;
    for level in 0..=levels {
        if sign_only {
            m.section(&[&format!(
                "Stage {stage}: L = {l} >= R + T: only the product's sign survives the shift (the"
            ), "floor of a negative product is -1), so no multiplier is built."]);
            let weight_delta = m.wire("weight_delta", 1, "1 = -1: reward and e' of opposite signs");
            m.assign(
                weight_delta,
                (s1_reward_q.msb() ^ eligibility_q.msb()) & s1_reward_q.any() & eligibility_q.any(),
            );
            delta = Some(weight_delta);
        } else {
            emit_level(
                &mut m,
                &mut nodes,
                level,
                stage,
                t,
                r,
                s1_reward_q,
                eligibility_q,
            );
            if level == levels {
                let (mut net, mut base) = nodes[root].net.expect("the root is emitted");
                if nodes[root].children.is_none() {
                    // R = 1: r * e' = -row_0, and -x >>> L = ~(x >>> L) + (x mod 2^L == 0).
                    // x >>> L keeps x's bits from L up (from its sign bit when L = T).
                    let kept = l.min(t - 1);
                    let high = if kept == 0 {
                        net
                    } else {
                        let n = m.wire("row_0_high", t - kept, "");
                        m.assign(n, net.slice(t - 1, kept));
                        n
                    };
                    let value = !high.sext(delta_bits)
                        + if l == 0 {
                            lit(delta_bits, 1)
                        } else {
                            (!net.slice(l - 1, 0).any()).zext(delta_bits)
                        };
                    let product = m.wire("product_high", delta_bits, "bits L and up of -row_0");
                    m.assign(product, value);
                    (net, base) = (product, l);
                }
                let weight_delta = m.wire("weight_delta", delta_bits, "");
                m.assign(weight_delta, net.slice(net.width() - 1, l - base));
                delta = Some(weight_delta);
            }
        }
        if cuts.contains(&level) {
            stage += 1;
            m.section(&[&format!("Stage {stage} registers.")]);
            let mut regs = Vec::new();
            if level == levels {
                let dq = m.register(
                    &format!("s{stage}_weight_delta_q"),
                    delta_bits,
                    zero(delta_bits),
                    "",
                );
                regs.push((dq, delta.expect("emitted").into()));
                delta = Some(dq);
            } else {
                // Every node computed whose parent comes after this cut.
                for i in 0..nodes.len() {
                    let pending = nodes[i].level <= level
                        && nodes[i].net.is_some()
                        && nodes.iter().any(|n| {
                            n.level > level && n.children.is_some_and(|(a, c)| a == i || c == i)
                        });
                    if !pending {
                        continue;
                    }
                    let (net, base) = nodes[i].net.expect("emitted");
                    let shift = nodes[i].shift;
                    let width = nodes[i].top - shift;
                    let q = m.register(
                        &format!("s{stage}_{}_q", nodes[i].name()),
                        width,
                        zero(width),
                        "",
                    );
                    regs.push((q, net.slice(shift - base + width - 1, shift - base)));
                    nodes[i].net = Some((q, shift));
                }
            }
            let (lq, oq, wq) =
                control_stage(&mut m, stage, w, learn_q, load_q, load_weight_q, &mut regs);
            (learn_q, load_q, load_weight_q) = (lq, oq, wq);
            m.clocked(regs, None);
        }
    }
    for _ in 0..delay_stages {
        stage += 1;
        m.section(&[&format!(
            "Stage {stage} registers: a delay (more stages than tree levels)."
        )]);
        let mut regs = Vec::new();
        let dq = m.register(
            &format!("s{stage}_weight_delta_q"),
            delta_bits,
            zero(delta_bits),
            "",
        );
        regs.push((dq, delta.expect("emitted").into()));
        delta = Some(dq);
        let (lq, oq, wq) =
            control_stage(&mut m, stage, w, learn_q, load_q, load_weight_q, &mut regs);
        (learn_q, load_q, load_weight_q) = (lq, oq, wq);
        m.clocked(regs, None);
    }
    debug_assert_eq!(stage, stages);
    let delta = delta.expect("emitted");

    let weight_sum_bits = (w + 1).max(delta_bits) + 1;
    m.section(&[&format!(
        "5. Weight: a saturating add of the delta in {weight_sum_bits} bits, {stages} clocks after the step."
    )]);
    let weight_sum = m.wire("weight_sum", weight_sum_bits, "");
    let weight_updated = m.wire("weight_updated", w, "");
    m.assign(
        weight_sum,
        weight_q.zext(weight_sum_bits) + delta.sext(weight_sum_bits),
    );
    m.assign(
        weight_updated,
        mux(
            weight_sum.bit(weight_sum_bits - 1),
            zero(w),
            mux(
                weight_sum.slice(weight_sum_bits - 2, w).any(),
                max_weight,
                weight_sum.slice(w - 1, 0),
            ),
        ),
    );
    m.section(&[
        "Weight register input: the load or update of the timestep leaving the last stage.",
    ]);
    let weight_d = m.comb("weight_d", w, "");
    m.process(vec![
        set(weight_d, weight_q.into()),
        Statement::when(
            load_q,
            vec![set(weight_d, load_weight_q.into())],
            vec![Statement::when(
                learn_q,
                vec![set(weight_d, weight_updated.into())],
                vec![],
            )],
        ),
    ]);
    m.clocked(vec![(weight_q, weight_d.into())], None);

    m.section(&[]);
    m.assign(weight_o, weight_q);
    m.assign(pre_trace_o, pre_trace_q);
    m.assign(post_trace_o, post_trace_q);
    m.assign(eligibility_o, eligibility_q);
    m.finish()
}

/// The control registers of `stage`, fed by the previous stage's.
fn control_stage(
    m: &mut ModuleBuilder,
    stage: u32,
    w: u32,
    learn: Net,
    load: Net,
    load_weight: Net,
    regs: &mut Vec<(Net, Expr)>,
) -> (Net, Net, Net) {
    let learn_q = m.register(&format!("s{stage}_learn_q"), 1, zero(1), "");
    let load_q = m.register(&format!("s{stage}_load_q"), 1, zero(1), "");
    let load_weight_q = m.register(&format!("s{stage}_load_weight_q"), w, zero(w), "");
    regs.push((learn_q, learn.into()));
    regs.push((load_q, load.into()));
    regs.push((load_weight_q, load_weight.into()));
    (learn_q, load_q, load_weight_q)
}

/// Emits the nodes of `level` as wires of the current stage.
#[allow(clippy::too_many_arguments)]
fn emit_level(
    m: &mut ModuleBuilder,
    nodes: &mut [Node],
    level: u32,
    stage: u32,
    t: u32,
    r: u32,
    reward: Net,
    eligibility: Net,
) {
    let at_level: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].level == level)
        .collect();
    if at_level.is_empty() {
        return;
    }
    if level == 0 {
        m.section(&[
            &format!(
                "Stage {stage}: partial product rows of r * e': row j = r[j] ? e' : 0, weighing 2^j"
            ),
            &format!(
                "(row {} weighs -2^{}: the reward's sign bit).",
                r - 1,
                r - 1
            ),
        ]);
    } else {
        m.section(&[
            &format!(
                "Stage {stage}, adder tree level {level}: sum_i_j adds rows i..j (its bits from the"
            ),
            "lowest that reaches product bit L; lower bits pass through or are dropped).",
        ]);
    }
    for i in at_level {
        let node = nodes[i].clone();
        let name = node.name();
        match node.children {
            None => {
                // Only the bits from `shift` up: lower ones reach no product bit >= L.
                let row = m.wire(&name, node.top - node.shift, "");
                m.assign(
                    row,
                    mux(
                        reward.bit(node.lo),
                        eligibility.slice(t - 1, node.shift - node.lo),
                        zero(node.top - node.shift),
                    ),
                );
                nodes[i].net = Some((row, node.shift));
            }
            Some((a, c)) => {
                let (left, right) = (nodes[a].clone(), nodes[c].clone());
                let (ln, lbase) = left.net.expect("children come first");
                let (rn, rbase) = right.net.expect("children come first");
                debug_assert_eq!((lbase, rbase), (left.shift, right.shift));
                let split = right.lo;
                // The right child holding the reward's sign row is subtracted.
                let subtract = right.children.is_none() && right.lo == r - 1;
                // Bits [split, shift) of the sum reach no product bit >= L:
                // only their carry (or borrow) into the bits kept counts.
                let from = node.shift.max(split);
                let high_bits = node.top - from;
                let (left_bits, right_bits) = (
                    |lo, hi| extended(ln, left.shift, left.top, lo, hi),
                    |lo, hi| extended(rn, right.shift, right.top, lo, hi),
                );
                let mut high = if subtract {
                    left_bits(from, node.top) - right_bits(from, node.top)
                } else {
                    left_bits(from, node.top) + right_bits(from, node.top)
                };
                if from > split {
                    let (left_low, right_low) = (left_bits(split, from), right_bits(split, from));
                    let carry = if subtract {
                        left_low.lt(right_low)
                    } else {
                        left_low.gt(!right_low)
                    };
                    let carry_net = m.wire(
                        &format!("{name}_carry"),
                        1,
                        if subtract {
                            "borrow from the bits below L"
                        } else {
                            "carry from the bits below L"
                        },
                    );
                    m.assign(carry_net, carry);
                    high = if subtract {
                        high - carry_net.zext(high_bits)
                    } else {
                        high + carry_net.zext(high_bits)
                    };
                }
                let value = if node.shift < split {
                    concat([high, ln.slice(split - lbase - 1, node.shift - lbase)])
                } else {
                    high
                };
                let sum = m.wire(&name, node.top - node.shift, "");
                m.assign(sum, value);
                nodes[i].net = Some((sum, node.shift));
            }
        }
    }
}

/// Bits `[lo, hi)` (absolute positions) of a node whose net holds bits
/// `[base, top)`: sign-extended above `top`.
fn extended(net: Net, base: u32, top: u32, lo: u32, hi: u32) -> Expr {
    let sign = || net.bit(top - 1 - base);
    if lo >= top {
        sign().repeat(hi - lo)
    } else if hi <= top {
        net.slice(hi - 1 - base, lo - base)
    } else {
        concat([
            sign().repeat(hi - top),
            net.slice(top - 1 - base, lo - base),
        ])
    }
}
