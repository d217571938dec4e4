//! AND-tree balancing as ABC's `balance` does it (also the first step of
//! the `dc2` that Yosys runs before mapping): every maximal AND of one
//! polarity (a supergate) is rebuilt as a tree of least depth, pairing
//! its two shallowest inputs first. The mapper then sees the depth ABC
//! sees: a 13-input AND written as a chain maps in two LUT levels, not three.

use super::aig::{Aig, AigNode, FALSE, Lit, is_inverted, node_of};

/// `aig` balanced; `keep` are the literals that must stay signals of their
/// own (roots, and whatever else is read by literal). Returns the new
/// graph and the literal each old node became (`None` for nodes absorbed
/// into a supergate and not rebuilt on their own).
pub fn balanced(aig: &Aig, keep: &[Lit]) -> (Aig, Vec<Option<Lit>>) {
    let n = aig.len();
    // A node starts a supergate of its own where it is kept, read more than
    // once, or read inverted.
    let mut readers = vec![0u32; n];
    let mut starts = vec![false; n];
    for i in 0..n {
        if let AigNode::And(a, b) = aig.node(i as u32) {
            for fanin in [a, b] {
                readers[node_of(fanin) as usize] += 1;
                if is_inverted(fanin) {
                    starts[node_of(fanin) as usize] = true;
                }
            }
        }
    }
    for &lit in keep {
        starts[node_of(lit) as usize] = true;
    }
    for (start, &count) in starts.iter_mut().zip(&readers) {
        if count > 1 {
            *start = true;
        }
    }

    let mut out = Aig::new();
    let mut map: Vec<Option<Lit>> = vec![None; n];
    map[0] = Some(FALSE);
    let mut levels: Vec<u32> = vec![0];
    for (i, new) in map.iter_mut().enumerate().skip(1) {
        if aig.node(i as u32) == AigNode::Input {
            *new = Some(out.input());
            levels.push(0);
        }
    }
    for i in 1..n {
        if !starts[i] || !matches!(aig.node(i as u32), AigNode::And(..)) {
            continue;
        }
        let Some(mut leaves) = supergate(aig, i as u32, &starts, &map) else {
            map[i] = Some(FALSE);
            continue;
        };
        let level = |levels: &[u32], lit: Lit| levels[node_of(lit) as usize];
        // Deepest first: the two shallowest are taken from the end.
        leaves.sort_by_key(|&l| std::cmp::Reverse(level(&levels, l)));
        while leaves.len() > 1 {
            share_existing_pair(&out, &levels, &mut leaves);
            let (b, a) = (leaves.pop().unwrap(), leaves.pop().unwrap());
            let and = out.and(a, b);
            while levels.len() < out.len() {
                let new = levels.len() as u32;
                let AigNode::And(x, y) = out.node(new) else {
                    unreachable!("only ANDs are added while balancing")
                };
                levels.push(1 + level(&levels, x).max(level(&levels, y)));
            }
            // After the leaves at least as deep.
            let at = leaves
                .iter()
                .position(|&l| level(&levels, l) < level(&levels, and))
                .unwrap_or(leaves.len());
            leaves.insert(at, and);
        }
        map[i] = Some(leaves[0]);
    }
    (out, map)
}

/// The new literals of the supergate rooted at `root`: the inputs of the
/// maximal AND below it through nodes that start no supergate of their
/// own. `None` if it holds a literal and its inverse (constant 0).
fn supergate(aig: &Aig, root: u32, starts: &[bool], map: &[Option<Lit>]) -> Option<Vec<Lit>> {
    let mut leaves: Vec<Lit> = Vec::new();
    let mut stack = vec![root << 1];
    while let Some(lit) = stack.pop() {
        let node = node_of(lit);
        let inner = node_of(lit) != root && !starts[node as usize];
        if node == root || (inner && !is_inverted(lit)) {
            if let AigNode::And(a, b) = aig.node(node) {
                stack.push(b);
                stack.push(a);
                continue;
            }
        }
        let new = map[node as usize].expect("a supergate's inputs are built first")
            ^ u32::from(is_inverted(lit));
        if leaves.contains(&(new ^ 1)) || new == FALSE {
            return None;
        }
        if !leaves.contains(&new) && new != 1 {
            leaves.push(new);
        }
    }
    if leaves.is_empty() {
        leaves.push(1);
    }
    Some(leaves)
}

/// ABC's `Abc_NodeBalancePermute`: among the leaves as deep as the
/// second-shallowest, one whose AND with the shallowest already exists
/// is moved next to it, so the pair is shared rather than built again.
fn share_existing_pair(out: &Aig, levels: &[u32], leaves: &mut [Lit]) {
    let len = leaves.len();
    if len < 3 {
        return;
    }
    let right = len - 2;
    let level = |l: Lit| levels[node_of(l) as usize];
    let mut left = right;
    while left > 0 && level(leaves[left - 1]) == level(leaves[right]) {
        left -= 1;
    }
    let last = leaves[len - 1];
    for i in (left..=right).rev() {
        if out.has_and(last, leaves[i]) {
            leaves.swap(i, right);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `lit` for input values `bits` (input k is bit k).
    fn evaluate(aig: &Aig, lit: Lit, bits: u32) -> bool {
        let mut values = vec![false; aig.len()];
        let mut input = 0;
        for i in 1..aig.len() {
            values[i] = match aig.node(i as u32) {
                AigNode::Const => false,
                AigNode::Input => {
                    input += 1;
                    (bits >> (input - 1)) & 1 == 1
                }
                AigNode::And(a, b) => {
                    let value = |l: Lit| values[node_of(l) as usize] ^ is_inverted(l);
                    value(a) && value(b)
                }
            };
        }
        values[node_of(lit) as usize] ^ is_inverted(lit)
    }

    fn depth(aig: &Aig, lit: Lit) -> u32 {
        match aig.node(node_of(lit)) {
            AigNode::And(a, b) => 1 + depth(aig, a).max(depth(aig, b)),
            _ => 0,
        }
    }

    /// `x0 & x1 & ... & x12` written left to right is twelve levels deep;
    /// balanced, four (the least for thirteen inputs), and the same function.
    #[test]
    fn a_chain_of_ands_becomes_a_tree_of_least_depth() {
        let mut aig = Aig::new();
        let inputs: Vec<Lit> = (0..13).map(|_| aig.input()).collect();
        // One input inverted: the supergate takes literals, not nodes.
        let chain = inputs[1..]
            .iter()
            .fold(inputs[0] ^ 1, |acc, &x| aig.and(acc, x));
        assert_eq!(depth(&aig, chain), 12);
        let (balanced_aig, map) = balanced(&aig, &[chain]);
        let root = map[node_of(chain) as usize].unwrap() ^ (chain & 1);
        assert_eq!(depth(&balanced_aig, root), 4);
        for bits in [0x1ffe, 0x1fff, 0x0ffe, 0x1ffc, 0] {
            assert_eq!(
                evaluate(&balanced_aig, root, bits),
                evaluate(&aig, chain, bits),
                "inputs {bits:#x}"
            );
        }
    }

    /// A node read twice is a signal of its own (ABC does not duplicate
    /// it into both readers' supergates), and `x & !x` folds to 0.
    #[test]
    fn shared_nodes_stay_and_contradictions_fold() {
        let mut aig = Aig::new();
        let [a, b, c, d] = [(); 4].map(|_| aig.input());
        let shared = aig.and(a, b);
        let left = aig.and(shared, c);
        let right = aig.and(shared, d);
        let both = aig.and(left, right);
        let contradiction = {
            let a_c = aig.and(a, c);
            let not_a_d = aig.and(a ^ 1, d);
            aig.and(a_c, not_a_d)
        };
        let (out, map) = balanced(&aig, &[both, contradiction]);
        assert!(map[node_of(shared) as usize].is_some(), "read twice: built");
        assert_eq!(map[node_of(contradiction) as usize], Some(FALSE));
        let root = map[node_of(both) as usize].unwrap();
        for bits in 0..16 {
            assert_eq!(evaluate(&out, root, bits), evaluate(&aig, both, bits));
        }
    }
}
