//! The resource estimate of a description, derived operator by operator:
//! the description is flattened to bits (`netlist.rs`) the way Yosys
//! elaborates it (carry chains for adders and comparisons, soft multipliers
//! and sums of three operands or more as `$macc` full-adder rows before one
//! chain, DSP blocks, memories in flip-flops or block RAM,
//! flip-flop enables found on hold paths), the logic between them is mapped
//! to K-input LUTs by priority cuts (`lut_map.rs`, as ABC maps it), and the
//! hard cells are counted by the rules of each target's Yosys techmap
//! (`Flow`). Flip-flops, carries, block RAMs and DSPs are counted, not
//! priced; the LUT figure is a mapping of its own, whose error against
//! Yosys the report states.

mod aig;
mod balance;
mod lut_map;
mod macc;
mod netlist;
mod optimize;

use std::collections::HashMap;
use std::sync::Arc;

use aig::{AigNode, FALSE, Lit, TRUE, node_of};
use netlist::{BlockKind, Lowering, Netlist, OperandOrder, Source};

use super::module::{Item, Module};
use crate::resources::{Resources, Target};

/// A Yosys synthesis flow the estimate follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// `synth_ice40`: LUT4, SB_CARRY, multipliers from LUTs and carries.
    Ice40,
    /// `synth_ice40 -dsp` (UP5K-class parts): multipliers in SB_MAC16.
    Ice40Dsp,
    /// `synth_xilinx`: LUT6, CARRY4, DSP48E1.
    Xilinx7,
}

impl Flow {
    pub const ALL: [Flow; 3] = [Flow::Ice40, Flow::Ice40Dsp, Flow::Xilinx7];

    pub fn of(target: Target) -> Flow {
        match target {
            Target::Ice40 => Flow::Ice40,
            Target::Xilinx7 => Flow::Xilinx7,
        }
    }

    /// The Yosys command this flow follows.
    pub fn yosys_command(self) -> &'static str {
        match self {
            Flow::Ice40 => "synth_ice40",
            Flow::Ice40Dsp => "synth_ice40 -dsp",
            Flow::Xilinx7 => "synth_xilinx",
        }
    }

    fn luts(self) -> lut_map::LutLibrary {
        match self {
            Flow::Ice40 | Flow::Ice40Dsp => lut_map::LutLibrary::ICE40,
            Flow::Xilinx7 => lut_map::LutLibrary::XC7,
        }
    }

    fn lowering(self) -> Lowering {
        match self {
            // ice40/arith_map.v leaves $alu of 2 bits or fewer to logic.
            Flow::Ice40 => Lowering {
                min_chain_width: 3,
                min_compare_chain_width: 3,
                compare_group_budget: None,
                min_dsp_product_width: None,
                bram_bypass: true,
                lut_ram_below_bits: 0,
                undecided_order: OperandOrder::Written,
            },
            // mul2dsp: DSP_Y_MINWIDTH = 11 for SB_MAC16, 9 for DSP48E1.
            Flow::Ice40Dsp => Lowering {
                min_chain_width: 3,
                min_compare_chain_width: 3,
                compare_group_budget: None,
                min_dsp_product_width: Some(11),
                bram_bypass: true,
                lut_ram_below_bits: 0,
                undecided_order: OperandOrder::Written,
            },
            Flow::Xilinx7 => Lowering {
                min_chain_width: 3,
                // Comparisons go to cmp2lcu (LUT_WIDTH=6) instead.
                min_compare_chain_width: 0,
                compare_group_budget: Some(6),
                min_dsp_product_width: Some(9),
                bram_bypass: false,
                lut_ram_below_bits: 4096,
                undecided_order: OperandOrder::Written,
            },
        }
    }
}

/// The estimate of `module` (its instances included) for `flow`.
pub fn estimate(module: &Arc<Module>, flow: Flow) -> Resources {
    estimate_ordered(module, flow, OperandOrder::Written)
}

/// The LUTs Yosys may spend on `module` in `flow` by the operand order it
/// picks for comparisons of two signals, which follows a hash of its
/// internal name numbers (iCE40's `alumacc`: one order is the carry chain
/// alone, the other adds an equality tree): the least and the most of the
/// estimates with every such comparison at its cheap order, its dear order
/// and as written. `None` when no comparison's cost depends on it (every
/// xc7 design: `cmp2lcu` takes comparisons before `alumacc`).
pub fn estimate_lut_span(module: &Arc<Module>, flow: Flow) -> Option<(u64, u64)> {
    // Flattening alone finds the comparisons; the mapping is the cost.
    if netlist::flatten(module, flow.lowering()).undecided_comparisons == 0 {
        return None;
    }
    let luts = [
        OperandOrder::Written,
        OperandOrder::Cheapest,
        OperandOrder::Dearest,
    ]
    .map(|order| estimate_ordered(module, flow, order).luts);
    let (low, high) = (luts.iter().min()?, luts.iter().max()?);
    (low < high).then_some((*low, *high))
}

/// The estimate at one operand order for the comparisons Yosys orders by
/// name numbers.
fn estimate_ordered(module: &Arc<Module>, flow: Flow, order: OperandOrder) -> Resources {
    let (net, roots, mut counted) = hard_cells(module, flow, order);
    // iCE40 sum LUTs in use, which `opt_lut` lets absorb their reader.
    let mut sums: Vec<lut_map::SumLut> = Vec::new();
    if matches!(flow, Flow::Ice40 | Flow::Ice40Dsp) {
        for chain in &net.chains {
            for (i, &s) in chain.sums.iter().enumerate() {
                sums.push((node_of(s), [chain.a[i], chain.b[i]]));
            }
        }
    }
    // ABC balances the logic before it maps it; multiplexers stay whole,
    // as the mapper looks for them.
    let mut keep = roots.clone();
    for (out, select, then, otherwise) in net.aig.muxes() {
        keep.extend([out, select, then, otherwise]);
    }
    for (_, operands) in &sums {
        keep.extend(operands);
    }
    let (mut logic, map) = balance::balanced(&net.aig, &keep);
    let translate = |lit: Lit| map[node_of(lit) as usize].map(|new| new ^ (lit & 1));
    for (out, select, then, otherwise) in net.aig.muxes() {
        if let (Some(o), Some(s), Some(t), Some(e)) = (
            translate(out),
            translate(select),
            translate(then),
            translate(otherwise),
        ) {
            logic.record_mux(o, s, t, e);
        }
    }
    let roots: Vec<Lit> = roots.iter().filter_map(|&r| translate(r)).collect();
    let sums: Vec<lut_map::SumLut> = sums
        .iter()
        .filter_map(|&(sum, [a, b])| {
            Some((
                node_of(translate(sum << 1)?),
                [translate(a)?, translate(b)?],
            ))
        })
        .collect();
    counted.luts += lut_map::lut_count(&logic, &roots, flow.luts(), &sums);
    counted
}

/// The logic the estimate maps to LUTs, as BLIF (inputs: flip-flops,
/// ports, hard-cell outputs; outputs: what must be a signal), for an
/// outside mapper: `yosys-abc -c "read_blif F; strash; &get -n; &dch -f;
/// &if -K 4; &put; print_stats"` tells mapping error from modelling error.
pub fn logic_blif(module: &Arc<Module>, flow: Flow) -> String {
    let (net, mut roots, _) = hard_cells(module, flow, OperandOrder::Written);
    // One output per signal: ABC would map a repeated output once per copy.
    roots.sort_unstable();
    roots.dedup();
    net.aig.to_blif(&module.name, &roots)
}

/// The LUTs the estimate's mapper covers `logic_blif` with, before
/// balancing and before the flow's rules around the cover (sum LUTs,
/// inverters, xc7 wide-LUT cells): on xc7, whose library has no extras
/// (no 4:1 multiplexer pairs, no depth slack), what ABC's plain `if`
/// counts on the same logic, and so a check of the mapper alone. Also the
/// library, as ABC's `read_lut` takes it.
pub fn logic_cover(module: &Arc<Module>, flow: Flow) -> (u64, String) {
    let (net, mut roots, _) = hard_cells(module, flow, OperandOrder::Written);
    roots.sort_unstable();
    roots.dedup();
    let library = flow.luts();
    (
        lut_map::cover_luts(&net.aig, &roots, library),
        library.abc_lut_library(),
    )
}

/// The netlist of `module` for `flow`, the literals the LUT logic must
/// produce, and the count of everything but those LUTs.
fn hard_cells(
    module: &Arc<Module>,
    flow: Flow,
    order: OperandOrder,
) -> (Netlist, Vec<Lit>, Resources) {
    let lowering = Lowering {
        undecided_order: order,
        ..flow.lowering()
    };
    let mut net = netlist::flatten(module, lowering);
    optimize::fold_flip_flops(&mut net, flow != Flow::Xilinx7);
    optimize::reveal_products(&mut net);
    if flow == Flow::Xilinx7 {
        drop_unwritten_parity(&mut net);
    }
    let live = Liveness::of(&net);
    let mut roots: Vec<Lit> = net.outputs.clone();
    let mut ffs = 0;
    for (i, ff) in net.flip_flops.iter().enumerate() {
        if live.flip_flops[i] && ff.kept {
            ffs += 1;
            roots.push(ff.d);
            roots.push(ff.enable);
        }
    }
    let (mut luts, mut carries, mut brams, mut dsps) = (0, 0, 0, 0);
    // iCE40 flip-flops reset on a high R: one LUT inverts rst_ni for all.
    if matches!(flow, Flow::Ice40 | Flow::Ice40Dsp) && ffs > 0 {
        luts += 1;
    }
    // xc7 propagate XORs (a ^ b), built once the chains are read.
    let mut propagates: Vec<(Lit, Lit)> = Vec::new();
    for (c, chain) in net.chains.iter().enumerate() {
        let Some(top) = live.chain_top[c] else {
            continue;
        };
        // Bits 0..=top are in use; `top == len` is the carry out.
        let len = chain.a.len();
        // A carry in that is a signal (a one-bit addend) is logic's output.
        roots.push(chain.carry_in);
        match flow {
            Flow::Ice40 | Flow::Ice40Dsp => {
                // A carry cell per bit below the highest output, except low
                // cells whose carry out is a constant or one of their inputs
                // (`ice40_opt`); a LUT per sum used, fed by a, b and the
                // carry (inverting b itself).
                let cells = top.min(len);
                let (trivial, carry_in) = trivial_low_carries(chain);
                let trivial = trivial.min(cells);
                carries += (cells - trivial) as u64;
                luts += live.chain_sums[c];
                for i in trivial..cells {
                    roots.push(chain.a[i]);
                    roots.push(chain.b[i]);
                }
                // The carry the removed cells pass on enters the first
                // cell kept: an inverted signal there is a LUT as well.
                if trivial < cells {
                    roots.push(carry_in);
                }
                for i in 0..=top.min(len - 1) {
                    roots.push(chain.a[i] & !1);
                    roots.push(chain.b[i] & !1);
                }
            }
            Flow::Xilinx7 => {
                // CARRY4: per bit a propagate LUT output (a ^ b) and a or b as DI.
                carries += (top + 1).min(len + 1).div_ceil(4) as u64;
                roots.extend(&chain.a[..=top.min(len - 1)]);
                for i in 0..=top.min(len - 1) {
                    propagates.push((chain.a[i], chain.b[i]));
                }
            }
        }
    }
    // xc7 comparisons: a CARRY4 per four groups, each group's LUTs
    // feeding it the select (propagate and not generate) and the data
    // (generate) of its carry multiplexer (`$lcu` in xilinx/arith_map.v).
    for (l, lookahead) in net.lookaheads.iter().enumerate() {
        if !live.lookaheads[l] {
            continue;
        }
        carries += lookahead.propagate.len().div_ceil(4) as u64;
        for (&p, &g) in lookahead.propagate.iter().zip(&lookahead.generate) {
            let select = net.aig.and(p, g ^ 1);
            roots.push(select);
            roots.push(g);
        }
    }
    for (a, b) in propagates {
        let propagate = net.aig.xor(a, b);
        roots.push(propagate);
    }
    for (b, block) in net.blocks.iter().enumerate() {
        if !live.blocks[b] {
            continue;
        }
        roots.extend(&block.inputs);
        match block.kind {
            BlockKind::BlockRam {
                width,
                depth,
                lut_ram: true,
                reads,
                ..
            } => {
                luts += reads * lut_ram_luts(width, depth);
            }
            BlockKind::BlockRam {
                width,
                depth,
                forced,
                ..
            } => {
                brams += match flow {
                    Flow::Ice40 | Flow::Ice40Dsp => ice40_brams(width, depth),
                    Flow::Xilinx7 if forced => xc7_block_shapes(width, depth),
                    Flow::Xilinx7 => xc7_brams(width, depth),
                };
            }
            BlockKind::Multiplier { a, b } => {
                dsps += match flow {
                    Flow::Ice40 => 0,
                    Flow::Ice40Dsp => a.div_ceil(16) * b.div_ceil(16),
                    Flow::Xilinx7 => {
                        (a.div_ceil(25) * b.div_ceil(18)).min(b.div_ceil(25) * a.div_ceil(18))
                    }
                };
            }
        }
    }
    roots.retain(|&r| r > TRUE);
    let counted = Resources {
        luts,
        ffs,
        carries,
        brams,
        dsps,
    };
    (net, roots, counted)
}

/// Low carry cells of a chain with a constant carry in whose carry out is
/// a constant or one of their inputs: a constant operand bit decides it.
/// Also the carry the first cell left receives.
fn trivial_low_carries(chain: &netlist::Chain) -> (usize, Lit) {
    let mut carry = chain.carry_in;
    let mut count = 0;
    for (&a, &b) in chain.a.iter().zip(&chain.b) {
        if carry > TRUE {
            break;
        }
        let next = match (a <= TRUE, b <= TRUE) {
            (true, true) => u32::from((a + b + carry) >= 2),
            (true, false) if a == carry => a,
            (false, true) if b == carry => b,
            (true, false) => b,
            (false, true) => a,
            (false, false) => break,
        };
        count += 1;
        carry = next;
    }
    (count, carry)
}

/// What of a netlist reaches an output: flip-flops, the highest bit of
/// each chain in use, blocks. Yosys removes the rest (`opt_clean`).
struct Liveness {
    flip_flops: Vec<bool>,
    chain_top: Vec<Option<usize>>,
    chain_sums: Vec<u64>,
    lookaheads: Vec<bool>,
    blocks: Vec<bool>,
}

impl Liveness {
    fn of(net: &Netlist) -> Liveness {
        let mut chain_bit: HashMap<u32, (usize, usize)> = HashMap::new();
        for (c, chain) in net.chains.iter().enumerate() {
            for (i, &s) in chain.sums.iter().enumerate() {
                chain_bit.insert(node_of(s), (c, i));
            }
            chain_bit.insert(node_of(chain.carry_out), (c, chain.a.len()));
        }
        let mut live = Liveness {
            flip_flops: vec![false; net.flip_flops.len()],
            chain_top: vec![None; net.chains.len()],
            chain_sums: vec![0; net.chains.len()],
            lookaheads: vec![false; net.lookaheads.len()],
            blocks: vec![false; net.blocks.len()],
        };
        let mut seen = vec![false; net.aig.len()];
        let mut stack: Vec<Lit> = net.outputs.clone();
        while let Some(lit) = stack.pop() {
            let node = node_of(lit);
            if seen[node as usize] {
                continue;
            }
            seen[node as usize] = true;
            match net.aig.node(node) {
                AigNode::Const => {}
                AigNode::And(a, b) => {
                    stack.push(a);
                    stack.push(b);
                }
                AigNode::Input => match net.sources.get(&node) {
                    Some(Source::FlipFlop(i)) => {
                        live.flip_flops[*i] = true;
                        stack.push(net.flip_flops[*i].d);
                        stack.push(net.flip_flops[*i].enable);
                    }
                    Some(Source::Chain(_)) => {
                        let (c, bit) = chain_bit[&node];
                        let chain = &net.chains[c];
                        if bit < chain.a.len() {
                            live.chain_sums[c] += 1;
                        }
                        let done = live.chain_top[c].map_or(0, |t| t + 1);
                        if done == 0 {
                            stack.push(chain.carry_in);
                        }
                        for i in done..=bit.min(chain.a.len() - 1) {
                            stack.push(chain.a[i]);
                            stack.push(chain.b[i]);
                        }
                        live.chain_top[c] = Some(live.chain_top[c].map_or(bit, |t| t.max(bit)));
                    }
                    Some(Source::Lookahead(l)) => {
                        live.lookaheads[*l] = true;
                        stack.extend(&net.lookaheads[*l].propagate);
                        stack.extend(&net.lookaheads[*l].generate);
                    }
                    Some(Source::Block(b)) => {
                        if !live.blocks[*b] {
                            live.blocks[*b] = true;
                            stack.extend(&net.blocks[*b].inputs);
                        }
                    }
                    Some(Source::Port | Source::Product) | None => {}
                },
            }
        }
        live
    }
}

/// Memory bits of a description (every level) and the block RAMs they take per target.
pub fn memory_bits(module: &Module) -> (u64, Vec<(Target, u64)>) {
    let mut total = 0;
    let mut blocks = [0u64; 2];
    visit_memories(module, &mut |m| {
        total += m.bits();
        if !m.in_logic() {
            blocks[0] += ice40_brams(m.width, m.depth());
            blocks[1] += if m.block_ram {
                xc7_block_shapes(m.width, m.depth())
            } else {
                xc7_brams(m.width, m.depth())
            };
        }
    });
    (
        total,
        vec![(Target::Ice40, blocks[0]), (Target::Xilinx7, blocks[1])],
    )
}

fn visit_memories(module: &Module, f: &mut impl FnMut(&crate::hdl::module::Memory)) {
    for item in &module.items {
        match item {
            Item::Memory(m) => f(m),
            Item::Instance(i) => visit_memories(&i.module, f),
            _ => {}
        }
    }
}

/// LUTs of a simple dual-port LUT RAM, per read port: RAM32M (32 x 6),
/// RAM64M (64 x 3), deeper as RAM128X1D (4 LUTs a bit per 128 words).
fn lut_ram_luts(width: u32, depth: u64) -> u64 {
    let width = u64::from(width);
    match depth {
        0..=32 => 4 * width.div_ceil(6),
        33..=64 => 4 * width.div_ceil(3),
        _ => 4 * width * depth.div_ceil(128),
    }
}

/// SB_RAM40_4K: 4 kbit, 256x16 .. 2048x2 (memories in logic never get here).
fn ice40_brams(width: u32, depth: u64) -> u64 {
    [(256u64, 16u64), (512, 8), (1024, 4), (2048, 2)]
        .iter()
        .map(|&(d, w)| depth.div_ceil(d) * u64::from(width).div_ceil(w))
        .min()
        .unwrap_or(0)
}

/// RAMB18E1: 18 kbit, 512x36 .. 16Kx1 (simple dual port); small memories become LUT RAM.
fn xc7_brams(width: u32, depth: u64) -> u64 {
    if u64::from(width) * depth < 4096 {
        return 0;
    }
    xc7_block_shapes(width, depth)
}

/// Yosys 0.23 maps a RAMB36E1 in 72-bit simple dual port mode with the
/// second half's parity write data (`DIPBDIP`, bits 44, 53, 62 and 71 of
/// the 72) wired to the first half's (`brams_xc6v_map.v` tests
/// `PORT_W_WIDTH == 71` where it means 72): those memory bits are never
/// written, and what only fed them loses its last reader (`opt_clean`).
/// Only where the 512x72 shape is the one `memory_libmap` must pick
/// (fewer cells than any other shape).
fn drop_unwritten_parity(net: &mut Netlist) {
    for block in &mut net.blocks {
        let BlockKind::BlockRam {
            width,
            depth,
            forced,
            lut_ram: false,
            write_data_at,
            ..
        } = block.kind
        else {
            continue;
        };
        let cells = if forced {
            xc7_block_shapes(width, depth)
        } else {
            xc7_brams(width, depth)
        };
        let sdp72 = depth.div_ceil(512) * u64::from(width).div_ceil(72);
        let other_shapes = xc7_shape_cells(width, depth, &RAMB18_SHAPES).min(xc7_shape_cells(
            width,
            depth,
            &RAMB36_SHAPES[1..],
        ));
        if cells == 0 || other_shapes <= sdp72 {
            continue;
        }
        for bit in 0..width as usize {
            if matches!(bit % 72, 44 | 53 | 62 | 71) {
                block.inputs[write_data_at + bit] = FALSE;
            }
        }
    }
}

/// RAMB18E1 shapes (depth, width): 512x36 .. 16Kx1.
const RAMB18_SHAPES: [(u64, u64); 6] = [
    (512, 36),
    (1024, 18),
    (2048, 9),
    (4096, 4),
    (8192, 2),
    (16384, 1),
];

/// RAMB36E1 shapes (depth, width), simple dual port 512x72 first.
const RAMB36_SHAPES: [(u64, u64); 7] = [
    (512, 72),
    (1024, 36),
    (2048, 18),
    (4096, 9),
    (8192, 4),
    (16384, 2),
    (32768, 1),
];

/// Cells of the best of `shapes` for `width` x `depth`.
fn xc7_shape_cells(width: u32, depth: u64, shapes: &[(u64, u64)]) -> u64 {
    shapes
        .iter()
        .map(|&(d, w)| depth.div_ceil(d) * u64::from(width).div_ceil(w))
        .min()
        .unwrap_or(0)
}

/// Block RAM cells for `width` x `depth`: RAMB18E1 (512x36 .. 16Kx1) or,
/// where one does what several RAMB18 would, a RAMB36E1 in simple dual
/// port mode (512x72 .. 32Kx1), as Yosys' `memory_libmap` picks them.
fn xc7_block_shapes(width: u32, depth: u64) -> u64 {
    xc7_shape_cells(width, depth, &RAMB18_SHAPES).min(xc7_shape_cells(width, depth, &RAMB36_SHAPES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdl::expr::{Expr, lit, mux};
    use crate::hdl::module::ModuleBuilder;
    use crate::hdl::zero;

    /// `sum_o = c_q + d_q + (a_q > b_q)`: the comparison of two 2-bit
    /// registers becomes the carry in of the sum's chain (`alumacc`); the
    /// registers it reads are live and their logic is mapped.
    #[test]
    fn a_carry_in_keeps_what_it_reads() {
        let mut m = ModuleBuilder::new("carry_in_reads", vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let inputs: Vec<_> = [("a_i", 2), ("b_i", 2), ("c_i", 8), ("d_i", 8)]
            .iter()
            .map(|&(name, width)| m.input(name, width, ""))
            .collect();
        let sum_o = m.output("sum_o", 8, "");
        let registers: Vec<_> = [("a_q", 2), ("b_q", 2), ("c_q", 8), ("d_q", 8)]
            .iter()
            .map(|&(name, width)| m.register(name, width, zero(width), ""))
            .collect();
        let (a_q, b_q, c_q, d_q) = (registers[0], registers[1], registers[2], registers[3]);
        m.assign(sum_o, c_q + d_q + a_q.gt(b_q).zext(8));
        m.clocked(
            registers
                .iter()
                .zip(&inputs)
                .map(|(&q, &i)| (q, i.into()))
                .collect(),
            None,
        );
        let module = Arc::new(m.finish().unwrap());
        for flow in Flow::ALL {
            let estimate = estimate(&module, flow);
            assert_eq!(estimate.ffs, 20, "{flow:?}");
            assert!(estimate.luts > 1, "{flow:?}: the comparison is logic");
        }
    }

    /// A sum of two 16-bit values stored in 19 bits: `wreduce` leaves the
    /// sum 17 bits wide, so the two top flip-flops hold 0 and go.
    #[test]
    fn an_unsigned_sum_is_one_bit_wider_than_its_operands() {
        let mut m = ModuleBuilder::new("narrow_sum", vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let a_i = m.input("a_i", 16, "");
        let b_i = m.input("b_i", 16, "");
        let sum_o = m.output("sum_o", 19, "");
        let sum_q = m.register("sum_q", 19, zero(19), "");
        m.assign(sum_o, sum_q);
        m.clocked(vec![(sum_q, a_i.zext(19) + b_i.zext(19))], None);
        let module = Arc::new(m.finish().unwrap());
        for flow in Flow::ALL {
            assert_eq!(estimate(&module, flow).ffs, 17, "{flow:?}");
        }
    }

    /// Yosys 0.23 on `w_q <= up_i ? (max_i ? 8'd0 : w_q + 8'd4) : w_q`
    /// (reset 0): the sum's two low bits are `w_q`'s, a hold path in two
    /// bits of the 8-bit multiplexer word `max_i ? 0 : sum`. `opt_dff`
    /// makes it an enable and leaves `x` in those two bits; their data,
    /// `max_i ? 0 : x`, is 0 once `x` is folded bit by bit. `synth_ice40`
    /// folds it and removes both flip-flops (6 SB_DFFER); `synth_xilinx`
    /// folds it only in `map_luts`, after the last `opt_dff`, and keeps
    /// the two as one FDCE (`opt_merge`) with D = 0 (7 FDCE).
    #[test]
    fn a_partial_hold_keeps_its_flip_flop_on_xc7() {
        let mut m = ModuleBuilder::new("partial_hold", vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let up = m.input("up_i", 1, "");
        let max = m.input("max_i", 1, "");
        let w_o = m.output("w_o", 8, "");
        let w_q = m.register("w_q", 8, zero(8), "");
        m.assign(w_o, w_q);
        let raised = mux(max, lit(8, 0), Expr::from(w_q) + lit(8, 4));
        m.clocked(vec![(w_q, mux(up, raised, w_q))], None);
        let module = Arc::new(m.finish().unwrap());
        for (flow, yosys) in [(Flow::Ice40, 6), (Flow::Ice40Dsp, 6), (Flow::Xilinx7, 7)] {
            assert_eq!(estimate(&module, flow).ffs, yosys, "{flow:?}");
        }
    }

    /// Yosys 0.23 on a 512 x 56 memory written from a 56-bit register
    /// (`wd_q <= wd_i`) and read to a port: `synth_xilinx` maps it to one
    /// RAMB36E1 in 72-bit simple dual port mode whose `DIPBDIP` repeats
    /// `DIPADIP`, so write bits 44 and 53 are never written and their
    /// flip-flops go (54 FDCE, 1 RAMB36E1). `synth_ice40` keeps all 56,
    /// besides its read-during-write bypass (179 SB_DFF/SB_DFFR).
    #[test]
    fn xc7_72_bit_block_ram_drops_its_high_parity_write_bits() {
        let module = memory_module("sdp72", 56, 9, true);
        for (flow, yosys) in [
            (Flow::Ice40, 179),
            (Flow::Ice40Dsp, 179),
            (Flow::Xilinx7, 54),
        ] {
            assert_eq!(estimate(&module, flow).ffs, yosys, "{flow:?}");
        }
    }

    /// (LUTs, carries) of `y = f(a, b)` on iCE40, a and b 8-bit ports.
    fn ice40(f: impl Fn(Expr, Expr) -> Expr, out_width: u32) -> (u64, u64) {
        let mut m = ModuleBuilder::new("t", Vec::new());
        let a = m.input("a", 8, "");
        let b = m.input("b", 8, "");
        let y = m.output("y", out_width, "");
        m.section(&[]);
        m.assign(y, f(a.into(), b.into()));
        let module = Arc::new(m.finish().expect("a valid module"));
        let r = estimate(&module, Flow::Ice40);
        (r.luts, r.carries)
    }

    /// Yosys 0.23 `synth_ice40` on `assign y = a < b;` (8-bit ports) gives
    /// 15 SB_LUT4 and on `assign y = b < a;` 9, with 8 SB_CARRY both: it
    /// takes as the `$alu`'s A whichever signal a hash of its name numbers
    /// puts first, and only `A < B` is the chain alone. The estimate spans
    /// both orders (9 to 14: its equality tree maps one LUT smaller); xc7 (`cmp2lcu` before `alumacc`) and a comparison
    /// against a constant (whose hash is known) have one cost.
    #[test]
    fn a_comparison_of_two_signals_spans_both_operand_orders() {
        let module = |f: fn(Expr, Expr) -> Expr| {
            let mut m = ModuleBuilder::new("t", Vec::new());
            let a = m.input("a", 8, "");
            let b = m.input("b", 8, "");
            let y = m.output("y", 1, "");
            m.section(&[]);
            m.assign(y, f(a.into(), b.into()));
            Arc::new(m.finish().expect("a valid module"))
        };
        let two_signals = module(|a, b| a.lt(b));
        let (low, high) = estimate_lut_span(&two_signals, Flow::Ice40).expect("a span");
        // The chain alone is exact; the equality tree within 10 %.
        assert_eq!(low, 9);
        assert!(
            high.abs_diff(15) * 10 <= 15,
            "dear order {high} for Yosys' 15"
        );
        assert_eq!(estimate_lut_span(&two_signals, Flow::Xilinx7), None);
        let against_constant = module(|a, _| a.lt(lit(8, 100)));
        assert_eq!(estimate_lut_span(&against_constant, Flow::Ice40), None);
    }

    /// Yosys 0.23 `synth_ice40` on the same Verilog: a constant narrower
    /// than the signal is the `$alu`'s A, so `x > K` is the carry alone and
    /// `x < K` adds the equality; every inverted port bit entering a carry
    /// cell is a LUT; `x > 63` keeps two bits, too few for a chain.
    #[test]
    fn ice40_comparisons_against_constants_follow_alumacc() {
        assert_eq!(ice40(|a, _| a.lt(lit(8, 100)), 1), (11, 7));
        assert_eq!(ice40(|a, _| a.gt(lit(8, 100)), 1), (9, 7));
        assert_eq!(ice40(|a, _| a.lt(lit(8, 64)), 1), (11, 7));
        assert_eq!(ice40(|a, _| a.gt(lit(8, 63)), 1), (1, 0));
        // 200 is as wide as a: by hash, a comes first and ~200 is constant.
        assert_eq!(ice40(|a, _| a.lt(lit(8, 200)), 1), (1, 4));
    }

    /// Yosys 0.23 `synth_ice40` on `s = {1'b0, a} + {1'b0, b}; y = s[8] ?
    /// 8'hff : s[7:0]`: 8 SB_LUT4 and 8 SB_CARRY. `opt_lut` folds each
    /// saturation LUT (the sum bit and the carry out) into the sum LUT
    /// before it, on its free input. The estimate keeps one LUT more (9):
    /// the carry out read as logic is not yet modelled as free.
    #[test]
    fn ice40_sum_luts_absorb_their_one_reader() {
        let mut m = ModuleBuilder::new("t", Vec::new());
        let a = m.input("a", 8, "");
        let b = m.input("b", 8, "");
        let y = m.output("y", 8, "");
        m.section(&[]);
        let s = m.wire("s", 9, "");
        m.assign(s, Expr::from(a).zext(9) + Expr::from(b).zext(9));
        m.assign(y, mux(s.bit(8), lit(8, 255), s.slice(7, 0)));
        let module = Arc::new(m.finish().expect("a valid module"));
        let r = estimate(&module, Flow::Ice40);
        assert_eq!((r.luts, r.carries), (9, 8));
    }

    #[test]
    fn ice40_subtraction_pays_for_the_inverted_subtrahend() {
        assert_eq!(ice40(|a, b| a - b, 8), (15, 7));
        assert_eq!(ice40(|a, b| a + b, 8), (8, 7));
    }

    /// A memory of 2^`address_bits` words of `width` bits written from
    /// the `wd_i` port (or, with `registered_write_data`, from a register
    /// of it) and read through one registered port to `rd_o`.
    fn memory_module(
        name: &str,
        width: u32,
        address_bits: u32,
        registered_write_data: bool,
    ) -> Arc<Module> {
        let mut m = ModuleBuilder::new(name, vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let we = m.input("we_i", 1, "");
        let wa = m.input("wa_i", address_bits, "");
        let ra = m.input("ra_i", address_bits, "");
        let wd = m.input("wd_i", width, "");
        let rd_o = m.output("rd_o", width, "");
        let write_data = if registered_write_data {
            let wd_q = m.register("wd_q", width, zero(width), "");
            m.clocked(vec![(wd_q, wd.into())], None);
            Expr::from(wd_q)
        } else {
            wd.into()
        };
        let reads = m.memory(
            "mem",
            width,
            address_bits,
            "",
            we.into(),
            wa.into(),
            write_data,
            vec![("rd_q", ra.into())],
        );
        m.assign(rd_o, reads[0]);
        Arc::new(m.finish().expect("a valid module"))
    }

    /// LUTs on iCE40 of a memory of `words` x `width` in flip-flops with
    /// one registered read.
    fn logic_memory_luts(width: u32, address_bits: u32) -> u64 {
        let module = memory_module("logic_memory", width, address_bits, false);
        estimate(&module, Flow::Ice40).luts
    }

    /// Yosys 0.23 `synth_ice40` on the same memories (`ram_style =
    /// "logic"`): 28, 68, 88 and 196 LUTs. A 4:1 read multiplexer takes two
    /// LUT4, not the three its cuts give.
    #[test]
    fn ice40_logic_memories_read_through_4_to_1_multiplexers_in_two_luts() {
        for (width, address_bits, yosys) in [(12, 2, 28), (12, 3, 68), (16, 3, 88), (16, 4, 196)] {
            let luts = logic_memory_luts(width, address_bits);
            assert!(
                luts.abs_diff(yosys) <= 2,
                "{width} x {} words: {luts} LUTs, Yosys {yosys}",
                1 << address_bits
            );
        }
    }

    /// `a_square_q <= a_q * a_q` (5 bits) and `b_square_q <= b_q * b_q`
    /// (7 bits): Yosys 0.23 keeps 35 flip-flops on iCE40 and 36 with `-dsp`
    /// and on xc7. `opt_dff` runs before `maccmap` lowers the products, so
    /// bit 0 (= a_q[0]) and bit 1 (always 0) of a square keep their
    /// flip-flops; `opt_merge` then joins the two squares' bit 1, which the
    /// same constant-input LUT drives. Folded through the logic, 30.
    #[test]
    fn product_bits_are_opaque_to_flip_flop_folding() {
        let mut m = ModuleBuilder::new("squares", vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let a_i = m.input("a_i", 5, "");
        let b_i = m.input("b_i", 7, "");
        let a_square_o = m.output("a_square_o", 10, "");
        let b_square_o = m.output("b_square_o", 14, "");
        let a_q = m.register("a_q", 5, zero(5), "");
        let b_q = m.register("b_q", 7, zero(7), "");
        let a_square_q = m.register("a_square_q", 10, zero(10), "");
        let b_square_q = m.register("b_square_q", 14, zero(14), "");
        m.assign(a_square_o, a_square_q);
        m.assign(b_square_o, b_square_q);
        m.clocked(
            vec![
                (a_q, a_i.into()),
                (b_q, b_i.into()),
                (a_square_q, a_q.zext(10) * a_q.zext(10)),
                (b_square_q, b_q.zext(14) * b_q.zext(14)),
            ],
            None,
        );
        let module = Arc::new(m.finish().unwrap());
        for (flow, yosys) in [(Flow::Ice40, 35), (Flow::Ice40Dsp, 36), (Flow::Xilinx7, 36)] {
            assert_eq!(estimate(&module, flow).ffs, yosys, "{flow:?}");
        }
    }

    /// `y_q <= (c_q[0] & c_q[1] & ... & c_q[12]) ? a_i : b_i`, ten bits,
    /// the select written as a chain: Yosys 0.23 `synth_xilinx` maps 12
    /// LUTs. ABC balances the chain (two LUT levels, not three), so each
    /// bit is one LUT behind a shared select; mapped as written, 41.
    #[test]
    fn xc7_and_chains_are_balanced_before_mapping() {
        let mut m = ModuleBuilder::new("chain_select", vec![]);
        let _clk = m.input("clk_i", 1, "");
        let _rst = m.input("rst_ni", 1, "");
        let c_i = m.input("c_i", 13, "");
        let a_i = m.input("a_i", 10, "");
        let b_i = m.input("b_i", 10, "");
        let y_o = m.output("y_o", 10, "");
        let c_q = m.register("c_q", 13, zero(13), "");
        let y_q = m.register("y_q", 10, zero(10), "");
        m.assign(y_o, y_q);
        let select = (1..13).fold(c_q.bit(0), |chain, k| chain & c_q.bit(k));
        m.clocked(vec![(c_q, c_i.into()), (y_q, mux(select, a_i, b_i))], None);
        let module = Arc::new(m.finish().unwrap());
        let luts = estimate(&module, Flow::Xilinx7).luts;
        assert!(luts.abs_diff(12) <= 1, "{luts} LUTs, Yosys 12");
    }

    /// `y = &a` over eight bits: one LUT8 for ABC, which Yosys' xc7
    /// `lut_map.v` builds of four LUT6 under MUXF7/MUXF8; the three whose
    /// quarter of the truth table is 0 go, so Yosys 0.23 counts 1 LUT.
    #[test]
    fn xc7_wide_luts_keep_only_their_non_constant_quarters() {
        let mut m = ModuleBuilder::new("and8", vec![]);
        let a = m.input("a", 8, "");
        let y = m.output("y", 1, "");
        m.section(&[]);
        m.assign(y, Expr::from(a).all());
        let module = Arc::new(m.finish().expect("a valid module"));
        assert_eq!(estimate(&module, Flow::Xilinx7).luts, 1);
    }

    /// `y = a & ~(&p)` beside a 32-input XOR: ABC's `if` starts from a
    /// cover by area flow, where the flag read by twelve LUTs is worth a
    /// LUT of its own, and its area passes keep it (each reader's two
    /// cuts cost one LUT alike). Yosys 0.23: 26 LUTs on iCE40 (11 for the
    /// XOR, 3 for the flag, 12 readers) and 26 on xc7; folding the flag's
    /// last level into the readers would give 25 on iCE40.
    #[test]
    fn a_flag_read_by_many_luts_stays_a_lut_of_its_own() {
        let mut m = ModuleBuilder::new("flag", vec![]);
        let p = m.input("p", 8, "");
        let a = m.input("a", 12, "");
        let x = m.input("x", 32, "");
        let y = m.output("y", 12, "");
        let z = m.output("z", 1, "");
        m.section(&[]);
        let last = Expr::from(p).all();
        m.assign(y, Expr::from(a) & mux(last, lit(12, 0), lit(12, 4095)));
        m.assign(z, Expr::from(x).parity());
        let module = Arc::new(m.finish().expect("a valid module"));
        assert_eq!(estimate(&module, Flow::Ice40).luts, 26);
        assert_eq!(estimate(&module, Flow::Xilinx7).luts, 26);
    }
}
