//! Stochastic-computing number generators (docs/spec.md section 2): the
//! maximal-length LFSRs (`lfsr`), the Sobol sequences (`sobol`), the sources
//! that pick one and the software generator the step models and the accuracy
//! study run (`source`), and `describe_generator`, which writes one generator
//! into a unit's description. A library shared by the `sc_*` units, not a
//! unit itself.

pub mod lfsr;
pub mod sobol;
pub mod source;

pub use lfsr::Polynomial;
pub use source::{Generator, Source, SourceTables};

use crate::hdl::{ModuleBuilder, Net, concat, lit, mux, zero};

/// The nets a generator adds to a description.
#[derive(Debug, Clone, Copy)]
pub struct GeneratorNets {
    /// `<prefix>_state_next`: the state after this one.
    pub state_next: Net,
    /// `<prefix>_rand`: the number this state shows.
    pub rand: Net,
}

/// Describes generator `prefix` of `width` bits driven by `source` (already
/// validated at `width`) in a section of its own: `<prefix>_state_next` and
/// `<prefix>_rand` from the state register `state_q` (`<prefix>_state_q`,
/// declared and clocked by the unit, reset to `source.reset_state()`).
pub fn describe_generator(
    m: &mut ModuleBuilder,
    prefix: &str,
    width: u32,
    source: Source,
    state_q: Net,
) -> GeneratorNets {
    let tables = SourceTables::new(width, source);
    let title = format!("Generator `{prefix}`: {}, {width} bits.", source.describe());
    match source {
        Source::Lfsr { polynomial, .. } => {
            let taps = lfsr::taps(width, polynomial)
                .expect("validated width")
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let origin = match polynomial {
                Polynomial::Primary => "XAPP052 table",
                Polynomial::Reciprocal => "the XAPP052 taps mirrored: the reciprocal polynomial",
            };
            m.section(&[
                &title,
                &format!("Fibonacci LFSR, XOR feedback from taps {taps}"),
                &format!("({origin});"),
                "rand is the state itself (never zero).",
            ]);
            let state_next = m.wire(&format!("{prefix}_state_next"), width, "");
            let rand = m.wire(&format!("{prefix}_rand"), width, "");
            m.assign(
                state_next,
                concat([
                    state_q.slice(width - 2, 0),
                    (state_q & lit(width, tables.tap_mask)).parity(),
                ]),
            );
            m.assign(rand, state_q);
            GeneratorNets { state_next, rand }
        }
        Source::Sobol { .. } => {
            m.section(&[
                &title,
                "Sobol: the state is the index counter (natural order); rand is the XOR of",
                "the direction numbers of the index bits that are set.",
            ]);
            let state_next = m.wire(&format!("{prefix}_state_next"), width, "");
            let rand = m.wire(&format!("{prefix}_rand"), width, "");
            m.assign(state_next, state_q + lit(width, 1));
            let terms = tables
                .directions
                .iter()
                .enumerate()
                .map(|(k, &v)| mux(state_q.bit(k as u32), lit(width, v), zero(width)));
            let xor = terms.reduce(|a, b| a ^ b).unwrap_or_else(|| zero(width));
            m.assign(rand, xor);
            GeneratorNets { state_next, rand }
        }
    }
}
