//! Number generators, checked against facts derived independently of their code:
//! LFSR periods by brute force (small widths) and by the order of the step's
//! GF(2) matrix (every width), Sobol points against closed forms and the
//! (0, m, s)-net property.

use hebb::stochastic::lfsr::{self, Polynomial, WIDTHS};
use hebb::stochastic::sobol;
use hebb::stochastic::{Generator, Source};

const POLYS: [Polynomial; 2] = [Polynomial::Primary, Polynomial::Reciprocal];

/// Period of the orbit of state 1 under `step`, counted by brute force (None if over `limit`).
fn brute_period(step: impl Fn(u64) -> u64, limit: u64) -> Option<u64> {
    let mut state = step(1);
    let mut n = 1;
    while state != 1 {
        state = step(state);
        n += 1;
        if n > limit {
            return None;
        }
    }
    Some(n)
}

#[test]
fn lfsr_period_is_maximal_by_brute_force_up_to_20_bits() {
    for width in WIDTHS.0..=20 {
        for poly in POLYS {
            let mask = lfsr::tap_mask(width, poly).unwrap();
            let full = (1u64 << width) - 1;
            let period = brute_period(|s| lfsr::step(width, mask, s), full + 1);
            assert_eq!(period, Some(full), "width {width} {poly:?}");
        }
    }
}

/// A linear map of GF(2)^n as its n column images.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Matrix(Vec<u64>);

impl Matrix {
    fn of_linear(width: u32, f: impl Fn(u64) -> u64) -> Self {
        Matrix((0..width).map(|j| f(1 << j)).collect())
    }
    fn identity(width: u32) -> Self {
        Self::of_linear(width, |v| v)
    }
    fn apply(&self, v: u64) -> u64 {
        self.0
            .iter()
            .enumerate()
            .filter(|(j, _)| (v >> j) & 1 == 1)
            .fold(0, |acc, (_, c)| acc ^ c)
    }
    fn mul(&self, other: &Matrix) -> Matrix {
        Matrix(other.0.iter().map(|c| self.apply(*c)).collect())
    }
    fn pow(&self, mut e: u64) -> Matrix {
        let mut base = self.clone();
        let mut acc = Matrix::identity(self.0.len() as u32);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(&base);
            }
            base = base.mul(&base);
            e >>= 1;
        }
        acc
    }
}

fn prime_factors(mut n: u64) -> Vec<u64> {
    let mut factors = Vec::new();
    let mut p = 2;
    while p * p <= n {
        if n.is_multiple_of(p) {
            factors.push(p);
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        p += 1;
    }
    if n > 1 {
        factors.push(n);
    }
    factors
}

/// The order of the step matrix is 2^N - 1 exactly: M^(2^N-1) = I and
/// M^((2^N-1)/q) != I for every prime q dividing 2^N - 1. Then every nonzero
/// state lies on one cycle of length 2^N - 1 (the polynomial is primitive).
fn has_maximal_order(width: u32, mask: u64) -> bool {
    let m = Matrix::of_linear(width, |v| lfsr::step(width, mask, v));
    let identity = Matrix::identity(width);
    let order = (1u64 << width) - 1;
    m.pow(order) == identity
        && prime_factors(order)
            .iter()
            .all(|q| m.pow(order / q) != identity)
}

#[test]
fn lfsr_step_matrix_has_order_two_to_the_n_minus_one_for_every_width() {
    for width in WIDTHS.0..=WIDTHS.1 {
        for poly in POLYS {
            let mask = lfsr::tap_mask(width, poly).unwrap();
            assert!(has_maximal_order(width, mask), "width {width} {poly:?}");
        }
        assert_ne!(
            lfsr::tap_mask(width, Polynomial::Primary),
            lfsr::tap_mask(width, Polynomial::Reciprocal),
            "width {width}: the two polynomials must differ"
        );
    }
}

#[test]
fn the_period_checks_reject_non_primitive_taps() {
    // x^4 + x^2 + 1 = (x^2 + x + 1)^2: period 6, not 15.
    let mask = 0b1010;
    assert!(!has_maximal_order(4, mask));
    assert_eq!(brute_period(|s| lfsr::step(4, mask, s), 16), Some(6));
    // Taps 8, 7, 6 give x^8 + x^2 + x + 1: an even number of terms, so x + 1 divides it.
    let mask8 = (1 << 7) | (1 << 6) | (1 << 5);
    assert!(!has_maximal_order(8, mask8));
    assert_ne!(brute_period(|s| lfsr::step(8, mask8, s), 256), Some(255));
    assert!(lfsr::taps(2, Polynomial::Primary).is_none());
    assert!(lfsr::taps(33, Polynomial::Primary).is_none());
}

#[test]
fn generator_rejects_zero_seed_and_bad_dimensions() {
    let zero = Generator::new(
        8,
        Source::Lfsr {
            polynomial: Polynomial::Primary,
            seed: 0,
        },
    )
    .unwrap_err();
    assert_eq!(zero.parameter, "source");
    assert!(zero.to_string().contains("1..=255"), "{zero}");
    let wide = Generator::new(
        8,
        Source::Lfsr {
            polynomial: Polynomial::Primary,
            seed: 256,
        },
    )
    .unwrap_err();
    assert_eq!(wide.value, 256.into());
    assert!(Generator::new(8, Source::sobol(0)).is_err());
    assert!(Generator::new(8, Source::sobol(9)).is_err());
    let narrow = Generator::new(2, Source::sobol(1)).unwrap_err();
    assert_eq!(narrow.parameter, "width");
}

#[test]
fn lfsr_comparator_stream_has_value_minus_one_ones_per_period() {
    // rand runs over 1..=2^N-1 once per period, so rand < x holds x - 1 times (x >= 1).
    for width in [3, 5, 8] {
        let full = (1usize << width) - 1;
        for poly in POLYS {
            let mut g = Generator::new(
                width,
                Source::Lfsr {
                    polynomial: poly,
                    seed: 1,
                },
            )
            .unwrap();
            let rands = g.take(full);
            for x in 0..=full as u64 {
                let ones = rands.iter().filter(|r| **r < x).count() as u64;
                assert_eq!(ones, x.saturating_sub(1), "width {width} x {x}");
            }
        }
    }
}

#[test]
fn sobol_dimension_one_is_the_bit_reversed_index() {
    let width = 10;
    let mut g = Generator::new(width, Source::sobol(1)).unwrap();
    for i in 0..(1u64 << width) {
        let reversed = i.reverse_bits() >> (64 - width);
        assert_eq!(g.rand(), reversed, "index {i}");
        g.advance();
    }
    // The index wraps after 2^N points.
    assert_eq!(g.rand(), 0);
}

/// Sobol dimension 2 has the Pascal matrix mod 2 as generator matrix:
/// digit r (1 = most significant) of the point is sum over index bits c of
/// binom(c, r - 1) * i_c mod 2.
#[test]
fn sobol_dimension_two_is_the_pascal_matrix_mod_two() {
    let width = 12u32;
    let binom_odd = |n: u64, k: u64| k <= n && (n & k) == k; // Lucas' theorem
    let mut g = Generator::new(width, Source::sobol(2)).unwrap();
    for i in 0..(1u64 << width) {
        let mut point = 0u64;
        for r in 0..u64::from(width) {
            let digit = (0..u64::from(width))
                .filter(|&c| (i >> c) & 1 == 1 && binom_odd(c, r))
                .count()
                % 2;
            point |= (digit as u64) << (u64::from(width) - 1 - r);
        }
        assert_eq!(g.rand(), point, "index {i}");
        g.advance();
    }
}

/// Each dimension alone is a (0, 1)-sequence: the first 2^m points fall
/// one in each interval [k / 2^m, (k + 1) / 2^m).
#[test]
fn every_sobol_dimension_stratifies_every_dyadic_block() {
    let width = 10u32;
    for dimension in sobol::DIMENSIONS.0..=sobol::DIMENSIONS.1 {
        let points = Generator::new(width, Source::sobol(dimension))
            .unwrap()
            .take(1 << width);
        for m in 0..=width {
            let mut seen = vec![false; 1 << m];
            for p in &points[..1 << m] {
                let cell = (p >> (width - m)) as usize;
                assert!(
                    !seen[cell],
                    "dimension {dimension}, m {m}: two points in cell {cell}"
                );
                seen[cell] = true;
            }
        }
        // Direction numbers m_k are odd and below 2^k.
        for (k, m) in sobol::m_values(dimension, 16).iter().enumerate() {
            assert!(
                m % 2 == 1 && *m < 1 << (k + 1),
                "dimension {dimension} m_{}",
                k + 1
            );
        }
    }
}

/// Dimensions 1 and 2 form a (0, m, 2)-net for every m: every elementary
/// interval of area 2^-m holds exactly one of the first 2^m points.
#[test]
fn sobol_dimensions_one_and_two_form_a_zero_m_two_net() {
    let width = 10u32;
    let xs = Generator::new(width, Source::sobol(1))
        .unwrap()
        .take(1 << width);
    let ys = Generator::new(width, Source::sobol(2))
        .unwrap()
        .take(1 << width);
    for m in 0..=width {
        for a in 0..=m {
            let b = m - a;
            let mut count = vec![0u32; 1 << m];
            for i in 0..(1usize << m) {
                let cx = xs[i] >> (width - a);
                let cy = ys[i] >> (width - b);
                count[((cx << b) | cy) as usize] += 1;
            }
            assert!(count.iter().all(|&c| c == 1), "m {m}, a {a}");
        }
    }
    // The check can fail: dimension 1 against itself is no net.
    let mut count = [0u32; 4];
    for x in &xs[..4] {
        count[((x >> (width - 1)) << 1 | (x >> (width - 1))) as usize] += 1;
    }
    assert!(count.iter().any(|&c| c != 1));
}

#[test]
fn sobol_comparator_stream_is_exact_over_a_full_block() {
    // Each dimension's first 2^N points are 0..2^N-1 in some order, so the
    // stream of x over 2^N cycles holds exactly x ones.
    let width = 8;
    for dimension in sobol::DIMENSIONS.0..=sobol::DIMENSIONS.1 {
        let rands = Generator::new(width, Source::sobol(dimension))
            .unwrap()
            .take(1 << width);
        for x in 0..(1u64 << width) {
            let ones = rands.iter().filter(|r| **r < x).count() as u64;
            assert_eq!(ones, x, "dimension {dimension}, x {x}");
        }
    }
}
