//! K-input LUT mapping of an and-inverter graph by priority cuts, the
//! scheme of ABC's `if` mapper that Yosys runs (without its choice nodes):
//! every node keeps its few best K-feasible cuts, a depth-optimal cover is
//! taken from the roots, then its area is recovered by exact local area
//! without making any root deeper than the deepest.

use super::aig::{Aig, AigNode, Lit, is_inverted, node_of};

/// Cuts kept per node (by arrival, then area flow), and the one ABC's
/// delay pass ranks first if it is not among them.
const PRIORITY_CUTS: usize = 8;
/// Exact-area passes after the area-flow cover.
const AREA_RECOVERY_PASSES: usize = 2;

#[derive(Debug, Clone, PartialEq)]
struct Cut {
    /// Leaf nodes, ascending.
    leaves: Vec<u32>,
    area_flow: f32,
    /// LUT levels from the graph's inputs, through the leaves' best cuts.
    arrival: u32,
    /// More than one LUT: a 4:1 multiplexer in two LUT4 (`leaves` beyond
    /// K; never merged into a larger cut).
    pair: bool,
}

impl Cut {
    /// A cut of `leaves` (two LUTs if `pair`), its area flow and arrival
    /// through the leaves' best cuts so far.
    fn new(
        leaves: Vec<u32>,
        pair: bool,
        library: LutLibrary,
        flow: &[f32],
        depth: &[u32],
        fanouts: &[u32],
    ) -> Cut {
        let (area, levels) = if pair {
            (2 * library.area[4], 2)
        } else {
            (library.area[leaves.len()], 1)
        };
        let area_flow = area as f32
            + leaves
                .iter()
                .map(|&l| flow[l as usize] / fanouts[l as usize].max(1) as f32)
                .sum::<f32>();
        let arrival = levels + leaves.iter().map(|&l| depth[l as usize]).max().unwrap_or(0);
        Cut {
            leaves,
            area_flow,
            arrival,
            pair,
        }
    }
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
    /// LUT levels the area recovery may add beyond the depth-optimal
    /// cover. ABC maps for depth, then restructures (`dch`, `mfs2`) what a
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
    let k = library.k;
    let n = aig.len();
    let mut fanouts = vec![0u32; n];
    for i in 0..n {
        if let AigNode::And(a, b) = aig.node(i as u32) {
            fanouts[node_of(a) as usize] += 1;
            fanouts[node_of(b) as usize] += 1;
        }
    }
    for &r in roots {
        fanouts[node_of(r) as usize] += 1;
    }

    // Cuts by area flow, in topological order (a node follows its fanins).
    let mut cuts: Vec<Vec<Cut>> = vec![Vec::new(); n];
    let mut best: Vec<usize> = vec![0; n];
    let mut flow = vec![0f32; n];
    let mut depth = vec![0u32; n];
    let itself: Vec<[u32; 1]> = (0..n as u32).map(|i| [i]).collect();
    for i in 0..n {
        let AigNode::And(a, b) = aig.node(i as u32) else {
            continue;
        };
        let (a, b) = (node_of(a) as usize, node_of(b) as usize);
        let mut candidates: Vec<Cut> = Vec::new();
        for ca in leaf_sets(&cuts[a], &itself[a]) {
            for cb in leaf_sets(&cuts[b], &itself[b]) {
                let Some(leaves) = merge(ca, cb, k) else {
                    continue;
                };
                if candidates.iter().any(|c| c.leaves == leaves) {
                    continue;
                }
                candidates.push(Cut::new(leaves, false, library, &flow, &depth, &fanouts));
            }
        }
        if library.mux4_in_two {
            if let Some(leaves) = mux4_leaves(aig, i as u32) {
                candidates.push(Cut::new(leaves, true, library, &flow, &depth, &fanouts));
            }
        }
        // ABC's delay pass ranks by arrival, then fewest leaves (room to
        // grow above); its first choice stays beside the area-flow ranking.
        let fewest_leaves = candidates
            .iter()
            .min_by(|x, y| {
                x.arrival
                    .cmp(&y.arrival)
                    .then(x.leaves.len().cmp(&y.leaves.len()))
                    .then(x.area_flow.total_cmp(&y.area_flow))
            })
            .cloned();
        candidates.sort_by(|x, y| {
            x.arrival
                .cmp(&y.arrival)
                .then(x.area_flow.total_cmp(&y.area_flow))
                .then(x.leaves.len().cmp(&y.leaves.len()))
        });
        candidates.truncate(PRIORITY_CUTS);
        if let Some(cut) = fewest_leaves {
            if !candidates.contains(&cut) {
                candidates.push(cut);
            }
        }
        flow[i] = candidates.first().map_or(0.0, |c| c.area_flow);
        depth[i] = candidates.first().map_or(0, |c| c.arrival);
        cuts[i] = candidates;
        best[i] = 0;
    }

    let bound = library.depth_slack
        + roots
            .iter()
            .map(|&r| depth[node_of(r) as usize])
            .max()
            .unwrap_or(0);
    let mut mapper = Cover {
        aig,
        library,
        cuts: &cuts,
        best,
        refs: vec![0; n],
        depth,
        required: vec![u32::MAX; n],
    };
    for &r in roots {
        mapper.reference_node(node_of(r) as usize);
    }
    for _ in 0..AREA_RECOVERY_PASSES {
        mapper.require(bound);
        mapper.recover_area();
    }
    let luts: u32 = (0..n)
        .filter(|&i| mapper.refs[i] > 0 && mapper.is_and(i))
        .map(|i| {
            let cut = &cuts[i][mapper.best[i]];
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
/// each reader merges once (the merged LUT has no input left). The one
/// more signal must be a flip-flop, port or carry: where it is logic
/// (`~clear & sum` with `clear` an equality tree), ABC maps for depth and
/// folds that logic's last level into the reader, which then has no room
/// (sc_decoder window=1000: 19 such 4-input LUTs, none merged).
fn absorbed_by_sums(aig: &Aig, roots: &[Lit], mapper: &Cover, sums: &[SumLut]) -> u64 {
    if sums.is_empty() {
        return 0;
    }
    let n = aig.len();
    // Readers of each node: mapped LUTs by their cut, roots.
    let mut readers = vec![0u32; n];
    let mut reader = vec![u32::MAX; n];
    for i in 0..n {
        if mapper.refs[i] == 0 || !mapper.is_and(i) {
            continue;
        }
        for &l in &mapper.cuts[i][mapper.best[i]].leaves {
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
        let cut = &mapper.cuts[lut][mapper.best[lut]];
        if merged[lut] {
            continue;
        }
        let extra: Vec<u32> = cut
            .leaves
            .iter()
            .copied()
            .filter(|&l| l != sum && operands.iter().all(|&o| node_of(o) != l))
            .collect();
        if extra.len() <= 1 && extra.iter().all(|&l| aig.node(l) == AigNode::Input) {
            merged[lut] = true;
            absorbed += 1;
        }
    }
    absorbed
}

/// The leaf sets a fanin offers: itself, then its cuts.
fn leaf_sets<'a>(cuts: &'a [Cut], itself: &'a [u32]) -> impl Iterator<Item = &'a [u32]> {
    std::iter::once(itself).chain(cuts.iter().filter(|c| !c.pair).map(|c| c.leaves.as_slice()))
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

/// The chosen cut of every node and how many mapped LUTs (or roots) use it.
struct Cover<'a> {
    aig: &'a Aig,
    library: LutLibrary,
    cuts: &'a [Vec<Cut>],
    best: Vec<usize>,
    refs: Vec<u32>,
    /// LUT levels of each node through the chosen cuts.
    depth: Vec<u32>,
    /// The level each mapped node must be ready by.
    required: Vec<u32>,
}

impl Cover<'_> {
    fn is_and(&self, node: usize) -> bool {
        matches!(self.aig.node(node as u32), AigNode::And(..))
    }

    /// References `node` as a LUT output; returns the LUTs this brings in.
    fn reference_node(&mut self, node: usize) -> u32 {
        self.refs[node] += 1;
        if self.refs[node] > 1 || !self.is_and(node) {
            return 0;
        }
        self.cost(node, self.best[node]) + self.reference_cut(node, self.best[node])
    }

    fn dereference_node(&mut self, node: usize) -> u32 {
        self.refs[node] -= 1;
        if self.refs[node] > 0 || !self.is_and(node) {
            return 0;
        }
        self.cost(node, self.best[node]) + self.dereference_cut(node, self.best[node])
    }

    fn cost(&self, node: usize, cut: usize) -> u32 {
        let cut = &self.cuts[node][cut];
        if cut.pair {
            2 * self.library.area[4]
        } else {
            self.library.area[cut.leaves.len()]
        }
    }

    fn reference_cut(&mut self, node: usize, cut: usize) -> u32 {
        let leaves = self.cuts[node][cut].leaves.clone();
        leaves
            .iter()
            .map(|&l| self.reference_node(l as usize))
            .sum()
    }

    fn dereference_cut(&mut self, node: usize, cut: usize) -> u32 {
        let leaves = self.cuts[node][cut].leaves.clone();
        leaves
            .iter()
            .map(|&l| self.dereference_node(l as usize))
            .sum()
    }

    /// Required levels of the current cover: `bound` at every root.
    fn require(&mut self, bound: u32) {
        self.required.fill(bound);
        for node in (0..self.cuts.len()).rev() {
            if self.refs[node] == 0 || self.cuts[node].is_empty() {
                continue;
            }
            let cut = &self.cuts[node][self.best[node]];
            let r = self.required[node].saturating_sub(if cut.pair { 2 } else { 1 });
            for &l in &cut.leaves {
                let l = l as usize;
                self.required[l] = self.required[l].min(r);
            }
        }
    }

    fn arrival(&self, node: usize, cut: usize) -> u32 {
        let levels = if self.cuts[node][cut].pair { 2 } else { 1 };
        levels
            + self.cuts[node][cut]
                .leaves
                .iter()
                .map(|&l| self.depth[l as usize])
                .max()
                .unwrap_or(0)
    }

    /// Re-chooses the cut of every mapped node by the LUTs it alone needs,
    /// among those ready by the node's required level.
    fn recover_area(&mut self) {
        for node in 0..self.cuts.len() {
            if self.cuts[node].is_empty() {
                continue;
            }
            if self.refs[node] == 0 {
                self.depth[node] = self.arrival(node, self.best[node]);
                continue;
            }
            self.dereference_cut(node, self.best[node]);
            let mut choice = (u32::MAX, self.best[node]);
            for cut in 0..self.cuts[node].len() {
                if self.arrival(node, cut) > self.required[node] && cut != self.best[node] {
                    continue;
                }
                let area = self.cost(node, cut) + self.reference_cut(node, cut);
                self.dereference_cut(node, cut);
                if area < choice.0 {
                    choice = (area, cut);
                }
            }
            self.best[node] = choice.1;
            self.reference_cut(node, choice.1);
            self.depth[node] = self.arrival(node, choice.1);
        }
    }
}
