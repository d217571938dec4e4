//! `hebb sc-accuracy`: the error of stochastic multiplication and of the
//! n-input dot product against the exact result, per generator kind and
//! stream length (docs/spec.md section 2, "Accuracy").
//!
//! Method. Values are N = 12-bit fixed point (x encodes x / 2^12). Multiply,
//! over two operand sets: (1) the grid, every pair of 65 x 65 values
//! x_k = min(64 k, 2^12 - 1), k = 0..=64 (the grid k / 64, with 1.0 clamped
//! to 4095 / 4096); (2) `RANDOM_PAIRS` pairs of uniform 12-bit operands from
//! splitmix64 seeded with `RANDOM_PAIRS_SEED` (first x, then w, of each
//! pair). The grid values are multiples of 1/64, aligned with the dyadic
//! boxes in which a Sobol sequence is exactly stratified, so the grid flatters
//! Sobol; the random operands are not aligned and show the error for operands
//! in general. Each pair is multiplied by AND of the two comparator streams
//! over the first L cycles from reset, and the estimate count / L is compared
//! with the exact product x w / 2^24. Dot product: n = 4 inputs, 256 random
//! vectors (fixed seed), inputs and weights uniform over the 12-bit values;
//! one input generator shared by all inputs and one weight generator shared
//! by all weights, as in the RTL; popcount estimate count / L and multiplexer
//! estimate count * n / L against the exact sum of x_j w_j / 2^24 (a value in
//! [0, n)). The same cycle semantics as the RTL units: bit i of a stream is
//! `rand_i < x`, rand_i the generator's number i cycles after reset. Sources
//! per kind: `SourceKind::sources`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::design::mask;
use crate::error::{Error, Result};
use crate::outputs::write_all;
use crate::stochastic::{Generator, Polynomial, Source};

/// Value width of the study.
pub const WIDTH: u32 = 12;
/// Grid points per operand.
pub const GRID: u64 = 65;
/// Random operand pairs of the multiply study.
pub const RANDOM_PAIRS: usize = 4096;
/// splitmix64 seed of the random operand pairs.
pub const RANDOM_PAIRS_SEED: u64 = 0x5eed_0000_0000_0002;
/// Inputs of the dot product.
pub const DOT_INPUTS: usize = 4;
/// Random dot-product vectors per point.
pub const DOT_TRIALS: usize = 256;
/// Stream lengths studied.
pub const LENGTHS: [usize; 7] = [64, 128, 256, 512, 1024, 2048, 4096];
/// Error budgets the report answers for.
pub const BUDGETS: [f64; 7] = [0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005];

/// The operand set of a multiply measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operands {
    /// The 65 x 65 grid of multiples of 1/64.
    Grid,
    /// `RANDOM_PAIRS` uniform 12-bit pairs (splitmix64, `RANDOM_PAIRS_SEED`).
    Random,
}

impl Operands {
    pub const ALL: [Operands; 2] = [Operands::Grid, Operands::Random];

    pub fn name(self) -> &'static str {
        match self {
            Operands::Grid => "grid",
            Operands::Random => "random",
        }
    }

    pub fn describe(self) -> String {
        match self {
            Operands::Grid => format!(
                "{GRID}x{GRID} grid of multiples of 1/64 (dyadic, aligned with Sobol's strata)"
            ),
            Operands::Random => format!(
                "{RANDOM_PAIRS} random {WIDTH}-bit pairs (splitmix64, seed {RANDOM_PAIRS_SEED:#x})"
            ),
        }
    }
}

/// Which generators feed the operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Inputs from the XAPP052 LFSR (seed 1), weights from its
    /// reciprocal-polynomial LFSR (seed all-ones; see `sources`).
    LfsrPair,
    /// Inputs from Sobol dimension 1, weights from dimension 2, one index counter.
    Sobol,
    /// One LFSR feeding both operands: the correlated case.
    Correlated,
}

impl SourceKind {
    pub const ALL: [SourceKind; 3] = [
        SourceKind::LfsrPair,
        SourceKind::Sobol,
        SourceKind::Correlated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SourceKind::LfsrPair => "lfsr_pair",
            SourceKind::Sobol => "sobol",
            SourceKind::Correlated => "correlated",
        }
    }

    /// (input, weight, multiplexer select) sources at `width` bits. The LFSR
    /// pair starts the input LFSR at 1 and the weight LFSR at all-ones, so the
    /// two do not begin in the same run of small numbers (1, 2, 4, ...) that
    /// every Fibonacci LFSR seeded with 1 starts with; the select LFSR starts
    /// at 0b0101...
    pub fn sources(self, width: u32) -> (Source, Source, Source) {
        let select_lfsr = Source::Lfsr {
            polynomial: Polynomial::Primary,
            seed: mask(width) / 3,
        };
        let weight_lfsr = Source::Lfsr {
            polynomial: Polynomial::Reciprocal,
            seed: mask(width),
        };
        match self {
            SourceKind::LfsrPair => (Source::LFSR, weight_lfsr, select_lfsr),
            SourceKind::Sobol => (Source::sobol(1), Source::sobol(2), Source::sobol(3)),
            SourceKind::Correlated => (Source::LFSR, Source::LFSR, select_lfsr),
        }
    }
}

/// Absolute errors against the exact result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorStats {
    pub mean_abs: f64,
    pub max_abs: f64,
    pub rmse: f64,
    pub samples: usize,
}

impl ErrorStats {
    pub fn from_errors(errors: impl IntoIterator<Item = f64>) -> Self {
        let (mut sum, mut sum_sq, mut max, mut n) = (0.0, 0.0, 0.0f64, 0usize);
        for e in errors {
            let e = e.abs();
            sum += e;
            sum_sq += e * e;
            max = max.max(e);
            n += 1;
        }
        let n_f = n.max(1) as f64;
        ErrorStats {
            mean_abs: sum / n_f,
            max_abs: max,
            rmse: (sum_sq / n_f).sqrt(),
            samples: n,
        }
    }
}

/// One (source kind, length) point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyRow {
    pub source: SourceKind,
    pub length: usize,
    /// Multiply over the 65 x 65 grid.
    pub multiply_grid: ErrorStats,
    /// Multiply over the random operand pairs.
    pub multiply_random: ErrorStats,
    pub dot_popcount: ErrorStats,
    pub dot_mux: ErrorStats,
}

impl AccuracyRow {
    /// The multiply errors over one operand set.
    pub fn multiply(&self, operands: Operands) -> &ErrorStats {
        match operands {
            Operands::Grid => &self.multiply_grid,
            Operands::Random => &self.multiply_random,
        }
    }
}

/// The cheapest choice meeting one error budget on one operand set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetAnswer {
    /// The operand set the answer holds for.
    pub operands: Operands,
    pub budget: f64,
    /// Shortest length per source whose multiply RMSE is within the budget.
    pub rmse: Vec<(SourceKind, Option<usize>)>,
    /// Shortest length per source whose worst multiply error is within the budget.
    pub worst: Vec<(SourceKind, Option<usize>)>,
}

/// How one operand set was drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperandSet {
    pub operands: Operands,
    pub pairs: usize,
    pub description: String,
}

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyReport {
    pub width: u32,
    pub grid: u64,
    pub random_pairs: usize,
    pub random_pairs_seed: u64,
    pub operand_sets: Vec<OperandSet>,
    pub dot_inputs: usize,
    pub dot_trials: usize,
    pub lengths: Vec<usize>,
    pub rows: Vec<AccuracyRow>,
    /// Per operand set (grid first), per budget.
    pub budgets: Vec<BudgetAnswer>,
}

/// One number of a row, for plotting.
type Metric = fn(&AccuracyRow) -> f64;

/// A stream's bits, 64 per word.
type Bits = Vec<u64>;

fn stream(rands: &[u64], value: u64) -> Bits {
    let mut bits = vec![0u64; rands.len().div_ceil(64)];
    for (i, r) in rands.iter().enumerate() {
        if *r < value {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
}

fn ones_and(a: &Bits, b: &Bits) -> u64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| u64::from((x & y).count_ones()))
        .sum()
}

fn ones_and3(a: &Bits, b: &Bits, c: &Bits) -> u64 {
    a.iter()
        .zip(b)
        .zip(c)
        .map(|((x, y), z)| u64::from((x & y & z).count_ones()))
        .sum()
}

/// The grid of operand values.
pub fn grid_values(width: u32) -> Vec<u64> {
    let max = (1u64 << width) - 1;
    (0..GRID).map(|k| (k << (width - 6)).min(max)).collect()
}

/// Multiply errors over the grid, from given random sequences (equal lengths).
pub fn multiply_errors_from(x_rands: &[u64], w_rands: &[u64], width: u32) -> ErrorStats {
    let len = x_rands.len();
    let grid = grid_values(width);
    let xs: Vec<Bits> = grid.iter().map(|&x| stream(x_rands, x)).collect();
    let ws: Vec<Bits> = grid.iter().map(|&w| stream(w_rands, w)).collect();
    let scale = (1u64 << (2 * width)) as f64;
    let mut errors = Vec::with_capacity(grid.len() * grid.len());
    for (xi, x) in grid.iter().enumerate() {
        for (wi, w) in grid.iter().enumerate() {
            let estimate = ones_and(&xs[xi], &ws[wi]) as f64 / len as f64;
            errors.push(estimate - (x * w) as f64 / scale);
        }
    }
    ErrorStats::from_errors(errors)
}

/// The random operand pairs (x, w): uniform `width`-bit values from
/// splitmix64 seeded with `RANDOM_PAIRS_SEED`, x then w of each pair.
pub fn random_pairs(width: u32, count: usize) -> Vec<(u64, u64)> {
    let mut seed = RANDOM_PAIRS_SEED;
    let m = mask(width);
    (0..count)
        .map(|_| {
            let x = splitmix(&mut seed) & m;
            (x, splitmix(&mut seed) & m)
        })
        .collect()
}

/// Multiply errors of `pairs` at each of `lengths` (strictly increasing,
/// each at least 1 and at most the sequences' length): the streams of length
/// L are the first L cycles, so one pass per pair counts every length.
pub fn multiply_pair_errors(
    x_rands: &[u64],
    w_rands: &[u64],
    width: u32,
    pairs: &[(u64, u64)],
    lengths: &[usize],
) -> Vec<ErrorStats> {
    let longest = lengths.iter().copied().max().unwrap_or(0);
    assert!(
        longest <= x_rands.len().min(w_rands.len())
            && lengths.first().is_none_or(|&l| l >= 1)
            && lengths.windows(2).all(|p| p[0] < p[1]),
        "lengths {lengths:?} must be strictly increasing within 1..={}",
        x_rands.len().min(w_rands.len())
    );
    let scale = (1u64 << (2 * width)) as f64;
    let mut errors = vec![Vec::with_capacity(pairs.len()); lengths.len()];
    for &(x, w) in pairs {
        let exact = (x * w) as f64 / scale;
        let (mut count, mut next) = (0u64, 0);
        for (i, (xr, wr)) in x_rands.iter().zip(w_rands).take(longest).enumerate() {
            count += u64::from(*xr < x && *wr < w);
            if i + 1 == lengths[next] {
                errors[next].push(count as f64 / lengths[next] as f64 - exact);
                next += 1;
            }
        }
    }
    errors.into_iter().map(ErrorStats::from_errors).collect()
}

fn rands(source: Source, width: u32, len: usize) -> Vec<u64> {
    Generator::new(width, source)
        .expect("the study's sources are valid")
        .take(len)
}

/// The study's fixed pseudo-random vectors.
fn splitmix(state: &mut u64) -> u64 {
    let mut rng = crate::rng::SplitMix64(*state);
    let value = rng.next_u64();
    *state = rng.0;
    value
}

/// The random dot-product vectors: (inputs, weights) per trial.
pub fn dot_vectors(width: u32, inputs: usize, trials: usize) -> Vec<(Vec<u64>, Vec<u64>)> {
    let mut seed = 0x5eed_0000_0000_0001u64;
    let m = (1u64 << width) - 1;
    (0..trials)
        .map(|_| {
            let x = (0..inputs).map(|_| splitmix(&mut seed) & m).collect();
            let w = (0..inputs).map(|_| splitmix(&mut seed) & m).collect();
            (x, w)
        })
        .collect()
}

/// The random sequences of one source kind: (input, weight, select) over `length` cycles from reset.
pub struct KindStreams {
    pub width: u32,
    pub x: Vec<u64>,
    pub w: Vec<u64>,
    pub select: Vec<u64>,
}

impl KindStreams {
    pub fn new(kind: SourceKind, width: u32, length: usize) -> Self {
        let (xs, ws, ss) = kind.sources(width);
        KindStreams {
            width,
            x: rands(xs, width, length),
            w: rands(ws, width, length),
            select: rands(ss, width, length),
        }
    }

    /// Cycles where the multiplexer of `inputs` inputs picks input j:
    /// select_i = floor(s_rand_i * n / 2^N).
    fn select_masks(&self, inputs: usize) -> Vec<Bits> {
        let len = self.select.len();
        let mut masks = vec![vec![0u64; len.div_ceil(64)]; inputs];
        for (i, s) in self.select.iter().enumerate() {
            let j = ((s * inputs as u64) >> self.width) as usize;
            masks[j][i / 64] |= 1 << (i % 64);
        }
        masks
    }

    /// Window counts (popcount, mux) of the dot product of `x` and `w`.
    pub fn dot_counts(&self, x: &[u64], w: &[u64]) -> (u64, u64) {
        self.dot_counts_with(&self.select_masks(x.len()), x, w)
    }

    fn dot_counts_with(&self, masks: &[Bits], x: &[u64], w: &[u64]) -> (u64, u64) {
        let (mut popcount, mut mux) = (0, 0);
        for j in 0..x.len() {
            let (bx, bw) = (stream(&self.x, x[j]), stream(&self.w, w[j]));
            popcount += ones_and(&bx, &bw);
            mux += ones_and3(&bx, &bw, &masks[j]);
        }
        (popcount, mux)
    }
}

/// Dot-product errors (popcount, mux) of one source kind at one length.
pub fn dot_errors(kind: SourceKind, width: u32, length: usize) -> (ErrorStats, ErrorStats) {
    let scale = (1u64 << (2 * width)) as f64;
    let streams = KindStreams::new(kind, width, length);
    let masks = streams.select_masks(DOT_INPUTS);
    let mut pop = Vec::new();
    let mut mux = Vec::new();
    for (x, w) in dot_vectors(width, DOT_INPUTS, DOT_TRIALS) {
        let exact: f64 = x.iter().zip(&w).map(|(a, b)| (a * b) as f64).sum::<f64>() / scale;
        let (p, m) = streams.dot_counts_with(&masks, &x, &w);
        pop.push(p as f64 / length as f64 - exact);
        mux.push(m as f64 * x.len() as f64 / length as f64 - exact);
    }
    (ErrorStats::from_errors(pop), ErrorStats::from_errors(mux))
}

/// Runs the whole study (no output).
pub fn study() -> AccuracyReport {
    let longest = *LENGTHS.iter().max().expect("lengths");
    let pairs = random_pairs(WIDTH, RANDOM_PAIRS);
    let mut rows = Vec::new();
    for kind in SourceKind::ALL {
        let (xs, ws, _) = kind.sources(WIDTH);
        let (x, w) = (rands(xs, WIDTH, longest), rands(ws, WIDTH, longest));
        let random = multiply_pair_errors(&x, &w, WIDTH, &pairs, &LENGTHS);
        for (&length, multiply_random) in LENGTHS.iter().zip(random) {
            let (dot_popcount, dot_mux) = dot_errors(kind, WIDTH, length);
            rows.push(AccuracyRow {
                source: kind,
                length,
                multiply_grid: multiply_errors_from(&x[..length], &w[..length], WIDTH),
                multiply_random,
                dot_popcount,
                dot_mux,
            });
        }
    }
    let shortest = |operands: Operands, budget: f64, metric: fn(&ErrorStats) -> f64| {
        SourceKind::ALL
            .iter()
            .map(|&kind| {
                let length = rows
                    .iter()
                    .filter(|r| r.source == kind && metric(r.multiply(operands)) <= budget)
                    .map(|r| r.length)
                    .min();
                (kind, length)
            })
            .collect::<Vec<_>>()
    };
    let budgets = Operands::ALL
        .iter()
        .flat_map(|&operands| {
            BUDGETS.iter().map(move |&budget| BudgetAnswer {
                operands,
                budget,
                rmse: shortest(operands, budget, |s| s.rmse),
                worst: shortest(operands, budget, |s| s.max_abs),
            })
        })
        .collect();
    AccuracyReport {
        width: WIDTH,
        grid: GRID,
        random_pairs: RANDOM_PAIRS,
        random_pairs_seed: RANDOM_PAIRS_SEED,
        operand_sets: vec![
            OperandSet {
                operands: Operands::Grid,
                pairs: (GRID * GRID) as usize,
                description: Operands::Grid.describe(),
            },
            OperandSet {
                operands: Operands::Random,
                pairs: RANDOM_PAIRS,
                description: Operands::Random.describe(),
            },
        ],
        dot_inputs: DOT_INPUTS,
        dot_trials: DOT_TRIALS,
        lengths: LENGTHS.to_vec(),
        rows,
        budgets,
    }
}

impl AccuracyReport {
    pub fn row(&self, source: SourceKind, length: usize) -> Option<&AccuracyRow> {
        self.rows
            .iter()
            .find(|r| r.source == source && r.length == length)
    }

    /// The cheapest (shortest stream, then source order) choice whose
    /// multiply RMSE is within `budget` on `operands`, among the lengths studied.
    pub fn cheapest_for_operands(
        &self,
        budget: f64,
        operands: Operands,
    ) -> Option<(SourceKind, usize)> {
        self.rows
            .iter()
            .filter(|r| r.multiply(operands).rmse <= budget)
            .min_by_key(|r| r.length)
            .map(|r| (r.source, r.length))
    }

    /// The cheapest choice whose multiply RMSE is within `budget` on every
    /// operand set (grid and random): the answer for operands in general.
    pub fn cheapest_for_all(&self, budget: f64) -> Option<(SourceKind, usize)> {
        self.rows
            .iter()
            .filter(|r| Operands::ALL.iter().all(|&o| r.multiply(o).rmse <= budget))
            .min_by_key(|r| r.length)
            .map(|r| (r.source, r.length))
    }

    /// The report as an SVG plot: four log-log panels (multiply on the grid,
    /// multiply on random operands, popcount dot product, multiplexer dot
    /// product), each with the mean (solid) and worst (dashed) absolute
    /// error per source against stream length.
    pub fn render_svg(&self) -> Result<String> {
        let mut svg = String::new();
        self.draw(&mut svg)
            .map_err(|e| Error::Other(format!("plotting the accuracy report: {e}")))?;
        Ok(svg)
    }

    fn draw(&self, svg: &mut String) -> std::result::Result<(), String> {
        use plotters::prelude::*;
        let root = SVGBackend::with_string(svg, (1400, 1000)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let root = root
            .titled(
                &format!(
                    "Stochastic computing: absolute error vs stream length (N = {} bits; solid = mean, dashed = worst)",
                    self.width
                ),
                ("sans-serif", 22),
            )
            .map_err(|e| e.to_string())?;
        let panels: [(String, Metric, Metric); 4] = [
            (
                format!(
                    "multiply x·w, {}x{} grid (multiples of 1/64)",
                    self.grid, self.grid
                ),
                |r| r.multiply_grid.mean_abs,
                |r| r.multiply_grid.max_abs,
            ),
            (
                format!(
                    "multiply x·w, {} random {}-bit pairs",
                    self.random_pairs, self.width
                ),
                |r| r.multiply_random.mean_abs,
                |r| r.multiply_random.max_abs,
            ),
            (
                format!(
                    "{}-input dot product, popcount (error of Σ x_j w_j)",
                    self.dot_inputs
                ),
                |r| r.dot_popcount.mean_abs,
                |r| r.dot_popcount.max_abs,
            ),
            (
                format!(
                    "{}-input dot product, multiplexer (error of Σ x_j w_j)",
                    self.dot_inputs
                ),
                |r| r.dot_mux.mean_abs,
                |r| r.dot_mux.max_abs,
            ),
        ];
        let first = log2(self.lengths[0]);
        let last = log2(*self.lengths.last().unwrap_or(&4096));
        for (area, (title, mean, worst)) in root.split_evenly((2, 2)).iter().zip(panels) {
            let values = || self.rows.iter().flat_map(|r| [mean(r), worst(r)]);
            // Log scale: errors of exactly 0 are drawn at the floor.
            let floor = values()
                .filter(|v| *v > 0.0)
                .fold(f64::INFINITY, f64::min)
                .max(1e-7)
                / 2.0;
            let top = values().fold(0.0, f64::max).max(floor * 10.0) * 2.0;
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 17))
                .margin(12)
                .x_label_area_size(42)
                .y_label_area_size(72)
                .build_cartesian_2d(first..last, (floor / 4.0..top).log_scale())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_labels(self.lengths.len())
                .x_label_formatter(&|x| format!("{:.0}", x.exp2()))
                .y_label_formatter(&|y| format!("{y:.0e}"))
                .x_desc("stream length L (cycles, log scale)")
                .y_desc("absolute error (log scale)")
                .draw()
                .map_err(|e| e.to_string())?;
            for (kind, color) in SourceKind::ALL.iter().zip([RED, BLUE, BLACK]) {
                let series = |metric: Metric| {
                    self.rows
                        .iter()
                        .filter(|r| r.source == *kind)
                        .map(|r| (log2(r.length), metric(r).max(floor)))
                        .collect::<Vec<_>>()
                };
                let solid = color.stroke_width(2);
                chart
                    .draw_series(LineSeries::new(series(mean), solid).point_size(3))
                    .map_err(|e| e.to_string())?
                    .label(format!("{} mean", kind.name()))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], solid));
                let dashed = color.stroke_width(1);
                chart
                    .draw_series(DashedLineSeries::new(series(worst), 6, 4, dashed))
                    .map_err(|e| e.to_string())?
                    .label(format!("{} worst", kind.name()))
                    .legend(move |(x, y)| {
                        plotters::element::DashedPathElement::new(
                            vec![(x, y), (x + 24, y)],
                            6,
                            4,
                            dashed,
                        )
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
        Ok(())
    }
}

fn log2(length: usize) -> f64 {
    (length as f64).log2()
}

fn length_text(length: Option<usize>) -> String {
    length.map_or_else(|| "> 4096".to_string(), |l| l.to_string())
}

impl fmt::Display for AccuracyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Stochastic-computing accuracy: N = {} bits; {}-input dot product over {} random vectors",
            self.width, self.dot_inputs, self.dot_trials
        )?;
        for set in &self.operand_sets {
            writeln!(
                f,
                "multiply operands `{}`: {}",
                set.operands.name(),
                set.description
            )?;
        }
        writeln!(
            f,
            "Absolute errors against the exact result (dot product: error of sum x_j w_j, range [0, {})).",
            self.dot_inputs
        )?;
        writeln!(
            f,
            "{:<11} {:>5} | {:^29} | {:^29} | {:^19} | {:^19}",
            "", "", "multiply, grid", "multiply, random", "dot popcount", "dot mux"
        )?;
        writeln!(
            f,
            "{:<11} {:>5} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>9} {:>9} | {:>9} {:>9}",
            "source",
            "L",
            "mean",
            "worst",
            "rmse",
            "mean",
            "worst",
            "rmse",
            "mean",
            "worst",
            "mean",
            "worst"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<11} {:>5} | {:>9.6} {:>9.6} {:>9.6} | {:>9.6} {:>9.6} {:>9.6} | {:>9.6} {:>9.6} | {:>9.6} {:>9.6}",
                r.source.name(),
                r.length,
                r.multiply_grid.mean_abs,
                r.multiply_grid.max_abs,
                r.multiply_grid.rmse,
                r.multiply_random.mean_abs,
                r.multiply_random.max_abs,
                r.multiply_random.rmse,
                r.dot_popcount.mean_abs,
                r.dot_popcount.max_abs,
                r.dot_mux.mean_abs,
                r.dot_mux.max_abs
            )?;
        }
        for operands in Operands::ALL {
            writeln!(
                f,
                "\nShortest stream meeting a multiply error budget on operands `{}` (RMSE / worst case):",
                operands.name()
            )?;
            write!(f, "{:>8}", "budget")?;
            for kind in SourceKind::ALL {
                write!(f, " | {:>21}", kind.name())?;
            }
            writeln!(f)?;
            for b in self.budgets.iter().filter(|b| b.operands == operands) {
                write!(f, "{:>8}", b.budget)?;
                for (rmse, worst) in b.rmse.iter().zip(&b.worst) {
                    write!(
                        f,
                        " | {:>10} / {:>8}",
                        length_text(rmse.1),
                        length_text(worst.1)
                    )?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Runs the study, prints it, and writes `sc_accuracy.json` and
/// `sc_accuracy.svg` into `out_dir`. Both are rendered before either is
/// written, and each file is written atomically, so a failure leaves no
/// half-written output.
pub fn run_accuracy(out_dir: &Path) -> Result<AccuracyReport> {
    let report = study();
    print!("{report}");
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| Error::Other(format!("serializing the accuracy report: {e}")))?;
    let svg = report.render_svg()?;
    let written: Vec<PathBuf> = write_all(
        out_dir,
        &[
            ("sc_accuracy.json".to_string(), json + "\n"),
            ("sc_accuracy.svg".to_string(), svg),
        ],
    )?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    println!("wrote {}", names.join(" and "));
    Ok(report)
}
