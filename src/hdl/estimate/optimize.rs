//! What Yosys' `opt` passes do to flip-flops before mapping: a flip-flop
//! that never changes becomes its reset value (`opt_dff`), flip-flops with
//! the same data, enable and reset become one (`opt_merge`), and the logic
//! they fed is folded again; repeated until nothing changes, since one
//! constant or merge can make the next.

use std::collections::HashMap;

use super::aig::{Aig, AigNode, FALSE, Lit, TRUE, is_inverted, node_of};
use super::netlist::Netlist;

/// Rounds of folding at most (each removes at least one flip-flop).
const MAX_ROUNDS: usize = 64;

/// Folds away flip-flops that never change and joins twins, as
/// `opt_dff` and `opt_merge` do, round after round.
///
/// `bit_level_undefined`: the flow folds the `x` that `opt_dff` leaves
/// where a hold path was (`opt_expr -mux_undef`) on single-bit
/// multiplexers and runs `opt_dff` again afterwards (iCE40's `ice40_opt
/// -full`). Where it does not (xc7: the last `opt_dff` runs before the
/// fine-grained `opt_expr -mux_undef`), a flip-flop whose data is constant
/// only once a partial hold ([`super::netlist::FlipFlop::partial_hold`]) is taken as `x`
/// keeps its flip-flop; ABC finds its data constant later, when no pass
/// removes flip-flops any more. Such flip-flops still share one where their
/// data and enable are the same (`opt_merge`).
pub fn fold_flip_flops(net: &mut Netlist, bit_level_undefined: bool) {
    for _ in 0..MAX_ROUNDS {
        let mut replace: HashMap<u32, Lit> = HashMap::new();
        let mut first_of: HashMap<(Lit, Lit, bool, bool), Lit> = HashMap::new();
        for ff in net.flip_flops.iter_mut().filter(|ff| ff.kept) {
            let undefined_data = ff.partial_hold && !bit_level_undefined;
            let constant = ff.d <= TRUE && !undefined_data;
            let never_changes =
                ff.enable == FALSE || ff.d == ff.q || (constant && (ff.d == TRUE) == ff.reset);
            if never_changes {
                ff.kept = false;
                replace.insert(node_of(ff.q), if ff.reset { TRUE } else { FALSE });
                continue;
            }
            // Loaded with a constant other than its reset value, a flip-flop
            // only ever changes once, whatever its enable: all such share one.
            let enable = if constant { TRUE } else { ff.enable };
            let key = (ff.d, enable, ff.reset, undefined_data);
            match first_of.get(&key) {
                Some(&twin) => {
                    ff.kept = false;
                    replace.insert(node_of(ff.q), twin);
                }
                None => {
                    first_of.insert(key, ff.q);
                }
            }
        }
        if replace.is_empty() {
            return;
        }
        substitute(net, &replace);
    }
}

/// Rebuilds the graph with the inputs in `replace` replaced (by a
/// constant, an input that stays, or logic that does not read the input
/// it replaces: a product's bits), folding what follows.
fn substitute(net: &mut Netlist, replace: &HashMap<u32, Lit>) {
    let old = std::mem::replace(&mut net.aig, Aig::new());
    let mut built: Vec<Option<Lit>> = vec![None; old.len()];
    built[0] = Some(FALSE);
    let mut sources = HashMap::new();
    for i in 1..old.len() as u32 {
        if old.node(i) == AigNode::Input && !replace.contains_key(&i) {
            let lit = net.aig.input();
            if let Some(source) = net.sources.get(&i) {
                sources.insert(node_of(lit), *source);
            }
            built[i as usize] = Some(lit);
        }
    }
    // Each node once its fanins (or what replaces it) are built: a
    // replacement may be logic further on in the old graph.
    for i in 1..old.len() as u32 {
        let mut pending = vec![i];
        while let Some(&node) = pending.last() {
            if built[node as usize].is_some() {
                pending.pop();
                continue;
            }
            let reads: Vec<Lit> = match old.node(node) {
                AigNode::And(a, b) => vec![a, b],
                _ => vec![replace[&node]],
            };
            let missing: Vec<u32> = reads
                .iter()
                .map(|&l| node_of(l))
                .filter(|&n| built[n as usize].is_none())
                .collect();
            if !missing.is_empty() {
                pending.extend(missing);
                continue;
            }
            let value = |l: Lit| built[node_of(l) as usize].unwrap() ^ u32::from(is_inverted(l));
            built[node as usize] = Some(match reads[..] {
                [a, b] => {
                    let (a, b) = (value(a), value(b));
                    net.aig.and(a, b)
                }
                [replacement] => value(replacement),
                _ => unreachable!(),
            });
            pending.pop();
        }
    }
    let map: Vec<Lit> = built.into_iter().map(|l| l.unwrap_or(FALSE)).collect();
    // The multiplexers stay known as such (a hold path, a 4:1 multiplexer);
    // rebuilt on the translated literals, they are found again by hashing.
    let mut muxes: Vec<(Lit, Lit, Lit, Lit)> = old.muxes().collect();
    muxes.sort_unstable();
    for (_, select, then, otherwise) in muxes {
        let (s, t, e) = (
            translate(&map, select),
            translate(&map, then),
            translate(&map, otherwise),
        );
        net.aig.mux(s, t, e);
    }
    net.sources = sources;
    let t = |lit: &mut Lit| *lit = translate(&map, *lit);
    for ff in &mut net.flip_flops {
        t(&mut ff.q);
        t(&mut ff.d);
        t(&mut ff.enable);
    }
    for chain in &mut net.chains {
        chain.a.iter_mut().for_each(&t);
        chain.b.iter_mut().for_each(&t);
        t(&mut chain.carry_in);
        chain.sums.iter_mut().for_each(&t);
        t(&mut chain.carry_out);
    }
    for lookahead in &mut net.lookaheads {
        lookahead.propagate.iter_mut().for_each(&t);
        lookahead.generate.iter_mut().for_each(&t);
        t(&mut lookahead.carry_out);
    }
    for block in &mut net.blocks {
        block.inputs.iter_mut().for_each(&t);
        block.outputs.iter_mut().for_each(&t);
    }
    net.outputs.iter_mut().for_each(&t);
    for (opaque, logic) in &mut net.products {
        t(opaque);
        t(logic);
    }
}

/// Puts the logic of every product bit back in place of its stand-in, once
/// flip-flops are folded: ABC maps the product's logic, constants included.
pub fn reveal_products(net: &mut Netlist) {
    let products = std::mem::take(&mut net.products);
    let replace: HashMap<u32, Lit> = products
        .iter()
        .map(|&(opaque, logic)| (node_of(opaque), logic ^ u32::from(is_inverted(opaque))))
        .collect();
    if !replace.is_empty() {
        substitute(net, &replace);
    }
}

fn translate(map: &[Lit], lit: Lit) -> Lit {
    map[node_of(lit) as usize] ^ u32::from(is_inverted(lit))
}
