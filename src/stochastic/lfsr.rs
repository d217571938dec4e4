//! Maximal-length linear feedback shift registers, one tap set per width.
//!
//! Form: **Fibonacci, XOR feedback, shifting towards the MSB**. With state
//! bits `s[N-1:0]`, one step is
//!
//! ```text
//! s' = { s[N-2:0], ^(s & TAPS) }
//! ```
//!
//! where `TAPS` has bit `t - 1` set for every tap `t` of the table (taps are
//! numbered 1..=N as in Xilinx XAPP052). The taps are those of XAPP052's
//! table; XAPP052 uses XNOR feedback, this uses XOR with the same taps, which
//! has the same characteristic polynomial and so the same period 2^N - 1.
//! The all-zero state is the XOR form's lock-up state; it is unreachable:
//! the register resets to a nonzero constant seed, has no load port, and a
//! linear step maps nonzero states to nonzero states. Seeds of zero are
//! rejected as parameters.
//!
//! The *reciprocal* polynomial (taps `t` mirrored to `N - t`, tap N kept)
//! is primitive whenever the primary one is, and differs from it for N >= 3;
//! it gives a second, decorrelated sequence of the same period for the
//! weight side of a product.

use serde::{Deserialize, Serialize};

/// Widths with a tap set.
pub const WIDTHS: (u32, u32) = (3, 32);

/// XAPP052 taps (1-based bit positions) for N = 3..=32; the first is always N.
const TAPS: [&[u32]; 30] = [
    &[3, 2],
    &[4, 3],
    &[5, 3],
    &[6, 5],
    &[7, 6],
    &[8, 6, 5, 4],
    &[9, 5],
    &[10, 7],
    &[11, 9],
    &[12, 6, 4, 1],
    &[13, 4, 3, 1],
    &[14, 5, 3, 1],
    &[15, 14],
    &[16, 15, 13, 4],
    &[17, 14],
    &[18, 11],
    &[19, 6, 2, 1],
    &[20, 17],
    &[21, 19],
    &[22, 21],
    &[23, 18],
    &[24, 23, 22, 17],
    &[25, 22],
    &[26, 6, 2, 1],
    &[27, 5, 2, 1],
    &[28, 25],
    &[29, 27],
    &[30, 6, 4, 1],
    &[31, 28],
    &[32, 22, 2, 1],
];

/// Which of the two primitive polynomials of a width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polynomial {
    /// The XAPP052 taps.
    Primary,
    /// The mirrored taps (the reciprocal polynomial).
    Reciprocal,
}

/// The taps (1-based, descending from N) of `polynomial` at `width`; `None` outside `WIDTHS`.
pub fn taps(width: u32, polynomial: Polynomial) -> Option<Vec<u32>> {
    if !(WIDTHS.0..=WIDTHS.1).contains(&width) {
        return None;
    }
    let primary = TAPS[(width - WIDTHS.0) as usize];
    let mut taps: Vec<u32> = match polynomial {
        Polynomial::Primary => primary.to_vec(),
        Polynomial::Reciprocal => std::iter::once(width)
            .chain(primary[1..].iter().map(|t| width - t))
            .collect(),
    };
    taps.sort_unstable_by(|a, b| b.cmp(a));
    Some(taps)
}

/// The feedback mask: bit `t - 1` for every tap `t`.
pub fn tap_mask(width: u32, polynomial: Polynomial) -> Option<u64> {
    Some(
        taps(width, polynomial)?
            .iter()
            .fold(0u64, |m, t| m | (1u64 << (t - 1))),
    )
}

/// One step of the Fibonacci XOR LFSR with feedback mask `mask`.
pub fn step(width: u32, mask: u64, state: u64) -> u64 {
    let feedback = u64::from((state & mask).count_ones() & 1);
    ((state << 1) | feedback) & crate::design::mask(width)
}
