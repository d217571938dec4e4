//! An and-inverter graph: the bit-level logic of a description, in the form
//! ABC maps to LUTs. Nodes are hashed structurally and constants folded as
//! they are built, so logic the description writes twice is built once (as
//! Yosys' `opt_merge` and ABC's `strash` make it).

use std::collections::HashMap;

/// A node and whether it is inverted: `node << 1 | inverted`.
pub type Lit = u32;

pub const FALSE: Lit = 0;
pub const TRUE: Lit = 1;

pub fn node_of(lit: Lit) -> u32 {
    lit >> 1
}

pub fn is_inverted(lit: Lit) -> bool {
    lit & 1 == 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AigNode {
    /// Node 0: the constant 0.
    Const,
    /// A signal from outside the logic: a flip-flop, a port, a hard block's output.
    Input,
    And(Lit, Lit),
}

#[derive(Debug, Default)]
pub struct Aig {
    nodes: Vec<AigNode>,
    hashed: HashMap<(Lit, Lit), Lit>,
    /// The multiplexers built (output literal: select, then, otherwise), so
    /// a flip-flop's hold path can be found again as Yosys' `opt_dff` finds it.
    muxes: HashMap<Lit, (Lit, Lit, Lit)>,
}

impl Aig {
    pub fn new() -> Aig {
        Aig {
            nodes: vec![AigNode::Const],
            ..Aig::default()
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn node(&self, index: u32) -> AigNode {
        self.nodes[index as usize]
    }

    pub fn input(&mut self) -> Lit {
        self.nodes.push(AigNode::Input);
        ((self.nodes.len() - 1) as Lit) << 1
    }

    pub fn and(&mut self, a: Lit, b: Lit) -> Lit {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if let Some(lit) = self.existing_and(a, b) {
            return lit;
        }
        self.nodes.push(AigNode::And(a, b));
        let lit = ((self.nodes.len() - 1) as Lit) << 1;
        self.hashed.insert((a, b), lit);
        lit
    }

    /// Whether `a & b` is a node already (or folds to a literal).
    pub fn has_and(&self, a: Lit, b: Lit) -> bool {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.existing_and(a, b).is_some()
    }

    /// `a & b` (`a <= b`) if it folds to a constant or an operand, or is
    /// hashed already.
    fn existing_and(&self, a: Lit, b: Lit) -> Option<Lit> {
        if a == FALSE || a == b ^ 1 {
            return Some(FALSE);
        }
        if a == TRUE || a == b {
            return Some(b);
        }
        self.hashed.get(&(a, b)).copied()
    }

    /// Records `out` as the multiplexer `select ? then : otherwise`.
    pub fn record_mux(&mut self, out: Lit, select: Lit, then: Lit, otherwise: Lit) {
        self.muxes.insert(out, (select, then, otherwise));
    }

    /// The carry of a full adder: at least two of three.
    pub fn majority(&mut self, p: Lit, q: Lit, r: Lit) -> Lit {
        let pq = self.and(p, q);
        let pr = self.and(p, r);
        let qr = self.and(q, r);
        let either = self.or(pq, pr);
        self.or(either, qr)
    }

    pub fn or(&mut self, a: Lit, b: Lit) -> Lit {
        self.and(a ^ 1, b ^ 1) ^ 1
    }

    pub fn xor(&mut self, a: Lit, b: Lit) -> Lit {
        if a <= TRUE {
            return b ^ a;
        }
        if b <= TRUE {
            return a ^ b;
        }
        if a == b {
            return FALSE;
        }
        if a == b ^ 1 {
            return TRUE;
        }
        let only_a = self.and(a, b ^ 1);
        let only_b = self.and(a ^ 1, b);
        self.or(only_a, only_b)
    }

    /// `select ? then : otherwise`
    pub fn mux(&mut self, select: Lit, then: Lit, otherwise: Lit) -> Lit {
        if then == otherwise || select == TRUE {
            return then;
        }
        if select == FALSE {
            return otherwise;
        }
        let picked_then = self.and(select, then);
        let picked_otherwise = self.and(select ^ 1, otherwise);
        let out = self.or(picked_then, picked_otherwise);
        if out != then && out != otherwise && out != select && out != select ^ 1 {
            self.muxes.insert(out, (select, then, otherwise));
        }
        out
    }

    /// The multiplexer `lit` was built as, if it was.
    /// Every multiplexer recorded: (output, select, then, otherwise).
    pub fn muxes(&self) -> impl Iterator<Item = (Lit, Lit, Lit, Lit)> + '_ {
        self.muxes.iter().map(|(&out, &(s, t, e))| (out, s, t, e))
    }

    pub fn mux_of(&self, lit: Lit) -> Option<(Lit, Lit, Lit)> {
        self.muxes.get(&lit).copied()
    }

    pub fn and_all(&mut self, bits: &[Lit]) -> Lit {
        self.reduce(bits, TRUE, Aig::and)
    }

    pub fn or_all(&mut self, bits: &[Lit]) -> Lit {
        self.reduce(bits, FALSE, Aig::or)
    }

    pub fn xor_all(&mut self, bits: &[Lit]) -> Lit {
        self.reduce(bits, FALSE, Aig::xor)
    }

    /// A balanced tree, as synthesis builds reductions.
    fn reduce(&mut self, bits: &[Lit], empty: Lit, op: fn(&mut Aig, Lit, Lit) -> Lit) -> Lit {
        match bits {
            [] => empty,
            [one] => *one,
            _ => {
                let (low, high) = bits.split_at(bits.len() / 2);
                let low = self.reduce(low, empty, op);
                let high = self.reduce(high, empty, op);
                op(self, low, high)
            }
        }
    }

    /// The graph as a BLIF model `name`: every input, one output per root.
    pub fn to_blif(&self, name: &str, roots: &[Lit]) -> String {
        use std::fmt::Write;
        let signal = |lit: Lit| format!("n{}", node_of(lit));
        let mut text = format!(".model {name}\n.inputs");
        for i in 1..self.nodes.len() as u32 {
            if self.nodes[i as usize] == AigNode::Input {
                let _ = write!(text, " n{i}");
            }
        }
        text.push_str("\n.outputs");
        for k in 0..roots.len() {
            let _ = write!(text, " o{k}");
        }
        text.push_str("\n.names n0\n");
        for (i, node) in self.nodes.iter().enumerate() {
            if let AigNode::And(a, b) = *node {
                let _ = write!(
                    text,
                    ".names {} {} n{i}\n{}{} 1\n",
                    signal(a),
                    signal(b),
                    u32::from(!is_inverted(a)),
                    u32::from(!is_inverted(b))
                );
            }
        }
        for (k, &r) in roots.iter().enumerate() {
            let _ = write!(
                text,
                ".names {} o{k}\n{} 1\n",
                signal(r),
                u32::from(!is_inverted(r))
            );
        }
        text.push_str(".end\n");
        text
    }
}
