//! Sobol low-discrepancy sequences, dimensions 1..=8, in natural index order.
//!
//! Dimension 1 is the van der Corput sequence in base 2 (the bit reversal of
//! the index). Dimensions 2..=8 use the direction numbers of Joe and Kuo
//! (`new-joe-kuo-6.21201`, rows d = 2..=8). With N output bits, direction
//! number k (1-based) is `v_k = m_k << (N - k)`, and the point of index `i` is
//! the XOR of `v_(k+1)` over the set bits k of `i` (natural order, not Gray
//! code). Every dimension of a design indexes the sequence with the same
//! counter value: mixing index orders between dimensions destroys the
//! two-dimensional uniformity that makes Sobol products accurate.

/// Supported dimensions.
pub const DIMENSIONS: (u32, u32) = (1, 8);

/// Joe-Kuo rows: (s = degree, a = inner coefficients, initial m_1..m_s).
const JOE_KUO: [(u32, u32, &[u64]); 7] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
];

/// The odd integers m_1..m_width of `dimension` (m_k < 2^k).
pub fn m_values(dimension: u32, width: u32) -> Vec<u64> {
    let width = width as usize;
    if dimension == 1 {
        return vec![1; width];
    }
    let (s, a, init) = JOE_KUO[(dimension - 2) as usize];
    let s = s as usize;
    let mut m: Vec<u64> = init.iter().copied().take(width).collect();
    for k in s..width {
        // m_k = 2 a_1 m_(k-1) ^ 4 a_2 m_(k-2) ^ ... ^ 2^s m_(k-s) ^ m_(k-s)
        let mut value = m[k - s] ^ (m[k - s] << s);
        for j in 1..s {
            if (a >> (s - 1 - j)) & 1 == 1 {
                value ^= m[k - j] << j;
            }
        }
        m.push(value);
    }
    m
}

/// The direction numbers v_1..v_width as `width`-bit integers.
pub fn direction_numbers(dimension: u32, width: u32) -> Vec<u64> {
    m_values(dimension, width)
        .iter()
        .enumerate()
        .map(|(k, m)| m << (width as usize - 1 - k))
        .collect()
}

/// The point of `index` (low `width` bits used) from precomputed direction numbers.
pub fn point(directions: &[u64], index: u64) -> u64 {
    directions
        .iter()
        .enumerate()
        .filter(|(k, _)| (index >> k) & 1 == 1)
        .fold(0, |x, (_, v)| x ^ v)
}
