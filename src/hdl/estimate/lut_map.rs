//! K-input LUT mapping of an and-inverter graph by priority cuts, as
//! ABC's `if` mapper that Yosys runs (without its choice nodes): every
//! node keeps its eight best K-feasible cuts; three starting covers (by
//! delay; by delay, then area; by area flow within the delay reached), an
//! area-flow pass and two exact-area passes each re-rank the cuts of every
//! node in the graph's order, keeping every root as early as the deepest.
//! Ranks, ties (edges, leaves' references), cut filtering and reference
//! estimates follow ABC's `ifMap.c` and `ifCut.c`; on the calibration
//! sets' logic the xc7 covers match `yosys-abc -c "strash; if"` LUT for
//! LUT in 17 of 25 designs (the widest gaps: 16 LUTs for 18, 244 for
//! 229).

use super::aig::{Aig, AigNode, Lit, is_inverted, node_of};

/// Cuts kept per node between passes (ABC's `if -C 8`).
const PRIORITY_CUTS: usize = 8;
/// Exact-area passes after the area-flow pass (`if -F 1 -A 2`).
const AREA_RECOVERY_PASSES: usize = 2;

#[derive(Debug, Clone, PartialEq)]
struct Cut {
    /// Leaf nodes, ascending.
    leaves: Vec<u32>,
    /// LUT levels from the graph's inputs, through the leaves' best cuts.
    delay: u32,
    /// Area flow, or in an exact-area pass the LUT area the cut alone
    /// brings in.
    area: f32,
    /// Edges (LUT inputs) likewise: by flow, or exact.
    edges: f32,
    /// Mean references of the leaves in the cover (area passes).
    average_refs: f32,
    /// More than one LUT: a 4:1 multiplexer in two LUT4 (`leaves` beyond
    /// K; never merged into a larger cut).
    pair: bool,
}

/// The LUTs a mapping may use: up to `k` inputs; by input count, the area
/// cost the mapper minimizes (ABC's `-lut` cost table) and the LUT cells a
/// LUT of that size takes (xc7 builds 7 and 8 inputs from 2 and 4 LUT6
/// with MUXF7/MUXF8).
#[derive(Debug, Clone, Copy)]
pub struct LutLibrary {
    pub k: usize,
    pub area: [u32; 9],
    pub cells: [u32; 9],
    /// LUT levels every pass may add beyond the deepest root of the cover
    /// before it. ABC maps for depth, then restructures (`dch`, `mfs2`) what a
    /// plain cut mapper cannot; on iCE40 one level of slack stands in for
    /// that, on xc7 (whose LUT6 leave less to restructure) none. Chosen on
    /// the calibration sets as a whole, the same for every unit.
    pub depth_slack: u32,
    /// A 4:1 multiplexer fits two LUTs (LUT4: the first passes one select
    /// through when the other is set, a decomposition ABC's resynthesis
    /// finds and a cut cannot); with LUT6 it is one cut of its own.
    pub mux4_in_two: bool,
}

impl LutLibrary {
    /// The library as ABC's `read_lut` takes it: per LUT size its area and
    /// delay (one level each).
    pub fn abc_lut_library(&self) -> String {
        (1..=self.k)
            .map(|size| format!("{size} {}.00 1.00\n", self.area[size]))
            .collect()
    }

    /// iCE40: LUT4, every size alike.
    pub const ICE40: LutLibrary = LutLibrary {
        k: 4,
        area: [1; 9],
        cells: [1; 9],
        depth_slack: 1,
        mux4_in_two: true,
    };
    /// xc7 as `synth_xilinx` asks ABC for it: `-luts 2:2,3,6:5,10,20`
    /// (costs 2 for one and two inputs, 3 for three, 5 for four to six,
    /// 10 and 20 for seven and eight, as the `lutdefs.txt` Yosys writes).
    pub const XC7: LutLibrary = LutLibrary {
        k: 8,
        area: [2, 2, 2, 3, 5, 5, 5, 10, 20],
        cells: [1, 1, 1, 1, 1, 1, 1, 2, 4],
        depth_slack: 0,
        mux4_in_two: false,
    };
}

/// An iCE40 carry chain's sum LUT: its output node and the operand bits
/// it reads besides the carry (`SB_LUT4` I1 and I2, I3 being the carry).
pub type SumLut = (u32, [Lit; 2]);

/// LUT cells that implement every root literal. `sums` are iCE40 sum LUTs
/// (counted by the caller) that may absorb the one LUT reading them.
pub fn lut_count(aig: &Aig, roots: &[Lit], library: LutLibrary, sums: &[SumLut]) -> u64 {
    let mapper = Cover::mapped(aig, library, roots);
    let luts: u32 = mapper
        .luts()
        .map(|i| {
            let cut = mapper.best[i].as_ref().expect("a mapped node has a cut");
            if cut.pair {
                2 * library.cells[4]
            } else if cut.leaves.len() > 6 {
                wide_lut_cells(aig, i as u32, &cut.leaves)
            } else {
                library.cells[cut.leaves.len()]
            }
        })
        .sum();
    // An inverted flip-flop or port feeding a root is a LUT of its own.
    let mut inverters: Vec<Lit> = roots
        .iter()
        .copied()
        .filter(|&r| is_inverted(r) && aig.node(node_of(r)) == AigNode::Input)
        .collect();
    inverters.sort_unstable();
    inverters.dedup();
    let absorbed = absorbed_by_sums(aig, roots, &mapper, sums);
    u64::from(luts) + inverters.len() as u64 - absorbed
}

/// LUTs (of any size) the mapper covers `roots` with: what ABC's `if`
/// counts on the same graph with the same library, as nothing after the
/// cover (sum LUTs, inverters, xc7 LUT7/LUT8 cells) is added.
pub fn cover_luts(aig: &Aig, roots: &[Lit], library: LutLibrary) -> u64 {
    Cover::mapped(aig, library, roots).luts().count() as u64
}

/// LUT6 cells of a 7- or 8-input LUT: Yosys' xc7 `lut_map.v` splits it
/// on its last one or two inputs into two or four LUT6 joined by MUXF7 and
/// MUXF8, and a LUT6 whose half of the truth table is constant is removed
/// (the multiplexers stay). An AND of eight is one LUT6, not four.
fn wide_lut_cells(aig: &Aig, root: u32, leaves: &[u32]) -> u32 {
    let table = truth_table(aig, root, leaves);
    let halves = 1usize << (leaves.len() - 6);
    table[..halves]
        .iter()
        .filter(|&&word| word != 0 && word != u64::MAX)
        .count()
        .max(1) as u32
}

/// The function of `root` over `leaves` (leaf j is variable j; minterm m
/// is bit m % 64 of word m / 64), for up to eight leaves.
fn truth_table(aig: &Aig, root: u32, leaves: &[u32]) -> [u64; 4] {
    const VARIABLES: [u64; 6] = [
        0xAAAA_AAAA_AAAA_AAAA,
        0xCCCC_CCCC_CCCC_CCCC,
        0xF0F0_F0F0_F0F0_F0F0,
        0xFF00_FF00_FF00_FF00,
        0xFFFF_0000_FFFF_0000,
        0xFFFF_FFFF_0000_0000,
    ];
    let variable = |j: usize| -> [u64; 4] {
        std::array::from_fn(|w| match j {
            0..=5 => VARIABLES[j],
            _ if (w >> (j - 6)) & 1 == 1 => u64::MAX,
            _ => 0,
        })
    };
    let mut known: std::collections::HashMap<u32, [u64; 4]> = leaves
        .iter()
        .enumerate()
        .map(|(j, &l)| (l, variable(j)))
        .collect();
    known.insert(0, [0; 4]);
    let mut stack = vec![root];
    while let Some(&node) = stack.last() {
        if known.contains_key(&node) {
            stack.pop();
            continue;
        }
        let AigNode::And(a, b) = aig.node(node) else {
            unreachable!("a cut's cone ends at its leaves")
        };
        let (Some(&ta), Some(&tb)) = (known.get(&node_of(a)), known.get(&node_of(b))) else {
            stack.extend([node_of(a), node_of(b)]);
            continue;
        };
        let value = |t: [u64; 4], lit: Lit| t.map(|w| if is_inverted(lit) { !w } else { w });
        let (va, vb) = (value(ta, a), value(tb, b));
        known.insert(node, std::array::from_fn(|w| va[w] & vb[w]));
        stack.pop();
    }
    known[&root]
}

/// LUTs of the cover that Yosys merges into an iCE40 sum LUT: after ABC,
/// `synth_ice40` runs `opt_lut -dlogic SB_CARRY:I0=1:I1=2:CI=3`, which
/// folds a LUT into the one LUT feeding it when that is its only reader
/// and the inputs fit. The sum LUT's I1, I2 and I3 stay tied to the carry
/// cell's operands and carry, so what it absorbs may read one signal more
/// (on the free I0) besides the sum and its operands. Each sum LUT and
/// each reader merges once (the merged LUT has no input left). Where the
/// one more signal is logic (`~clear & sum`, `clear` an equality tree),
/// it must be a LUT of its own in Yosys' cover too: ABC's restructuring
/// (`dch`), which the cover does not model, folds the last level of such
/// logic into the reader on a path with no level to spare (sc_decoder
/// window=1000: 19 such 4-input LUTs, none merged), and keeps it apart
/// off the deepest paths (sc_dot_product: 7 merged, as the cover gives).
fn absorbed_by_sums(aig: &Aig, roots: &[Lit], mapper: &Cover, sums: &[SumLut]) -> u64 {
    if sums.is_empty() {
        return 0;
    }
    let n = aig.len();
    // Readers of each node: mapped LUTs by their cut, roots.
    let mut readers = vec![0u32; n];
    let mut reader = vec![u32::MAX; n];
    for i in mapper.luts() {
        for &l in &mapper.best[i]
            .as_ref()
            .expect("a mapped node has a cut")
            .leaves
        {
            readers[l as usize] += 1;
            reader[l as usize] = i as u32;
        }
    }
    for &r in roots {
        readers[node_of(r) as usize] += 1;
        reader[node_of(r) as usize] = u32::MAX;
    }
    let mut merged = vec![false; n];
    let mut absorbed = 0;
    for &(sum, operands) in sums {
        let s = sum as usize;
        if readers[s] != 1 || reader[s] == u32::MAX {
            continue;
        }
        let lut = reader[s] as usize;
        let cut = mapper.best[lut].as_ref().expect("a mapped node has a cut");
        if merged[lut] {
            continue;
        }
        let extra: Vec<u32> = cut
            .leaves
            .iter()
            .copied()
            .filter(|&l| l != sum && operands.iter().all(|&o| node_of(o) != l))
            .collect();
        let off_deepest = cut.delay + mapper.library.depth_slack < mapper.required[lut];
        let room = extra.iter().all(|&l| aig.node(l) == AigNode::Input) || off_deepest;
        if extra.len() <= 1 && room {
            merged[lut] = true;
            absorbed += 1;
        }
    }
    absorbed
}

/// The six (or fewer) leaves of `node` if it is a 4:1 multiplexer: one
/// select choosing between two multiplexers of one other select.
fn mux4_leaves(aig: &Aig, node: u32) -> Option<Vec<u32>> {
    let mux_at = |lit: Lit| aig.mux_of(lit).or_else(|| aig.mux_of(lit ^ 1));
    let (outer, then, otherwise) = mux_at(node << 1)?;
    let (inner, d1, d0) = mux_at(then)?;
    let (other, d3, d2) = mux_at(otherwise)?;
    // Over other multiplexers (the upper levels of a wide one), ABC keeps
    // the plain cuts.
    if node_of(inner) != node_of(other) || [d0, d1, d2, d3].iter().any(|&d| mux_at(d).is_some()) {
        return None;
    }
    let mut leaves: Vec<u32> = [outer, inner, d0, d1, d2, d3]
        .iter()
        .map(|&l| node_of(l))
        .collect();
    leaves.sort_unstable();
    leaves.dedup();
    Some(leaves)
}

fn merge(a: &[u32], b: &[u32], k: usize) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(k);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(_), Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => unreachable!(),
        };
        if out.len() == k {
            return None;
        }
        out.push(next);
    }
    Some(out)
}

/// How a pass ranks the cuts of a node (ABC's `SortMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rank {
    /// Delay, then fewest leaves, then area.
    Delay,
    /// Delay, then area, then fewest leaves.
    DelayThenArea,
    /// Area, then leaves read most, then fewest leaves, then delay.
    Area,
}

/// One pass over the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// A starting cover: every node takes its first cut by `Rank` if that
    /// is ready by the node's required level (area by flow).
    Start(Rank),
    /// Area flow, among the cuts ready by the required level.
    Flow,
    /// Exact area (the LUTs a cut alone brings in), likewise.
    Exact,
}

/// ABC's tolerance when it compares areas and delays.
const EPSILON: f32 = 0.005;

/// The chosen cut of every node and how many mapped LUTs (or roots) use it.
struct Cover<'a> {
    aig: &'a Aig,
    library: LutLibrary,
    roots: Vec<u32>,
    /// Readers of each node in the graph (roots count once each).
    fanouts: Vec<u32>,
    /// The cuts each node offers its readers (besides itself).
    cuts: Vec<Vec<Cut>>,
    best: Vec<Option<Cut>>,
    /// References: in the graph during the starting passes, in the cover
    /// after them.
    refs: Vec<u32>,
    /// Expected references, for area flow.
    estimated_refs: Vec<f32>,
    /// The level each mapped node must be ready by.
    required: Vec<u32>,
}

impl<'a> Cover<'a> {
    /// The cover ABC's `if` makes of `roots`.
    fn mapped(aig: &'a Aig, library: LutLibrary, roots: &[Lit]) -> Cover<'a> {
        let mut cover = Cover::new(aig, library, roots);
        cover.map();
        cover
    }

    fn new(aig: &'a Aig, library: LutLibrary, roots: &[Lit]) -> Cover<'a> {
        let n = aig.len();
        let mut roots: Vec<u32> = roots.iter().map(|&r| node_of(r)).collect();
        roots.sort_unstable();
        roots.dedup();
        let mut fanouts = vec![0u32; n];
        for i in 0..n {
            if let AigNode::And(a, b) = aig.node(i as u32) {
                fanouts[node_of(a) as usize] += 1;
                fanouts[node_of(b) as usize] += 1;
            }
        }
        for &r in &roots {
            fanouts[r as usize] += 1;
        }
        Cover {
            aig,
            library,
            roots,
            refs: fanouts.clone(),
            fanouts,
            cuts: vec![Vec::new(); n],
            best: vec![None; n],
            estimated_refs: vec![1.0; n],
            required: vec![u32::MAX; n],
        }
    }

    fn is_and(&self, node: usize) -> bool {
        matches!(self.aig.node(node as u32), AigNode::And(..))
    }

    /// The nodes whose cut is a LUT of the cover.
    fn luts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.aig.len()).filter(|&i| self.refs[i] > 0 && self.is_and(i))
    }

    /// ABC's `if`: three starting covers (by delay, by delay then area, by
    /// area flow within the delay reached), an area-flow pass and two
    /// exact-area passes, each keeping every root as early as the deepest.
    fn map(&mut self) {
        for rank in [Rank::Delay, Rank::DelayThenArea, Rank::Area] {
            self.refs.clone_from(&self.fanouts);
            self.pass(Pass::Start(rank));
            self.mark_cover();
        }
        self.pass(Pass::Flow);
        self.mark_cover();
        for _ in 0..AREA_RECOVERY_PASSES {
            self.pass(Pass::Exact);
            self.mark_cover();
        }
    }

    fn pass(&mut self, pass: Pass) {
        let rank = match pass {
            Pass::Start(rank) => rank,
            Pass::Flow | Pass::Exact => Rank::Area,
        };
        let recovering = !matches!(pass, Pass::Start(_));
        for i in 0..self.aig.len() {
            let AigNode::And(a, b) = self.aig.node(i as u32) else {
                continue;
            };
            match pass {
                Pass::Start(_) => self.estimated_refs[i] = self.refs[i] as f32,
                Pass::Flow => {
                    self.estimated_refs[i] =
                        (2.0 * self.estimated_refs[i] + self.refs[i] as f32) / 3.0;
                }
                Pass::Exact => {}
            }
            let mapped = recovering && self.refs[i] > 0;
            if mapped {
                let best = self.best[i].clone().expect("a mapped node has a cut");
                self.dereference(&best);
            }
            let mut set: Vec<Cut> = Vec::new();
            if let Some(mut previous) = self.best[i].take() {
                previous.delay = self.delay(&previous.leaves, previous.pair);
                (previous.area, previous.edges) = self.area(&previous, pass);
                if recovering {
                    set.push(previous.clone());
                }
                self.best[i] = Some(previous);
            }
            let (fa, fb) = (node_of(a) as usize, node_of(b) as usize);
            let from_a = self.leaf_sets(fa);
            let from_b = self.leaf_sets(fb);
            for ca in &from_a {
                for cb in &from_b {
                    let Some(leaves) = merge(ca, cb, self.library.k) else {
                        continue;
                    };
                    if dominated(&mut set, &leaves) {
                        continue;
                    }
                    self.offer(&mut set, i, leaves, false, pass, rank);
                }
            }
            if self.library.mux4_in_two {
                if let Some(leaves) = mux4_leaves(self.aig, i as u32) {
                    if !dominated(&mut set, &leaves) {
                        self.offer(&mut set, i, leaves, true, pass, rank);
                    }
                }
            }
            let first = set.first().expect("two fanins make a cut").clone();
            if recovering || first.delay <= self.required[i] {
                self.best[i] = Some(first);
            }
            if mapped {
                let best = self.best[i].clone().expect("a mapped node has a cut");
                self.reference(&best);
            }
            self.cuts[i] = set;
        }
    }

    /// Ranks a new cut of `node` into `set` (at most `PRIORITY_CUTS`), if
    /// an area pass finds it ready in time.
    fn offer(
        &mut self,
        set: &mut Vec<Cut>,
        node: usize,
        leaves: Vec<u32>,
        pair: bool,
        pass: Pass,
        rank: Rank,
    ) {
        let delay = self.delay(&leaves, pair);
        let recovering = !matches!(pass, Pass::Start(_));
        if recovering && delay > self.required[node] {
            return;
        }
        let mut cut = Cut {
            leaves,
            delay,
            area: 0.0,
            edges: 0.0,
            average_refs: 0.0,
            pair,
        };
        (cut.area, cut.edges) = self.area(&cut, pass);
        if recovering {
            cut.average_refs = cut
                .leaves
                .iter()
                .map(|&l| self.refs[l as usize] as f32)
                .sum::<f32>()
                / cut.leaves.len() as f32;
        }
        let at = set
            .iter()
            .position(|c| compare(rank, c, &cut) == std::cmp::Ordering::Greater)
            .unwrap_or(set.len());
        set.insert(at, cut);
        set.truncate(PRIORITY_CUTS);
    }

    /// The leaf sets a fanin offers: its cuts, then itself.
    fn leaf_sets(&self, fanin: usize) -> Vec<Vec<u32>> {
        self.cuts[fanin]
            .iter()
            .filter(|c| !c.pair)
            .map(|c| c.leaves.clone())
            .chain(std::iter::once(vec![fanin as u32]))
            .collect()
    }

    fn levels(pair: bool) -> u32 {
        if pair { 2 } else { 1 }
    }

    fn arrival(&self, node: u32) -> u32 {
        self.best[node as usize].as_ref().map_or(0, |c| c.delay)
    }

    fn delay(&self, leaves: &[u32], pair: bool) -> u32 {
        Self::levels(pair) + leaves.iter().map(|&l| self.arrival(l)).max().unwrap_or(0)
    }

    fn lut_area(&self, cut: &Cut) -> u32 {
        if cut.pair {
            2 * self.library.area[4]
        } else {
            self.library.area[cut.leaves.len()]
        }
    }

    /// LUT inputs of `cut` (a pair's second LUT reads the first).
    fn lut_edges(cut: &Cut) -> u32 {
        cut.leaves.len() as u32 + u32::from(cut.pair)
    }

    /// Area and edges of `cut`: exact (what it alone brings in) in an
    /// exact-area pass, else by flow (each leaf's share of its own).
    fn area(&mut self, cut: &Cut, pass: Pass) -> (f32, f32) {
        if pass == Pass::Exact {
            let (area, edges) = self.reference(cut);
            self.dereference(cut);
            return (area as f32, edges as f32);
        }
        let mut area = self.lut_area(cut) as f32;
        let mut edges = Self::lut_edges(cut) as f32;
        for &l in &cut.leaves {
            let l = l as usize;
            let Some(best) = &self.best[l] else {
                continue;
            };
            let share = if self.refs[l] == 0 {
                1.0
            } else {
                self.estimated_refs[l]
            };
            area += best.area / share;
            edges += best.edges / share;
        }
        (area, edges)
    }

    /// References the leaves of `cut`; returns the LUT area and edges this
    /// brings in.
    fn reference(&mut self, cut: &Cut) -> (u32, u32) {
        self.count_references(cut, true)
    }

    /// Undoes [`Cover::reference`]; returns the LUT area and edges freed.
    fn dereference(&mut self, cut: &Cut) -> (u32, u32) {
        self.count_references(cut, false)
    }

    /// Adds (or removes) one reference to each leaf of `cut`, and through
    /// the best cut of every leaf that comes into (or drops out of) use.
    fn count_references(&mut self, cut: &Cut, add: bool) -> (u32, u32) {
        let (mut area, mut edges) = (self.lut_area(cut), Self::lut_edges(cut));
        for &l in &cut.leaves {
            let l = l as usize;
            let in_use_before = self.refs[l] > 0;
            if add {
                self.refs[l] += 1;
            } else {
                self.refs[l] -= 1;
            }
            if in_use_before != (self.refs[l] > 0) && self.is_and(l) {
                let best = self.best[l].clone().expect("a leaf node has a cut");
                let (a, e) = self.count_references(&best, add);
                area += a;
                edges += e;
            }
        }
        (area, edges)
    }

    /// Counts references in the cover the best cuts make from the roots,
    /// and the level each mapped node is required by: the deepest root's
    /// (plus the library's slack) at every root.
    fn mark_cover(&mut self) {
        self.refs.fill(0);
        self.required.fill(u32::MAX);
        let roots = self.roots.clone();
        for &r in &roots {
            self.mark(r as usize);
        }
        let deepest = roots.iter().map(|&r| self.arrival(r)).max().unwrap_or(0);
        for &r in &roots {
            self.required[r as usize] = deepest + self.library.depth_slack;
        }
        for node in (0..self.aig.len()).rev() {
            if self.refs[node] == 0 || !self.is_and(node) {
                continue;
            }
            let cut = self.best[node].as_ref().expect("a mapped node has a cut");
            let r = self.required[node].saturating_sub(Self::levels(cut.pair));
            for &l in &cut.leaves {
                let l = l as usize;
                self.required[l] = self.required[l].min(r);
            }
        }
    }

    fn mark(&mut self, node: usize) {
        self.refs[node] += 1;
        if self.refs[node] > 1 || !self.is_and(node) {
            return;
        }
        let leaves = self.best[node]
            .as_ref()
            .expect("a mapped node has a cut")
            .leaves
            .clone();
        for l in leaves {
            self.mark(l as usize);
        }
    }
}

/// ABC's cut order for `rank` (`If_ManSortCompare`).
fn compare(rank: Rank, x: &Cut, y: &Cut) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let near = |a: f32, b: f32| {
        if a < b - EPSILON {
            Less
        } else if a > b + EPSILON {
            Greater
        } else {
            Equal
        }
    };
    let area = || near(x.area, y.area);
    let edges = || near(x.edges, y.edges);
    let delay = || x.delay.cmp(&y.delay);
    let leaves = || x.leaves.len().cmp(&y.leaves.len());
    match rank {
        Rank::Delay => delay().then_with(leaves).then_with(area).then_with(edges),
        Rank::DelayThenArea => delay().then_with(area).then_with(edges).then_with(leaves),
        Rank::Area => area()
            .then_with(edges)
            .then_with(|| y.average_refs.total_cmp(&x.average_refs))
            .then_with(leaves)
            .then_with(delay),
    }
}

/// Whether `leaves` contain a cut of `set` (ABC's `If_CutFilter`); cuts
/// of `set` that contain `leaves` go.
fn dominated(set: &mut Vec<Cut>, leaves: &[u32]) -> bool {
    let contains = |big: &[u32], small: &[u32]| small.iter().all(|l| big.binary_search(l).is_ok());
    if set
        .iter()
        .any(|c| c.leaves.len() <= leaves.len() && contains(leaves, &c.leaves))
    {
        return true;
    }
    // The first cut stays (ABC's `If_CutFilter`).
    let mut index = 0;
    set.retain(|c| {
        index += 1;
        index == 1 || !(c.leaves.len() > leaves.len() && contains(&c.leaves, leaves))
    });
    false
}
