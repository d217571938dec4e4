//! The bulk simulator of the factored array: the rule of `FactoredArray`
//! (docs/spec.md §1, traces per neuron) laid out and looped for speed, and
//! bit-exact with it (tests/rstdp_array_bulk.rs).
//!
//! Why it is fast:
//! - **One memory stream.** A timestep touches every synapse (decay alone
//!   changes every eligibility), so the array is bound by memory bandwidth.
//!   Weight and eligibility share one word per synapse, the narrowest of
//!   u16 / u32 / u64 that holds W + T bits: the eligibility in the top T bits
//!   (an arithmetic shift right sign-extends it for free), the weight in the
//!   low W bits, zeros between. At the defaults (W=16, T=12) that is 4 bytes
//!   per synapse against the step model's 16, read and written in place once.
//! - **Branch-free rows.** For pre neuron i the pairing term of synapse (i, j)
//!   is `column_j & row_i`: with pre_i = 1 the column holds
//!   `post_j ? MAXT - q_j : -q_j` and the row term is all ones; with
//!   pre_i = 0 the column is the post spike mask and the row term is p_i.
//!   Both columns are built once per timestep, so the inner loop is a
//!   straight run of shifts, adds, min/max and one multiply that the compiler
//!   vectorizes.
//! - **Narrow arithmetic.** i32 lanes (8 per AVX2 register): the eligibility
//!   always (T <= 30, so its sum before saturation fits), the weight step
//!   whenever `r * e'` and `w + dw` fit (W + T <= 32 and R + T <= 32), else
//!   i64 for the weight step alone (its product is one 32x32-bit multiply).
//! - **Prefetch** 4 KB ahead of the pass, and an AVX2 copy of the row kernel
//!   chosen at run time (hebb builds for baseline x86-64).
//! - **Threads over rows** (rayon): rows are independent within a timestep.

use std::ops::{Add, BitAnd, BitOr, Mul, Shl, Shr, Sub};
use std::sync::Arc;

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use super::step::ArrayParams;
use crate::units::rstdp_lane::LaneParams;
use crate::units::rstdp_lane::step::next_trace;

/// Synapses per rayon task: enough that scheduling is noise next to the memory traffic.
const SYNAPSES_PER_TASK: usize = 1 << 15;

/// The storage of all synapses, row-major like `FactoredArray`: synapse (i, j)
/// is word `i * n_post + j`, eligibility in the top T bits, weight in the low W.
#[derive(Debug, Clone)]
enum Synapses {
    Packed16(Vec<u16>),
    Packed32(Vec<u32>),
    Packed64(Vec<u64>),
}

/// All synapses of an array, stepping together from reset, fast.
#[derive(Debug, Clone)]
pub struct BulkArray {
    params: ArrayParams,
    synapses: Synapses,
    /// Bits the eligibility sits above the word's bit 0: word bits - T.
    eligibility_shift: u32,
    /// The weight step fits i32 arithmetic (else i64).
    narrow_arithmetic: bool,
    pre_traces: Vec<u64>,
    post_traces: Vec<u64>,
    threads: usize,
    /// None: one thread, a plain loop with no rayon involved.
    pool: Option<Arc<ThreadPool>>,
}

impl BulkArray {
    /// Traces and eligibility 0; weight (i, j) = sat(initial_weight(i, j), 0, MAXW).
    /// Steps on one thread until `with_threads` says otherwise.
    pub fn new(params: ArrayParams, initial_weight: impl Fn(usize, usize) -> u64) -> Self {
        let lane = params.lane();
        let (w, t, r) = (lane.weight_bits(), lane.trace_bits(), lane.reward_bits());
        let n_post = params.n_post();
        let count = params.n_pre() * n_post;
        let weight = |k: usize| lane.saturate_weight(initial_weight(k / n_post, k % n_post));
        // Eligibility 0 at reset: the word is the weight alone.
        let (synapses, word_bits) = if w + t <= 16 {
            let words = (0..count).map(|k| weight(k) as u16).collect();
            (Synapses::Packed16(words), 16)
        } else if w + t <= 32 {
            let words = (0..count).map(|k| weight(k) as u32).collect();
            (Synapses::Packed32(words), 32)
        } else {
            (Synapses::Packed64((0..count).map(weight).collect()), 64)
        };
        BulkArray {
            params,
            synapses,
            eligibility_shift: word_bits - t,
            // The largest intermediates: r * e' (R + T bits) and w + dw, which
            // stays below 2^31 when W <= 32 - T and R + T <= 32 (T >= 2).
            narrow_arithmetic: w + t <= 32 && r + t <= 32,
            pre_traces: vec![0; params.n_pre()],
            post_traces: vec![0; n_post],
            threads: 1,
            pool: None,
        }
    }

    /// Steps over `threads` threads (its own rayon pool); 0 means one per core.
    /// Results do not depend on it. Panics if the threads cannot be started.
    pub fn with_threads(mut self, threads: usize) -> Self {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        self.threads = threads;
        self.pool = (threads > 1).then(|| {
            let pool = ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|k| format!("hebb-bulk-{k}"))
                .build()
                .expect("start the bulk simulator's threads");
            Arc::new(pool)
        });
        self
    }

    pub fn threads(&self) -> usize {
        self.threads
    }
    pub fn params(&self) -> &ArrayParams {
        &self.params
    }
    /// State bytes per synapse: 2, 4 or 8, the one word holding weight and eligibility.
    pub fn bytes_per_synapse(&self) -> usize {
        match self.synapses {
            Synapses::Packed16(_) => 2,
            Synapses::Packed32(_) => 4,
            Synapses::Packed64(_) => 8,
        }
    }

    /// The word of synapse (i, j), sign-extended from its width to i64.
    fn word(&self, pre: usize, post: usize) -> i64 {
        let k = pre * self.params.n_post() + post;
        match &self.synapses {
            Synapses::Packed16(v) => v[k].signed(),
            Synapses::Packed32(v) => v[k].signed(),
            Synapses::Packed64(v) => v[k].signed(),
        }
    }
    pub fn weight(&self, pre: usize, post: usize) -> u64 {
        self.word(pre, post) as u64 & self.params.lane().max_weight()
    }
    pub fn eligibility(&self, pre: usize, post: usize) -> i64 {
        self.word(pre, post) >> self.eligibility_shift
    }
    pub fn pre_trace(&self, pre: usize) -> u64 {
        self.pre_traces[pre]
    }
    pub fn post_trace(&self, post: usize) -> u64 {
        self.post_traces[post]
    }

    /// Input current of each post neuron, `sum_i pre_i * w_ij`, through the current weights.
    pub fn input_current(&self, pre: &[bool]) -> Vec<u64> {
        assert_eq!(pre.len(), self.params.n_pre(), "one spike per pre neuron");
        let spiking: Vec<usize> = (0..pre.len()).filter(|&i| pre[i]).collect();
        let mask = self.params.lane().max_weight();
        let pool = self.pool.as_deref();
        let n_post = self.params.n_post();
        match &self.synapses {
            Synapses::Packed16(v) => sum_rows(v, n_post, &spiking, mask, pool),
            Synapses::Packed32(v) => sum_rows(v, n_post, &spiking, mask, pool),
            Synapses::Packed64(v) => sum_rows(v, n_post, &spiking, mask, pool),
        }
    }

    /// One timestep: `pre` and `post` spikes per neuron, one reward for the array.
    pub fn step(&mut self, pre: &[bool], post: &[bool], reward: i64, learn_en: bool) {
        let lane = *self.params.lane();
        assert_eq!(
            (pre.len(), post.len()),
            (self.params.n_pre(), self.params.n_post()),
            "one spike per neuron"
        );
        let reward = lane.saturate_reward(reward);
        // r = 0 leaves every weight as it is: (0 * e') >> L = 0.
        let learn = learn_en && reward != 0;
        let pass = Pass {
            lane,
            pre,
            post,
            pre_traces: &self.pre_traces,
            post_traces: &self.post_traces,
            n_post: self.params.n_post(),
            eligibility_shift: self.eligibility_shift,
            reward,
            pool: self.pool.as_deref(),
            // Exact shortcut: with no decay, no post spike and no weight change,
            // a row whose pre neuron is silent ends the timestep as it began.
            skip_silent_rows: !lane.decays() && !learn && !post.contains(&true),
        };
        let wide = !self.narrow_arithmetic;
        match (&mut self.synapses, learn, wide) {
            (Synapses::Packed16(v), true, false) => pass.run::<u16, i32, true>(v),
            (Synapses::Packed16(v), true, true) => pass.run::<u16, i64, true>(v),
            // Without a weight step the weight only passes through, and a u16
            // or u32 word's (W <= 30 bits) fits an i32.
            (Synapses::Packed16(v), false, _) => pass.run::<u16, i32, false>(v),
            (Synapses::Packed32(v), true, false) => pass.run::<u32, i32, true>(v),
            (Synapses::Packed32(v), true, true) => pass.run::<u32, i64, true>(v),
            (Synapses::Packed32(v), false, _) => pass.run::<u32, i32, false>(v),
            (Synapses::Packed64(v), true, _) => pass.run::<u64, i64, true>(v),
            (Synapses::Packed64(v), false, _) => pass.run::<u64, i64, false>(v),
        }
        // The pass read the traces from before this step; now they move on.
        for (trace, &spike) in self.pre_traces.iter_mut().zip(pre) {
            *trace = next_trace(&lane, *trace, spike);
        }
        for (trace, &spike) in self.post_traces.iter_mut().zip(post) {
            *trace = next_trace(&lane, *trace, spike);
        }
    }
}

/// A synapse word: u16, u32 or u64.
trait Word: Copy + Send + Sync {
    /// The word's bits sign-extended from its own width (the eligibility is on top).
    fn signed(self) -> i64;
    /// The eligibility, `eligibility_shift` bits up: T <= 30 bits, so always an i32.
    fn eligibility(self, eligibility_shift: u32) -> i32;
    /// The low `weight_mask` bits.
    fn weight<A: Arith>(self, weight_mask: A) -> A;
    /// The word of eligibility `e` (top bits) and weight `w` (low bits).
    fn pack<A: Arith>(e: i32, w: A, eligibility_shift: u32) -> Self;
    /// The low bits of `bits`, truncated to the word.
    #[cfg(test)]
    fn truncate(bits: i64) -> Self;
}

impl Word for u16 {
    #[inline(always)]
    fn signed(self) -> i64 {
        self as i16 as i64
    }
    #[inline(always)]
    fn eligibility(self, eligibility_shift: u32) -> i32 {
        (self as i16 as i32) >> eligibility_shift
    }
    #[inline(always)]
    fn weight<A: Arith>(self, weight_mask: A) -> A {
        // Sign-extended like the eligibility, so both come from one load.
        A::from_i32(self as i16 as i32) & weight_mask
    }
    #[inline(always)]
    fn pack<A: Arith>(e: i32, w: A, eligibility_shift: u32) -> Self {
        (e << eligibility_shift) as u16 | w.to_i64() as u16
    }
    #[cfg(test)]
    fn truncate(bits: i64) -> Self {
        bits as u16
    }
}
impl Word for u32 {
    #[inline(always)]
    fn signed(self) -> i64 {
        self as i32 as i64
    }
    #[inline(always)]
    fn eligibility(self, eligibility_shift: u32) -> i32 {
        (self as i32) >> eligibility_shift
    }
    #[inline(always)]
    fn weight<A: Arith>(self, weight_mask: A) -> A {
        // W <= 30 here (T >= 2), so the weight bits are those of the i32.
        A::from_i32(self as i32) & weight_mask
    }
    #[inline(always)]
    fn pack<A: Arith>(e: i32, w: A, eligibility_shift: u32) -> Self {
        (e << eligibility_shift) as u32 | w.to_i64() as u32
    }
    #[cfg(test)]
    fn truncate(bits: i64) -> Self {
        bits as u32
    }
}
impl Word for u64 {
    #[inline(always)]
    fn signed(self) -> i64 {
        self as i64
    }
    // A u64 word has W + T > 32, so eligibility_shift = 64 - T >= 34: the
    // eligibility lies in the high half, read and written as an i32.
    #[inline(always)]
    fn eligibility(self, eligibility_shift: u32) -> i32 {
        ((self >> 32) as u32 as i32) >> (eligibility_shift - 32)
    }
    #[inline(always)]
    fn weight<A: Arith>(self, weight_mask: A) -> A {
        A::from_i64(self as i64) & weight_mask
    }
    #[inline(always)]
    fn pack<A: Arith>(e: i32, w: A, eligibility_shift: u32) -> Self {
        ((e << (eligibility_shift - 32)) as u32 as u64) << 32 | w.to_i64() as u64
    }
    #[cfg(test)]
    fn truncate(bits: i64) -> Self {
        bits as u64
    }
}

/// The arithmetic of the inner loop: i32 or i64.
trait Arith:
    Copy
    + Send
    + Sync
    + Ord
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + BitAnd<Output = Self>
    + BitOr<Output = Self>
    + Shr<u32, Output = Self>
    + Shl<u32, Output = Self>
{
    const BITS: u32;
    /// Truncating, as `as` does (every value passed fits).
    fn from_i64(v: i64) -> Self;
    /// Sign-extending: a product of two of these is one 32x32-bit multiply.
    fn from_i32(v: i32) -> Self;
    fn to_i64(self) -> i64;
}

impl Arith for i32 {
    const BITS: u32 = 32;
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v as i32
    }
    #[inline(always)]
    fn from_i32(v: i32) -> Self {
        v
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
}
impl Arith for i64 {
    const BITS: u32 = 64;
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v
    }
    #[inline(always)]
    fn from_i32(v: i32) -> Self {
        v as i64
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self
    }
}

/// The rule's constants for one timestep. Eligibility arithmetic is i32
/// (T <= 30: the sum before saturation needs T + 2 <= 32 bits); the weight's,
/// `A`, is i32 or i64.
#[derive(Clone, Copy)]
struct Rule<A> {
    eligibility_shift: u32,
    min_eligibility: i32,
    max_eligibility: i32,
    /// D, or 31 for D = 0: dividing by 2^31 moves no |e| < 2^31, so the
    /// identity of D = 0 needs no branch.
    decay_shift: u32,
    /// 2^decay_shift - 1, added to negative e so `>>` truncates towards zero.
    decay_bias: i32,
    weight_mask: A,
    max_weight: A,
    /// R <= 30 bits; sign-extended into `A` at the multiply.
    reward: i32,
    /// L capped at BITS - 1: r * e' fits `A`, so a larger L gives its sign alone.
    learning_shift: u32,
}

/// One timestep's synapse pass: the inputs and the traces from before it.
struct Pass<'a> {
    lane: LaneParams,
    pre: &'a [bool],
    post: &'a [bool],
    pre_traces: &'a [u64],
    post_traces: &'a [u64],
    n_post: usize,
    eligibility_shift: u32,
    reward: i64,
    pool: Option<&'a ThreadPool>,
    skip_silent_rows: bool,
}

impl Pass<'_> {
    fn run<S: Word, A: Arith, const LEARN: bool>(&self, words: &mut [S]) {
        let rule = self.rule::<A>();
        // Per-column pairing terms (see the module comment), once per timestep;
        // traces have T <= 30 bits.
        let post_mask: Vec<i32> = self.post.iter().map(|&s| -(s as i32)).collect();
        let max_trace = self.lane.max_trace() as i32;
        let pre_spiked: Vec<i32> = self
            .post
            .iter()
            .zip(self.post_traces)
            .map(|(&s, &q)| if s { max_trace } else { 0 } - q as i32)
            .collect();
        let spiked_row = row_kernel::<S, A, LEARN, true>();
        let silent_row = row_kernel::<S, A, LEARN, false>();
        let update = |(i, row): (usize, &mut [S])| {
            if self.pre[i] {
                spiked_row(row, &pre_spiked, -1, &rule);
            } else if !self.skip_silent_rows {
                let pre_trace = self.pre_traces[i] as i32;
                silent_row(row, &post_mask, pre_trace, &rule);
            }
        };
        let rows = words.chunks_exact_mut(self.n_post).enumerate();
        match self.pool {
            None => rows.for_each(update),
            Some(pool) => {
                let min_rows = (SYNAPSES_PER_TASK / self.n_post).max(1);
                pool.install(|| {
                    words
                        .par_chunks_exact_mut(self.n_post)
                        .enumerate()
                        .with_min_len(min_rows)
                        .for_each(update)
                })
            }
        }
    }

    fn rule<A: Arith>(&self) -> Rule<A> {
        let lane = &self.lane;
        let decay_shift = match lane.trace_decay_shift() {
            0 => 31,
            d => d,
        };
        let max_weight = A::from_i64(lane.max_weight() as i64);
        Rule {
            eligibility_shift: self.eligibility_shift,
            min_eligibility: lane.min_eligibility() as i32,
            max_eligibility: lane.max_eligibility() as i32,
            decay_shift,
            decay_bias: ((1u32 << decay_shift) - 1) as i32,
            weight_mask: max_weight,
            max_weight,
            reward: self.reward as i32,
            learning_shift: lane.learning_shift().min(A::BITS - 1),
        }
    }
}

/// The row kernel of one instantiation.
type RowKernel<S, A> = fn(&mut [S], &[i32], i32, &Rule<A>);

/// The row kernel compiled for the best vector instructions this CPU has.
/// hebb builds for baseline x86-64 (SSE2: no 32-bit multiply, min or max in
/// vector registers), so without this the loop stays mostly scalar; the AVX2
/// copy runs 8 i32 lanes per instruction. Chosen once per pass, at run time.
fn row_kernel<S: Word, A: Arith, const LEARN: bool, const PRE_SPIKED: bool>() -> RowKernel<S, A> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return |row, column, row_term, rule| {
            // SAFETY: AVX2 is present, checked just above.
            unsafe { update_row_avx2::<S, A, LEARN, PRE_SPIKED>(row, column, row_term, rule) }
        };
    }
    update_row_prefetching::<S, A, LEARN, PRE_SPIKED>
}

/// `update_row_prefetching` compiled with AVX2 (the same source, so the same results).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn update_row_avx2<S: Word, A: Arith, const LEARN: bool, const PRE_SPIKED: bool>(
    row: &mut [S],
    column: &[i32],
    row_term: i32,
    rule: &Rule<A>,
) {
    update_row_prefetching::<S, A, LEARN, PRE_SPIKED>(row, column, row_term, rule)
}

/// Bytes of synapse words between the pass and the words it asks the memory for.
/// The vectorized pass is about as fast as memory, so it waits whenever the
/// hardware prefetcher falls behind; asking 4 KB (about 1.5 us of pass) ahead
/// measured +35-40 % on a 4096x4096 array (1 KB: +15 %, 8-16 KB: +30 %).
const PREFETCH_AHEAD_BYTES: usize = 4096;
/// Bytes per block of a row: the pass prefetches once per block, one line each.
const BLOCK_BYTES: usize = 256;
const CACHE_LINE_BYTES: usize = 64;

/// `update_row` in blocks, each preceded by a prefetch of the words
/// `PREFETCH_AHEAD_BYTES` further on (rows are contiguous, so past a row's end
/// lies the next row).
#[inline(always)]
fn update_row_prefetching<S: Word, A: Arith, const LEARN: bool, const PRE_SPIKED: bool>(
    row: &mut [S],
    column: &[i32],
    row_term: i32,
    rule: &Rule<A>,
) {
    let block = BLOCK_BYTES / std::mem::size_of::<S>();
    for (words, terms) in row.chunks_mut(block).zip(column.chunks(block)) {
        prefetch_ahead(words);
        update_row::<S, A, LEARN, PRE_SPIKED>(words, terms, row_term, rule);
    }
}

#[inline(always)]
fn prefetch_ahead<S>(words: &[S]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let ahead = words
            .as_ptr()
            .cast::<i8>()
            .wrapping_add(PREFETCH_AHEAD_BYTES);
        for line in (0..BLOCK_BYTES).step_by(CACHE_LINE_BYTES) {
            // SAFETY: a prefetch is a hint that never faults, whatever the
            // address (past the array's end included), and changes no state.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(line)) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = words;
}

/// One row: every synapse (i, j) of pre neuron i, with pairing term
/// `column[j] & row_term`; `PRE_SPIKED` says whether pre neuron i spiked.
#[inline(always)]
fn update_row<S: Word, A: Arith, const LEARN: bool, const PRE_SPIKED: bool>(
    row: &mut [S],
    column: &[i32],
    row_term: i32,
    rule: &Rule<A>,
) {
    let zero = A::from_i64(0);
    for (word, &column_term) in row.iter_mut().zip(column) {
        let eligibility = word.eligibility(rule.eligibility_shift);
        let weight = word.weight(rule.weight_mask);
        // Step 1: e - trunc(e / 2^D), which is dec_s(e) for both signs.
        let sign = eligibility >> 31;
        let towards_zero = (eligibility + (sign & rule.decay_bias)) >> rule.decay_shift;
        let decayed = eligibility - towards_zero;
        // Steps 3 and 4: pairing terms, saturation. A silent pre neuron's
        // row only potentiates (its term is post_j ? p_i : 0 >= 0) and the
        // decayed value is in range, so only the top bound can be crossed.
        let sum = decayed + (column_term & row_term);
        let sum = if PRE_SPIKED {
            sum.max(rule.min_eligibility)
        } else {
            sum
        };
        let eligibility = sum.min(rule.max_eligibility);
        // Step 5.
        let weight = if LEARN {
            let product = A::from_i32(rule.reward) * A::from_i32(eligibility);
            (weight + (product >> rule.learning_shift))
                .max(zero)
                .min(rule.max_weight)
        } else {
            weight
        };
        *word = S::pack(eligibility, weight, rule.eligibility_shift);
    }
}

/// `sum_i w_ij` over the spiking rows, columns split across the pool's threads.
fn sum_rows<S: Word>(
    words: &[S],
    n_post: usize,
    spiking: &[usize],
    weight_mask: u64,
    pool: Option<&ThreadPool>,
) -> Vec<u64> {
    let mut current = vec![0u64; n_post];
    // Columns [first, first + block.len()) of every spiking row.
    let add = |(first, block): (usize, &mut [u64])| {
        for &i in spiking {
            let row = &words[i * n_post + first..][..block.len()];
            for (c, w) in block.iter_mut().zip(row) {
                *c += w.signed() as u64 & weight_mask;
            }
        }
    };
    match pool {
        None => add((0, &mut current)),
        Some(pool) => {
            // Blocks of whole cache lines, enough to keep every thread busy.
            let block = n_post.div_ceil(4 * pool.current_num_threads()).max(64);
            pool.install(|| {
                current
                    .par_chunks_mut(block)
                    .enumerate()
                    .for_each(|(b, c)| add((b * block, c)))
            })
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// The dispatched kernel (AVX2 on a CPU that has it) against the portable
    /// one, which tests/rstdp_array_bulk.rs cannot reach on such a CPU.
    fn kernels_agree<S: Word + PartialEq + std::fmt::Debug, A: Arith, const LEARN: bool>(
        lane: LaneParams,
        word_bits: u32,
    ) {
        let mut rng = SplitMix64(u64::from(word_bits) ^ lane.weight_bits() as u64);
        for pre_spiked in [false, true] {
            let post: Vec<bool> = (0..67).map(|_| rng.chance(30)).collect();
            let post_traces: Vec<u64> =
                (0..67).map(|_| rng.next_u64() & lane.max_trace()).collect();
            let pass = Pass {
                lane,
                pre: &[pre_spiked],
                post: &post,
                pre_traces: &[lane.max_trace() / 3],
                post_traces: &post_traces,
                n_post: post.len(),
                eligibility_shift: word_bits - lane.trace_bits(),
                reward: lane.min_reward(),
                pool: None,
                skip_silent_rows: false,
            };
            let rule = pass.rule::<A>();
            // The columns `Pass::run` builds for such a row.
            let max_trace = lane.max_trace() as i32;
            let column: Vec<i32> = post
                .iter()
                .zip(&post_traces)
                .map(|(&s, &q)| match pre_spiked {
                    true => (if s { max_trace } else { 0 }) - q as i32,
                    false => -(s as i32),
                })
                .collect();
            let row_term = if pre_spiked {
                -1
            } else {
                lane.max_trace() as i32 / 3
            };
            // Any bits: each word decodes to an in-range weight and eligibility.
            let words: Vec<S> = (0..67)
                .map(|_| S::truncate(rng.next_u64() as i64))
                .collect();
            let (mut portable, mut dispatched) = (words.clone(), words);
            if pre_spiked {
                update_row::<S, A, LEARN, true>(&mut portable, &column, row_term, &rule);
                row_kernel::<S, A, LEARN, true>()(&mut dispatched, &column, row_term, &rule);
            } else {
                update_row::<S, A, LEARN, false>(&mut portable, &column, row_term, &rule);
                row_kernel::<S, A, LEARN, false>()(&mut dispatched, &column, row_term, &rule);
            }
            assert_eq!(portable, dispatched, "{lane:?}");
        }
    }

    #[test]
    fn dispatched_kernel_equals_portable_kernel() {
        let lane = |w, t, r, l, d| LaneParams::new(w, t, r, l, d).unwrap();
        kernels_agree::<u16, i32, true>(lane(8, 8, 8, 2, 3), 16);
        kernels_agree::<u16, i64, true>(lane(8, 8, 30, 2, 3), 16);
        kernels_agree::<u16, i32, false>(lane(8, 8, 8, 2, 0), 16);
        kernels_agree::<u32, i32, true>(LaneParams::default(), 32);
        kernels_agree::<u32, i32, false>(LaneParams::default(), 32);
        kernels_agree::<u32, i64, true>(lane(2, 30, 30, 9, 2), 32);
        kernels_agree::<u32, i32, false>(lane(2, 30, 30, 9, 2), 32);
        kernels_agree::<u64, i64, true>(lane(32, 30, 30, 0, 4), 64);
        kernels_agree::<u64, i64, false>(lane(32, 30, 30, 0, 0), 64);
    }
}
