//! A description flattened to bits, as synthesis sees it before mapping:
//! logic in an and-inverter graph, flip-flops with the enables Yosys'
//! `opt_dff` finds, and the hard blocks that stay out of ABC's reach (carry
//! chains, block RAMs, DSP multipliers) as boxes with their inputs and
//! outputs. `target.rs` prices the boxes; `lut_map.rs` maps the logic.

use std::collections::HashMap;
use std::sync::Arc;

use super::aig::{Aig, AigNode, FALSE, Lit, TRUE, node_of};
use super::macc::Columns;
use crate::hdl::expr::{BinaryOp, Expr, Node, ShiftOp, UnaryOp};
use crate::hdl::module::{Item, Module, NetKind, Statement};

/// How a target builds arithmetic: which operators leave the LUT logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lowering {
    /// Adders and comparisons this wide or wider become carry chains
    /// (narrower ones are LUT logic).
    pub min_chain_width: u32,
    /// Comparisons (carry out only) this wide or wider use the chain
    /// (where comparisons are not cut into lookahead groups).
    pub min_compare_chain_width: u32,
    /// Comparisons are cut into LUT-sized groups joined by a lookahead
    /// carry unit (`cmp2lcu`) instead of a subtraction chain: the inputs a
    /// group may take, a variable bit pair counting 2 and a bit against a
    /// constant 1 (`None`: comparisons are subtraction chains).
    pub compare_group_budget: Option<u32>,
    /// Multipliers of two operands of 2 bits or more whose product has at
    /// least this many bits go to DSP blocks (`None`: no DSP blocks).
    pub min_dsp_product_width: Option<u64>,
    /// Block RAM reads get Yosys' read-during-write bypass, and the read
    /// register stays in flip-flops (iCE40).
    pub bram_bypass: bool,
    /// Memories Yosys may place freely of fewer bits than this become LUT
    /// RAM with the read register in flip-flops (xc7).
    pub lut_ram_below_bits: u64,
    /// Which operand a carry-chain comparison of two signals takes as the
    /// `$alu`'s A where Yosys decides by a hash of its name numbers.
    pub undecided_order: OperandOrder,
}

/// The operand order of a comparison whose order Yosys decides by its
/// internal name numbers (two signals of equal width and chunk count):
/// hebb cannot know it, so the estimate is given at the written order and
/// bounded by the two extremes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OperandOrder {
    /// As the description writes the comparison.
    #[default]
    Written,
    /// Each comparison as the carry chain alone where an order gives that.
    Cheapest,
    /// Each comparison with the equality tree where an order gives that.
    Dearest,
}

/// A multiplexer arm on a flip-flop's data path: its select, which arm,
/// and whether the arm is the flip-flop's own output.
#[derive(Debug, Clone, Copy)]
struct Arm {
    select: Lit,
    then: bool,
    held: bool,
}

/// A flip-flop with the enable the description gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlipFlop {
    pub q: Lit,
    pub d: Lit,
    pub enable: Lit,
    pub reset: bool,
    /// A hold path was found where only some bits of the register's
    /// multiplexer word are the register itself (an arm such as `q + 4`,
    /// whose low bits are `q`'s): `opt_dff` puts `x` in those bits only,
    /// and `opt_expr -mux_undef` folds only a word that is `x` throughout,
    /// so the data left is constant only at the bit level.
    pub partial_hold: bool,
    /// False once folded away as a constant or a twin (`optimize.rs`).
    pub kept: bool,
}

/// A carry chain of `a + b + carry_in`: bit i has a carry cell fed by
/// `a[i]` and `b[i]` (b already inverted for a subtraction) and a sum
/// output; `sums` and `carry_out` are the chain's outputs as inputs of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub a: Vec<Lit>,
    pub b: Vec<Lit>,
    pub carry_in: Lit,
    pub sums: Vec<Lit>,
    pub carry_out: Lit,
}

/// A lookahead carry unit (Yosys' `$lcu` as `cmp2lcu` builds it for a
/// comparison): group i propagates the carry when `propagate[i]` and makes
/// one when `generate[i]`; `carry_out` is the last group's carry, an input of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookahead {
    pub propagate: Vec<Lit>,
    pub generate: Vec<Lit>,
    pub carry_in: Lit,
    pub carry_out: Lit,
}

/// A block RAM, a DSP multiplier: inputs that must be signals, outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardBlock {
    pub kind: BlockKind,
    pub inputs: Vec<Lit>,
    pub outputs: Vec<Lit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A memory `width` x `depth` in block RAM (its read registers inside),
    /// or in LUT RAM.
    BlockRam {
        width: u32,
        depth: u64,
        forced: bool,
        lut_ram: bool,
        reads: u64,
        /// Where the write data starts in the block's inputs (after the
        /// write enable and address), one input a bit.
        write_data_at: usize,
    },
    /// An `a` x `b`-bit multiplier.
    Multiplier { a: u64, b: u64 },
}

/// What drives an input node of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Port,
    /// A bit of a soft multiplier's product while flip-flops are folded
    /// (`Netlist::products`), its logic put back before mapping.
    Product,
    FlipFlop(usize),
    Chain(usize),
    Lookahead(usize),
    Block(usize),
}

#[derive(Debug, Default)]
pub struct Netlist {
    pub aig: Aig,
    pub flip_flops: Vec<FlipFlop>,
    pub chains: Vec<Chain>,
    pub lookaheads: Vec<Lookahead>,
    pub blocks: Vec<HardBlock>,
    /// The top module's output bits.
    pub outputs: Vec<Lit>,
    pub sources: HashMap<u32, Source>,
    /// Soft multipliers' product bits as `opt_dff` sees them, opaque
    /// (`maccmap` lowers `$mul` only after it): (stand-in input, logic).
    pub products: Vec<(Lit, Lit)>,
    /// Comparisons whose cost depends on the operand order Yosys picks by
    /// name numbers (see [`OperandOrder`]).
    pub undecided_comparisons: usize,
}

/// Flattens `top` into a netlist, lowering arithmetic as `lowering` says.
pub fn flatten(top: &Arc<Module>, lowering: Lowering) -> Netlist {
    let mut b = Builder {
        net: Netlist {
            aig: Aig::new(),
            ..Netlist::default()
        },
        lowering,
        scopes: Vec::new(),
        pending_registers: Vec::new(),
        memory_blocks: HashMap::new(),
        bypasses: HashMap::new(),
        read_registers: Vec::new(),
        chains_by_operands: HashMap::new(),
        sum_operands: HashMap::new(),
        lookaheads_by_operands: HashMap::new(),
        product_bits: HashMap::new(),
    };
    let top_scope = b.scope(top.clone(), None);
    for &p in &top.ports {
        if top.net(p).kind == NetKind::Output {
            let bits = b.value(top_scope, p);
            b.net.outputs.extend(bits);
        }
    }
    // Registers last: their next values may read anything, including nets
    // of scopes only reached through them.
    while let Some((scope, item)) = b.pending_registers.pop() {
        b.finish_registers(scope, item);
    }
    for (registers, ram) in std::mem::take(&mut b.read_registers) {
        for (q, d) in registers.into_iter().zip(ram) {
            b.set_flip_flop(q, d, TRUE);
        }
    }
    b.net
}

/// The flip-flops of an iCE40 block RAM's read-during-write bypass.
#[derive(Debug, Clone)]
struct Bypass {
    data: Vec<Lit>,
    collision: Lit,
    write_address: Vec<Lit>,
    write_enable: Lit,
}

struct Scope {
    module: Arc<Module>,
    /// (parent scope, instance item) that binds this scope's inputs.
    parent: Option<(usize, usize)>,
    values: Vec<Option<Vec<Lit>>>,
    children: HashMap<usize, usize>,
    /// Net -> the item driving it.
    drivers: HashMap<u32, usize>,
}

struct Builder {
    net: Netlist,
    lowering: Lowering,
    scopes: Vec<Scope>,
    pending_registers: Vec<(usize, usize)>,
    /// (scope, memory item) -> its block RAM.
    memory_blocks: HashMap<(usize, usize), usize>,
    /// (scope, memory item) -> its bypass flip-flops.
    bypasses: HashMap<(usize, usize), Bypass>,
    /// Read registers left in flip-flops: (outputs, RAM outputs they load).
    read_registers: Vec<(Vec<Lit>, Vec<Lit>)>,
    chains_by_operands: HashMap<(Vec<Lit>, Vec<Lit>, Lit), usize>,
    /// Sum bits -> the operands they add (bits of a one-bit operand are
    /// the carry in), so a further addend joins them in one `$macc`.
    sum_operands: HashMap<Vec<Lit>, Vec<Vec<Lit>>>,
    lookaheads_by_operands: HashMap<(Vec<Lit>, Vec<Lit>, Lit), usize>,
    /// The stand-in of each product bit's logic: bits built alike are one
    /// signal (`opt_merge` merges the cells `maccmap` makes of them, even
    /// those whose inputs are all constant).
    product_bits: HashMap<Lit, Lit>,
}

impl Builder {
    fn input(&mut self, source: Source) -> Lit {
        let lit = self.net.aig.input();
        self.net.sources.insert(node_of(lit), source);
        lit
    }

    /// A new flip-flop (next value set later); returns its output.
    fn flip_flop(&mut self, reset: bool) -> Lit {
        let index = self.net.flip_flops.len();
        let q = self.input(Source::FlipFlop(index));
        self.net.flip_flops.push(FlipFlop {
            q,
            d: q,
            enable: FALSE,
            reset,
            partial_hold: false,
            kept: true,
        });
        q
    }

    /// A scope for `module`: inputs for its registers and memories now,
    /// their next-value logic once every net can be read.
    fn scope(&mut self, module: Arc<Module>, parent: Option<(usize, usize)>) -> usize {
        let id = self.scopes.len();
        let mut values: Vec<Option<Vec<Lit>>> = vec![None; module.nets.len()];
        let mut drivers = HashMap::new();
        for (i, item) in module.items.iter().enumerate() {
            match item {
                Item::Section {
                    assigns, process, ..
                } => {
                    for (n, _) in assigns {
                        drivers.insert(*n, i);
                    }
                    let mut reads = Vec::new();
                    let mut writes = Vec::new();
                    crate::hdl::sim::statement_nets(process, &mut reads, &mut writes);
                    for n in writes {
                        drivers.insert(n, i);
                    }
                }
                Item::Registers(_) | Item::Memory(_) => {}
                Item::Instance(inst) => {
                    for (_, n) in &inst.outputs {
                        drivers.insert(*n, i);
                    }
                }
            }
        }
        self.scopes.push(Scope {
            module: module.clone(),
            parent,
            values: Vec::new(),
            children: HashMap::new(),
            drivers,
        });
        for (n, decl) in module.nets.iter().enumerate() {
            match decl.kind {
                NetKind::Constant => {
                    values[n] = Some(constant_bits(decl.width, decl.value));
                }
                NetKind::Input if parent.is_none() => {
                    values[n] = Some((0..decl.width).map(|_| self.input(Source::Port)).collect());
                }
                _ => {}
            }
        }
        for (i, item) in module.items.iter().enumerate() {
            match item {
                Item::Registers(group) => {
                    for (r, _) in &group.registers {
                        let decl = module.net(*r);
                        let bits: Vec<Lit> = (0..decl.width)
                            .map(|k| self.flip_flop((decl.value >> k) & 1 == 1))
                            .collect();
                        values[*r as usize] = Some(bits);
                    }
                    self.pending_registers.push((id, i));
                }
                Item::Memory(m) if m.in_logic() => {
                    for (r, _) in &m.reads {
                        let bits: Vec<Lit> = (0..m.width).map(|_| self.flip_flop(false)).collect();
                        values[*r as usize] = Some(bits);
                    }
                    self.pending_registers.push((id, i));
                }
                Item::Memory(m) => {
                    let block = self.net.blocks.len();
                    let mut outputs = Vec::new();
                    // iCE40 block RAM leaves a read of the address being
                    // written undefined; Yosys delays the write a clock
                    // (`emulate_read_first`), registers the write data and
                    // a collision flag and picks the data on a collision
                    // (`emulate_transparency`).
                    let bypass = self.lowering.bram_bypass.then(|| Bypass {
                        data: (0..m.width).map(|_| self.flip_flop(false)).collect(),
                        collision: self.flip_flop(false),
                        write_address: (0..m.address_bits).map(|_| self.flip_flop(false)).collect(),
                        write_enable: self.flip_flop(false),
                    });
                    let lut_ram = !m.block_ram && m.bits() < self.lowering.lut_ram_below_bits;
                    for (r, _) in &m.reads {
                        let mut bits: Vec<Lit> = (0..m.width)
                            .map(|_| self.input(Source::Block(block)))
                            .collect();
                        outputs.extend(&bits);
                        if bypass.is_some() || lut_ram {
                            // The read register stays in flip-flops.
                            let ram = bits.clone();
                            bits = (0..m.width).map(|_| self.flip_flop(false)).collect();
                            self.read_registers.push((bits.clone(), ram));
                        }
                        if let Some(b) = &bypass {
                            bits = self.mux_bits(b.collision, &b.data, &bits);
                        }
                        values[*r as usize] = Some(bits);
                    }
                    if let Some(b) = bypass {
                        self.bypasses.insert((id, i), b);
                    }
                    self.memory_blocks.insert((id, i), block);
                    self.net.blocks.push(HardBlock {
                        kind: BlockKind::BlockRam {
                            width: m.width,
                            depth: m.depth(),
                            forced: m.block_ram,
                            lut_ram,
                            reads: m.reads.len() as u64,
                            write_data_at: 1 + m.address_bits as usize,
                        },
                        inputs: Vec::new(),
                        outputs,
                    });
                    self.pending_registers.push((id, i));
                }
                _ => {}
            }
        }
        self.scopes[id].values = values;
        id
    }

    fn value(&mut self, scope: usize, net: u32) -> Vec<Lit> {
        if let Some(v) = &self.scopes[scope].values[net as usize] {
            return v.clone();
        }
        let module = self.scopes[scope].module.clone();
        let decl = module.net(net);
        let bits = if decl.kind == NetKind::Input {
            let (parent, item) = self.scopes[scope]
                .parent
                .expect("inputs of the top are bound");
            let Item::Instance(inst) = &self.scopes[parent].module.items[item] else {
                unreachable!("a scope's parent item is an instance")
            };
            let port = &decl.name;
            let expr = inst
                .inputs
                .iter()
                .find(|(name, _)| name == port)
                .map(|(_, e)| e.clone())
                .expect("every input port is bound");
            self.expr(parent, &expr)
        } else {
            match self.scopes[scope].drivers.get(&net).copied() {
                None => constant_bits(decl.width, 0),
                Some(item) => match &module.items[item] {
                    Item::Section {
                        assigns, process, ..
                    } => match assigns.iter().find(|(n, _)| *n == net) {
                        Some((_, e)) => self.expr(scope, e),
                        None => {
                            self.process(scope, process);
                            return self.scopes[scope].values[net as usize]
                                .clone()
                                .unwrap_or_else(|| constant_bits(decl.width, 0));
                        }
                    },
                    Item::Instance(inst) => {
                        let child = self.child(scope, item, &inst.module);
                        let port = &inst
                            .outputs
                            .iter()
                            .find(|(_, n)| *n == net)
                            .expect("driver")
                            .0;
                        let child_net = inst.module.find(port).expect("port of the child");
                        self.value(child, child_net)
                    }
                    _ => unreachable!("registers and memories are valued when their scope is made"),
                },
            }
        };
        self.scopes[scope].values[net as usize] = Some(bits.clone());
        bits
    }

    fn child(&mut self, scope: usize, item: usize, module: &Arc<Module>) -> usize {
        if let Some(&c) = self.scopes[scope].children.get(&item) {
            return c;
        }
        let c = self.scope(module.clone(), Some((scope, item)));
        self.scopes[scope].children.insert(item, c);
        c
    }

    /// Values every target of an `always @(*)` process.
    fn process(&mut self, scope: usize, list: &[Statement]) {
        let mut env: HashMap<u32, Vec<Lit>> = HashMap::new();
        self.statements(scope, list, &mut env);
        for (net, bits) in env {
            self.scopes[scope].values[net as usize] = Some(bits);
        }
    }

    fn statements(&mut self, scope: usize, list: &[Statement], env: &mut HashMap<u32, Vec<Lit>>) {
        for s in list {
            match s {
                Statement::Assign {
                    target,
                    bits,
                    value,
                } => {
                    let v = self.expr(scope, value);
                    let width = self.scopes[scope].module.net(*target).width as usize;
                    let slot = env.entry(*target).or_insert_with(|| vec![FALSE; width]);
                    match bits {
                        None => *slot = v,
                        Some((_, lo)) => {
                            for (k, bit) in v.into_iter().enumerate() {
                                slot[*lo as usize + k] = bit;
                            }
                        }
                    }
                }
                Statement::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    let c = self.expr(scope, condition);
                    let c = self.net.aig.or_all(&c);
                    let mut then_env = env.clone();
                    self.statements(scope, then, &mut then_env);
                    let mut else_env = env.clone();
                    self.statements(scope, otherwise, &mut else_env);
                    let mut targets: Vec<u32> =
                        then_env.keys().chain(else_env.keys()).copied().collect();
                    targets.sort_unstable();
                    targets.dedup();
                    for t in targets {
                        let width = self.scopes[scope].module.net(t).width as usize;
                        let tv = then_env
                            .get(&t)
                            .cloned()
                            .unwrap_or_else(|| vec![FALSE; width]);
                        let ev = else_env
                            .get(&t)
                            .cloned()
                            .unwrap_or_else(|| vec![FALSE; width]);
                        let merged = self.mux_bits(c, &tv, &ev);
                        env.insert(t, merged);
                    }
                }
            }
        }
    }

    /// Next values of a register group or a memory, now that everything can be read.
    fn finish_registers(&mut self, scope: usize, item: usize) {
        let module = self.scopes[scope].module.clone();
        match &module.items[item] {
            Item::Registers(group) => {
                let enable = match &group.enable {
                    Some(e) => {
                        let bits = self.expr(scope, e);
                        self.net.aig.or_all(&bits)
                    }
                    None => TRUE,
                };
                for (r, next) in &group.registers {
                    let q = self.scopes[scope].values[*r as usize]
                        .clone()
                        .expect("register bits");
                    let d = self.expr(scope, next);
                    self.set_register(&q, &d, enable);
                }
            }
            Item::Memory(m) => {
                let we = self.expr(scope, &m.write_enable);
                let we = self.net.aig.or_all(&we);
                let wa = self.expr(scope, &m.write_address);
                let wd = self.expr(scope, &m.write_data);
                if m.in_logic() {
                    // Word flip-flops load the write data where the decoded address enables them.
                    let mut words = Vec::new();
                    for w in 0..m.depth() {
                        let hit = self.equals_constant(&wa, w);
                        let enable = self.net.aig.and(we, hit);
                        let bits: Vec<Lit> = wd
                            .iter()
                            .map(|&d| {
                                let q = self.flip_flop(false);
                                self.set_flip_flop(q, d, enable);
                                q
                            })
                            .collect();
                        words.push(bits);
                    }
                    for (r, address) in &m.reads {
                        let ra = self.expr(scope, address);
                        let q = self.scopes[scope].values[*r as usize]
                            .clone()
                            .expect("read bits");
                        let data = self.select_word(&ra, &words);
                        for (qb, db) in q.into_iter().zip(data) {
                            self.set_flip_flop(qb, db, TRUE);
                        }
                    }
                } else {
                    let mut inputs = vec![we];
                    debug_assert_eq!(wa.len(), m.address_bits as usize);
                    inputs.extend(&wa);
                    inputs.extend(&wd);
                    for (_, address) in &m.reads {
                        inputs.extend(self.expr(scope, address));
                    }
                    let block = self.memory_blocks[&(scope, item)];
                    self.net.blocks[block].inputs = inputs;
                    if let Some(bypass) = self.bypasses.get(&(scope, item)).cloned() {
                        for (q, d) in bypass.data.into_iter().zip(wd.iter().copied()) {
                            self.set_flip_flop(q, d, TRUE);
                        }
                        // The delayed write: its address (shared by memories
                        // written at the same address, as `opt_merge` finds)
                        // and enable feed the block RAM.
                        for (&q, &d) in bypass.write_address.iter().zip(&wa) {
                            self.set_flip_flop(q, d, TRUE);
                        }
                        self.set_flip_flop(bypass.write_enable, we, TRUE);
                        let block = &mut self.net.blocks[block].inputs;
                        block.extend(&bypass.write_address);
                        block.push(bypass.write_enable);
                        let ra = self.expr(scope, &m.reads[0].1);
                        let same: Vec<Lit> = wa
                            .iter()
                            .zip(&ra)
                            .map(|(&p, &q)| self.net.aig.xor(p, q) ^ 1)
                            .collect();
                        let same = self.net.aig.and_all(&same);
                        let hit = self.net.aig.and(we, same);
                        self.set_flip_flop(bypass.collision, hit, TRUE);
                    }
                }
            }
            _ => {}
        }
    }

    /// Records the next values of a register's flip-flops `q` (one word),
    /// their hold paths turned into enables as `opt_dff` does. A hold is
    /// partial where the same arm of a multiplexer (known by its select) is
    /// the register for some bits and other logic for others: the
    /// flip-flops holding there are marked ([`FlipFlop::partial_hold`]).
    fn set_register(&mut self, q: &[Lit], d: &[Lit], enable: Lit) {
        let arms: Vec<Vec<Arm>> = q
            .iter()
            .zip(d)
            .map(|(&qb, &db)| self.set_flip_flop(qb, db, enable))
            .collect();
        let not_held: std::collections::HashSet<(Lit, bool)> = arms
            .iter()
            .flatten()
            .filter(|arm| !arm.held)
            .map(|arm| (arm.select, arm.then))
            .collect();
        for (&qb, seen) in q.iter().zip(&arms) {
            if seen
                .iter()
                .any(|arm| arm.held && not_held.contains(&(arm.select, arm.then)))
            {
                let index = self.flip_flop_index(qb);
                self.net.flip_flops[index].partial_hold = true;
            }
        }
    }

    /// Records the next value of flip-flop `q`, its hold paths turned into
    /// an enable as `opt_dff` does (a multiplexer arm that is `q` itself);
    /// returns the multiplexer arms on its data path.
    fn set_flip_flop(&mut self, q: Lit, d: Lit, enable: Lit) -> Vec<Arm> {
        let mut arms = Vec::new();
        let (d, hold_enable) = self.split_hold(d, q, &mut arms);
        let enable = self.net.aig.and(enable, hold_enable);
        let index = self.flip_flop_index(q);
        let ff = &mut self.net.flip_flops[index];
        ff.d = d;
        ff.enable = enable;
        arms
    }

    fn flip_flop_index(&self, q: Lit) -> usize {
        match self.net.sources.get(&node_of(q)) {
            Some(Source::FlipFlop(i)) => *i,
            _ => unreachable!("q is a flip-flop output"),
        }
    }

    /// (data, enable) of `d` for a flip-flop whose output is `q`; every
    /// multiplexer arm passed on the way is added to `seen`.
    fn split_hold(&mut self, d: Lit, q: Lit, seen: &mut Vec<Arm>) -> (Lit, Lit) {
        if d == q {
            return (q, FALSE);
        }
        let Some((s, t, e)) = self.net.aig.mux_of(d) else {
            return (d, TRUE);
        };
        for (then, arm) in [(true, t), (false, e)] {
            seen.push(Arm {
                select: s,
                then,
                held: arm == q,
            });
        }
        let (dt, et) = self.split_hold(t, q, seen);
        let (de, ee) = self.split_hold(e, q, seen);
        if et == TRUE && ee == TRUE {
            return (d, TRUE);
        }
        let enable = self.net.aig.mux(s, et, ee);
        let data = match (et, ee) {
            (FALSE, _) => de,
            (_, FALSE) => dt,
            _ => self.net.aig.mux(s, dt, de),
        };
        (data, enable)
    }

    fn equals_constant(&mut self, bits: &[Lit], value: u64) -> Lit {
        let terms: Vec<Lit> = bits
            .iter()
            .enumerate()
            .map(|(k, &b)| if (value >> k) & 1 == 1 { b } else { b ^ 1 })
            .collect();
        self.net.aig.and_all(&terms)
    }

    /// `words[address]`, a multiplexer tree on the address bits.
    fn select_word(&mut self, address: &[Lit], words: &[Vec<Lit>]) -> Vec<Lit> {
        let mut level: Vec<Vec<Lit>> = words.to_vec();
        for &a in address {
            if level.len() == 1 {
                break;
            }
            level = level
                .chunks(2)
                .map(|pair| match pair {
                    [low, high] => self.mux_bits(a, high, low),
                    [only] => only.clone(),
                    _ => unreachable!(),
                })
                .collect();
        }
        level.swap_remove(0)
    }

    fn mux_bits(&mut self, select: Lit, then: &[Lit], otherwise: &[Lit]) -> Vec<Lit> {
        then.iter()
            .zip(otherwise)
            .map(|(&t, &e)| self.net.aig.mux(select, t, e))
            .collect()
    }

    fn expr(&mut self, scope: usize, e: &Expr) -> Vec<Lit> {
        let width = e.width as usize;
        match &e.node {
            Node::Const(v) => constant_bits(e.width, *v),
            Node::Net(n) => self.value(scope, *n),
            Node::Slice { net, hi, lo } => {
                self.value(scope, *net)[*lo as usize..=*hi as usize].to_vec()
            }
            Node::Zext(a) => {
                let mut bits = self.expr(scope, a);
                bits.resize(width, FALSE);
                bits
            }
            Node::Sext(net, _) => {
                let mut bits = self.value(scope, *net);
                let sign = *bits.last().expect("a net has a bit");
                bits.resize(width, sign);
                bits
            }
            Node::Concat(parts) => {
                let mut bits = Vec::with_capacity(width);
                for p in parts.iter().rev() {
                    bits.extend(self.expr(scope, p));
                }
                bits
            }
            Node::Repeat(count, a) => {
                let a = self.expr(scope, a);
                (0..*count).flat_map(|_| a.iter().copied()).collect()
            }
            Node::Unary(op, a) => {
                let a = self.expr(scope, a);
                match op {
                    UnaryOp::Not => a.iter().map(|b| b ^ 1).collect(),
                    UnaryOp::ReduceOr => vec![self.net.aig.or_all(&a)],
                    UnaryOp::ReduceAnd => vec![self.net.aig.and_all(&a)],
                    UnaryOp::ReduceXor => vec![self.net.aig.xor_all(&a)],
                }
            }
            Node::Shift(op, a, k) => {
                let a = self.expr(scope, a);
                let k = (*k as usize).min(width);
                match op {
                    ShiftOp::Left => {
                        let mut bits = vec![FALSE; k];
                        bits.extend(&a[..width - k]);
                        bits
                    }
                    ShiftOp::Right | ShiftOp::RightArithmetic => {
                        let fill = if *op == ShiftOp::Right {
                            FALSE
                        } else {
                            a[width - 1]
                        };
                        let mut bits = a[k..].to_vec();
                        bits.resize(width, fill);
                        bits
                    }
                }
            }
            Node::Mux(s, a, b) => {
                let s = self.expr(scope, s);
                let s = self.net.aig.or_all(&s);
                let a = self.expr(scope, a);
                let b = self.expr(scope, b);
                self.mux_bits(s, &a, &b)
            }
            Node::Binary(op, a, b) => {
                let x = self.expr(scope, a);
                let y = self.expr(scope, b);
                self.binary(*op, &x, &y, a, b)
            }
            Node::Invalid(_) => vec![FALSE; width],
        }
    }

    fn binary(&mut self, op: BinaryOp, x: &[Lit], y: &[Lit], a: &Expr, b: &Expr) -> Vec<Lit> {
        let aig = &mut self.net.aig;
        match op {
            BinaryOp::And => x.iter().zip(y).map(|(&p, &q)| aig.and(p, q)).collect(),
            BinaryOp::Or => x.iter().zip(y).map(|(&p, &q)| aig.or(p, q)).collect(),
            BinaryOp::Xor => x.iter().zip(y).map(|(&p, &q)| aig.xor(p, q)).collect(),
            BinaryOp::Eq | BinaryOp::Ne => {
                let same: Vec<Lit> = x.iter().zip(y).map(|(&p, &q)| aig.xor(p, q) ^ 1).collect();
                let all = aig.and_all(&same);
                vec![if op == BinaryOp::Eq { all } else { all ^ 1 }]
            }
            BinaryOp::Add => self.add(x, y, FALSE),
            BinaryOp::Sub => {
                let not_y: Vec<Lit> = y.iter().map(|b| b ^ 1).collect();
                self.add(x, &not_y, TRUE)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                vec![self.comparison(op, x, y)]
            }
            BinaryOp::Mul => self.multiply(x, y, a, b, false),
            BinaryOp::MulSigned => self.multiply(x, y, a, b, true),
        }
    }

    /// `x op y` for a comparison operator.
    fn comparison(&mut self, op: BinaryOp, x: &[Lit], y: &[Lit]) -> Lit {
        // xc7 cuts comparisons up (`cmp2lcu`) before `opt_expr -fine`
        // could turn any into a reduction; it builds `>` and `>=` alike
        // (swapping the operands of `<` and `<=`), so no polarity costs.
        if let Some(budget) = self.lowering.compare_group_budget {
            return match op {
                BinaryOp::Lt => self.compare_by_groups(y, x, false, budget),
                BinaryOp::Le => self.compare_by_groups(y, x, true, budget),
                BinaryOp::Gt => self.compare_by_groups(x, y, false, budget),
                _ => self.compare_by_groups(x, y, true, budget),
            };
        }
        self.compare_by_alu(op, x, y)
    }

    /// A comparison as `alumacc` builds it for a carry-chain target: one
    /// `$alu` computing `A - B` for the operands in Yosys' signal order
    /// (`SigSpec::operator<`), where only `A < B` is the chain's carry
    /// alone; `A > B` is `!(A < B | A == B)`, `A <= B` is
    /// `A < B | A == B` and `A >= B` is `A > B | A == B`, the equality an
    /// AND over the `$alu`'s X outputs (one XNOR per bit pair).
    fn compare_by_alu(&mut self, op: BinaryOp, x: &[Lit], y: &[Lit]) -> Lit {
        // `wreduce` drops the zero-extension of each operand; the `$alu`
        // is as wide as the wider of the two.
        let (wx, wy) = (unsigned_width(x), unsigned_width(y));
        let w = wx.max(wy).max(1).min(x.len()).min(y.len());
        let (x, y) = (&x[..w], &y[..w]);
        let x_first = match yosys_sorts_first(&self.net.aig, &x[..wx.min(w)], &y[..wy.min(w)]) {
            Some(decided) => decided,
            None => {
                self.net.undecided_comparisons += 1;
                // Only `A < B` is the chain alone: `x < y` is, with x first;
                // `x > y` is, with y first; `<=` and `>=` need the equality
                // either way.
                match self.lowering.undecided_order {
                    OperandOrder::Written => true,
                    OperandOrder::Cheapest => op != BinaryOp::Gt,
                    OperandOrder::Dearest => op != BinaryOp::Lt,
                }
            }
        };
        let (p, q, op) = if x_first {
            (x, y, op)
        } else {
            let mirrored = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Le => BinaryOp::Ge,
                _ => BinaryOp::Le,
            };
            (y, x, mirrored)
        };
        let less = self.subtraction_carry_out(p, q) ^ 1;
        if op == BinaryOp::Lt {
            return less;
        }
        let aig = &mut self.net.aig;
        let same: Vec<Lit> = p.iter().zip(q).map(|(&m, &n)| aig.xor(m, n) ^ 1).collect();
        let equal = aig.and_all(&same);
        let less_or_equal = aig.or(less, equal);
        match op {
            BinaryOp::Le => less_or_equal,
            BinaryOp::Gt => less_or_equal ^ 1,
            _ => aig.or(less_or_equal ^ 1, equal),
        }
    }

    /// Carry out of `x - y` (`x + ~y + 1`; 1 when x >= y). The low bits
    /// whose carry a constant decides are dropped (`opt_expr -fine` on
    /// `$alu`: `x > 63` keeps only the bits from 64 up); a chain left
    /// narrower than the target's is logic.
    fn subtraction_carry_out(&mut self, x: &[Lit], y: &[Lit]) -> Lit {
        let not_y: Vec<Lit> = y.iter().map(|b| b ^ 1).collect();
        let mut carry = TRUE;
        let mut low = 0;
        while low < x.len() {
            let (p, q) = (x[low], not_y[low]);
            // carry 1: out = p | q; carry 0: out = p & q.
            let decided = if carry == TRUE { TRUE } else { FALSE };
            let next = if p == decided || q == decided {
                decided
            } else if p == decided ^ 1 && q == decided ^ 1 {
                decided ^ 1
            } else {
                break;
            };
            carry = next;
            low += 1;
        }
        let (x, not_y) = (&x[low..], &not_y[low..]);
        if x.is_empty() {
            return carry;
        }
        if (x.len() as u32) < self.lowering.min_compare_chain_width {
            for (&p, &q) in x.iter().zip(not_y) {
                carry = self.net.aig.majority(p, q, carry);
            }
            return carry;
        }
        let chain = self.chain(x, not_y, carry);
        self.net.chains[chain].carry_out
    }

    /// `x > y` (`x >= y` if `or_equal`) as `cmp2lcu` builds it: from the top bit down, bit pairs
    /// fill a group until its inputs would exceed `budget`; each group says
    /// whether its bits are equal (propagate) and whether x is greater there
    /// (generate). Three groups or more go to a carry chain (`$lcu`); fewer
    /// are left to LUT logic, as the xc7 `$lcu` map declines them.
    fn compare_by_groups(&mut self, x: &[Lit], y: &[Lit], or_equal: bool, budget: u32) -> Lit {
        // The carry in: x >= y when every group is equal.
        let carry_in = if or_equal { TRUE } else { FALSE };
        let mut bounds = vec![x.len()];
        let mut left = budget;
        for i in (0..x.len()).rev() {
            let inputs = u32::from(x[i] > TRUE) + u32::from(y[i] > TRUE);
            if inputs > left {
                bounds.push(i + 1);
                left = budget;
            }
            left -= inputs;
        }
        bounds.push(0);
        bounds.dedup();
        let mut propagate = Vec::new();
        let mut generate = Vec::new();
        for w in bounds.windows(2).rev() {
            let (lo, hi) = (w[1], w[0]);
            let (mut equal, mut greater) = (TRUE, FALSE);
            for i in lo..hi {
                let aig = &mut self.net.aig;
                let same = aig.xor(x[i], y[i]) ^ 1;
                let here = aig.and(x[i], y[i] ^ 1);
                let below = aig.and(same, greater);
                greater = aig.or(here, below);
                equal = aig.and(equal, same);
            }
            propagate.push(equal);
            generate.push(greater);
        }
        if propagate.len() < 3 {
            let mut carry = carry_in;
            for (&p, &g) in propagate.iter().zip(&generate) {
                let through = self.net.aig.and(p, carry);
                carry = self.net.aig.or(g, through);
            }
            return carry;
        }
        let key = (x.to_vec(), y.to_vec(), carry_in);
        if let Some(&index) = self.lookaheads_by_operands.get(&key) {
            return self.net.lookaheads[index].carry_out;
        }
        let index = self.net.lookaheads.len();
        let carry_out = self.input(Source::Lookahead(index));
        self.net.lookaheads.push(Lookahead {
            propagate,
            generate,
            carry_in,
            carry_out,
        });
        self.lookaheads_by_operands.insert(key, index);
        carry_out
    }

    /// `x + y + carry_in`, truncated to the operands' width. `alumacc`
    /// joins a sum with the sum it adds to: a one-bit addend becomes the
    /// carry in of one `$alu`; a wider one makes a `$macc` of all the
    /// operands (the sum they replace is left unread).
    fn add(&mut self, x: &[Lit], y: &[Lit], carry_in: Lit) -> Vec<Lit> {
        if carry_in == FALSE {
            for (sum, addend) in [(x, y), (y, x)] {
                let Some(operands) = self.sum_operands.get(sum).cloned() else {
                    continue;
                };
                if let (Some(bit), [a, b]) = (single_bit(addend), &operands[..]) {
                    return self.add(a, b, bit);
                }
                let mut operands = operands;
                match self.sum_operands.get(addend) {
                    Some(more) => operands.extend(more.iter().cloned()),
                    None => operands.push(addend.to_vec()),
                }
                return self.multi_operand_sum(operands);
            }
        }
        // A sum of unsigned operands is one bit wider than the wider of
        // them at most: the bits above are 0 (`wreduce`), not chain outputs.
        let wide = unsigned_width(x).max(unsigned_width(y)) + 1;
        let sums = if carry_in != TRUE && wide < x.len() {
            let mut sums = self.ripple(&x[..wide], &y[..wide], carry_in);
            sums.resize(x.len(), FALSE);
            sums
        } else {
            self.ripple(x, y, carry_in)
        };
        let mut operands = vec![x.to_vec(), y.to_vec()];
        if carry_in != FALSE {
            operands.push(vec![carry_in]);
        }
        self.sum_operands.insert(sums.clone(), operands);
        sums
    }

    /// The sum of three operands or more, lowered as `maccmap` lowers a
    /// `$macc`: full adders down to two rows, then one carry chain.
    fn multi_operand_sum(&mut self, operands: Vec<Vec<Lit>>) -> Vec<Lit> {
        let width = operands[0].len();
        let mut columns = Columns::new(width);
        for operand in &operands {
            columns.add_operand(operand, false);
        }
        let sums = self.reduce_columns(columns, width);
        self.sum_operands.insert(sums.clone(), operands);
        sums
    }

    /// The columns of a `$macc` compressed to two rows and added.
    fn reduce_columns(&mut self, columns: Columns, width: usize) -> Vec<Lit> {
        let summands = columns.reduce(&mut self.net.aig);
        match &summands[..] {
            [] => vec![FALSE; width],
            [only] => only.clone(),
            [a, b] => {
                let wide = (unsigned_width(a).max(unsigned_width(b)) + 1).min(width);
                let mut sums = self.ripple(&a[..wide], &b[..wide], FALSE);
                sums.resize(width, FALSE);
                sums
            }
            _ => unreachable!("a $macc reduces to two summands at most"),
        }
    }

    /// `x + y + carry_in` in one carry chain (logic below the chain width).
    fn ripple(&mut self, x: &[Lit], y: &[Lit], carry_in: Lit) -> Vec<Lit> {
        // Low bits where one operand is 0 and no carry comes in are wiring;
        // so are those of a subtraction where the subtrahend is 0 (y, its
        // inverse, is 1): the carry stays 1 (`opt_expr -fine` on `$alu`).
        let mut low = 0;
        if carry_in == FALSE {
            while low < x.len() && (x[low] == FALSE || y[low] == FALSE) {
                low += 1;
            }
        } else if carry_in == TRUE {
            while low < x.len() && y[low] == TRUE {
                low += 1;
            }
        }
        let mut sums: Vec<Lit> = if carry_in == TRUE {
            x[..low].to_vec()
        } else {
            (0..low).map(|k| self.net.aig.or(x[k], y[k])).collect()
        };
        let (x, y) = (&x[low..], &y[low..]);
        if x.is_empty() {
            return sums;
        }
        if (x.len() as u32) < self.lowering.min_chain_width {
            let mut carry = carry_in;
            for (&p, &q) in x.iter().zip(y) {
                let half = self.net.aig.xor(p, q);
                sums.push(self.net.aig.xor(half, carry));
                carry = self.net.aig.majority(p, q, carry);
            }
            return sums;
        }
        let chain = self.chain(x, y, carry_in);
        sums.extend(self.net.chains[chain].sums.clone());
        sums
    }

    /// The chain of `x + y + carry_in`, one per distinct operands (`opt_merge`).
    fn chain(&mut self, x: &[Lit], y: &[Lit], carry_in: Lit) -> usize {
        let key = (x.to_vec(), y.to_vec(), carry_in);
        if let Some(&index) = self.chains_by_operands.get(&key) {
            return index;
        }
        let index = self.net.chains.len();
        let sums = (0..x.len())
            .map(|_| self.input(Source::Chain(index)))
            .collect();
        let carry_out = self.input(Source::Chain(index));
        self.net.chains.push(Chain {
            a: x.to_vec(),
            b: y.to_vec(),
            carry_in,
            sums,
            carry_out,
        });
        self.chains_by_operands.insert(key, index);
        index
    }

    /// A product truncated to the operands' width: a DSP block when the
    /// target has one and the product is wide enough (Yosys' `mul2dsp`
    /// limits), else a `$macc` of partial-product rows (`maccmap`). Yosys
    /// multiplies at the operands' significant widths (`wreduce`).
    fn multiply(&mut self, x: &[Lit], y: &[Lit], a: &Expr, b: &Expr, signed: bool) -> Vec<Lit> {
        let (wa, wb) = (significant_width(a, x), significant_width(b, y));
        let (x_bits, y_bits) = (&x[..wa as usize], &y[..wb as usize]);
        let product_width = (wa + wb).min(x.len() as u64) as usize;
        if let Some(min) = self.lowering.min_dsp_product_width {
            if wa.min(wb) >= 2 && product_width as u64 >= min {
                let block = self.net.blocks.len();
                let outputs: Vec<Lit> = (0..x.len())
                    .map(|_| self.input(Source::Block(block)))
                    .collect();
                let mut inputs = x_bits.to_vec();
                inputs.extend(y_bits);
                self.net.blocks.push(HardBlock {
                    kind: BlockKind::Multiplier { a: wa, b: wb },
                    inputs,
                    outputs: outputs.clone(),
                });
                return outputs;
            }
        }
        let mut columns = Columns::new(product_width);
        columns.add_product(&mut self.net.aig, x_bits, y_bits, signed);
        let logic = self.reduce_columns(columns, product_width);
        let mut product: Vec<Lit> = logic
            .iter()
            .map(|&bit| match self.product_bits.get(&bit) {
                Some(&opaque) => opaque,
                None => {
                    let opaque = self.input(Source::Product);
                    self.net.products.push((opaque, bit));
                    self.product_bits.insert(bit, opaque);
                    opaque
                }
            })
            .collect();
        let fill = match product.last() {
            Some(&top) if signed => top,
            _ => FALSE,
        };
        product.resize(x.len(), fill);
        product
    }
}

/// Operand bits that carry information: a zero or sign extension adds none.
fn significant_width(e: &Expr, bits: &[Lit]) -> u64 {
    match &e.node {
        Node::Sext(_, w) => u64::from(*w),
        Node::Zext(inner) => u64::from(inner.width),
        _ => unsigned_width(bits).max(1) as u64,
    }
}

/// Bits up to the highest that is not a constant 0 (`wreduce` on an
/// unsigned operand).
fn unsigned_width(bits: &[Lit]) -> usize {
    bits.len() - bits.iter().rev().take_while(|&&b| b == FALSE).count()
}

/// Whether Yosys' `SigSpec` order puts `x` before `y` (`alumacc` makes the
/// first the `$alu`'s A): the narrower first; at equal width the one of
/// fewer chunks, then the smaller hash. A wire's hash (`mkhash` of its
/// name's index, offset and width) is near 5381 * 33^3 for the low name
/// indices a module has; a constant's is `mkhash` over its bits, so it is
/// known. Between two signals the hash follows name indices hebb cannot
/// know (`None`: the same Verilog read after a module of unused wires
/// flips it, `tools::gates::Reading`).
fn yosys_sorts_first(aig: &Aig, x: &[Lit], y: &[Lit]) -> Option<bool> {
    if x.len() != y.len() {
        return Some(x.len() < y.len());
    }
    const WIRE_HASH: u32 = 193_400_000;
    match (constant_value(x), constant_value(y)) {
        (Some(_), Some(_)) => Some(true),
        (Some(_), None) => Some(constant_hash(x) < WIRE_HASH),
        (None, Some(_)) => Some(constant_hash(y) >= WIRE_HASH),
        (None, None) => {
            let (cx, cy) = (chunks(aig, x), chunks(aig, y));
            (cx != cy).then_some(cx < cy)
        }
    }
}

/// Yosys' `SigSpec` hash of constant bits (`mkhash`, djb2 with XOR).
fn constant_hash(bits: &[Lit]) -> u32 {
    bits.iter().fold(5381u32, |h, &b| {
        (h << 5).wrapping_add(h) ^ u32::from(b == TRUE)
    })
}

/// Chunks of the signal `bits` are in Yosys: runs of consecutive bits of
/// one wire (a register's, a port's or a cell's outputs, which hebb numbers
/// in order), constants, or logic (one cell's output, as far as hebb knows).
fn chunks(aig: &Aig, bits: &[Lit]) -> usize {
    let class = |b: Lit| match aig.node(node_of(b)) {
        AigNode::Const => 0,
        AigNode::Input if b & 1 == 0 => 2 + u64::from(node_of(b)),
        _ => 1,
    };
    let mut count = 0;
    let mut previous: Option<u64> = None;
    for &b in bits {
        let c = class(b);
        let continues = match previous {
            Some(p) if c < 2 => p == c,
            Some(p) => p + 1 == c,
            None => false,
        };
        if !continues {
            count += 1;
        }
        previous = Some(c);
    }
    count
}

/// The bit of a zero-extended one-bit value.
fn single_bit(bits: &[Lit]) -> Option<Lit> {
    match bits.split_first() {
        Some((&b, rest)) if b > TRUE && rest.iter().all(|&r| r == FALSE) => Some(b),
        _ => None,
    }
}

/// The value of `bits` if every bit is a constant.
fn constant_value(bits: &[Lit]) -> Option<u64> {
    if bits.len() > 64 || bits.iter().any(|&b| b > TRUE) {
        return None;
    }
    Some(
        bits.iter()
            .enumerate()
            .map(|(k, &b)| u64::from(b) << k)
            .sum(),
    )
}

fn constant_bits(width: u32, value: u64) -> Vec<Lit> {
    (0..width)
        .map(|k| {
            if k < 64 && (value >> k) & 1 == 1 {
                TRUE
            } else {
                FALSE
            }
        })
        .collect()
}
