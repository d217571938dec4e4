//! The homeostasis demo (`hebb demo homeostasis`): two populations of the
//! same LIF neurons, one driven far too hard (ten times the input that gives
//! the target rate at the initial threshold) and one far too weakly (a
//! tenth), run on the step model. Both must reach their band of spikes per
//! window and then hold it; the demo reports how many windows that took,
//! and draws rate and mean threshold per window.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use crate::units::lif_population::{PopulationModel, PopulationParams, RawPopulationParams};

/// Windows each population runs.
pub const WINDOWS: usize = 400;

/// The demo's neurons: the unit's default parameters (the ones `hebb units`
/// lists). Their threshold step (8 current units) is fine enough to hold a
/// band a few spikes wide and coarse enough to get there in about a hundred
/// windows from ten times too much input.
pub fn demo_params() -> Result<PopulationParams> {
    Ok(PopulationParams::try_from(RawPopulationParams::default())?)
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationRun {
    pub name: String,
    /// Mean input current per neuron and timestep (current units).
    pub mean_current: f64,
    /// The population's [LO, HI] spike count per window.
    pub band: [u64; 2],
    pub count_per_window: Vec<u64>,
    /// Mean threshold per window (current units), at the window's end.
    pub mean_threshold_per_window: Vec<f64>,
    /// The first window from which every window is in the band; None if the
    /// run ends outside it.
    pub windows_to_band: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HomeostasisReport {
    pub seed: u64,
    pub neurons: u32,
    pub window: u32,
    pub target_rate: f64,
    pub bounds: String,
    pub populations: Vec<PopulationRun>,
}

/// One population at `mean_current` (each neuron's current uniform in
/// [0, 2 x mean] per timestep).
fn run_population(p: &PopulationParams, name: &str, mean_current: u64, seed: u64) -> PopulationRun {
    let mut model = PopulationModel::new(*p);
    let mut rng = SplitMix64(seed);
    let scale = f64::from(1u32 << p.fraction_bits);
    let mut counts = Vec::with_capacity(WINDOWS);
    let mut thresholds = Vec::with_capacity(WINDOWS);
    for _ in 0..WINDOWS {
        let mut count = 0u64;
        for _ in 0..p.window {
            let currents: Vec<u64> = (0..p.neurons)
                .map(|_| rng.next_u64() % (2 * mean_current + 1))
                .collect();
            count += model.step(&currents).iter().filter(|s| **s).count() as u64;
        }
        counts.push(count);
        let sum: u64 = (0..p.neurons as usize)
            .map(|j| model.neuron(j).threshold)
            .sum();
        thresholds.push(sum as f64 / f64::from(p.neurons) / scale);
    }
    let band = [p.population_lo(), p.population_hi()];
    let in_band = |c: &u64| (band[0]..=band[1]).contains(c);
    let windows_to_band = match counts.iter().rposition(|c| !in_band(c)) {
        None => Some(0),
        Some(last_out) if last_out + 1 < counts.len() => Some(last_out + 1),
        Some(_) => None,
    };
    PopulationRun {
        name: name.to_string(),
        mean_current: mean_current as f64,
        band,
        count_per_window: counts,
        mean_threshold_per_window: thresholds,
        windows_to_band,
    }
}

/// Both populations for one seed.
pub fn run(seed: u64) -> Result<HomeostasisReport> {
    let p = demo_params()?;
    // At the initial threshold, the target rate needs about r* x threshold
    // per timestep (reset by subtraction: rate ~ input / threshold).
    let target_rate =
        p.lo as f64 / f64::from(p.window) * 0.5 + p.hi as f64 / f64::from(p.window) * 0.5;
    let balanced = (p.threshold_init >> p.fraction_bits) as f64 * target_rate;
    let hard = (balanced * 10.0).round() as u64;
    let weak = ((balanced / 10.0).round() as u64).max(1);
    Ok(HomeostasisReport {
        seed,
        neurons: p.neurons,
        window: p.window,
        target_rate,
        bounds: p.bounds_summary(),
        populations: vec![
            run_population(&p, "driven far too hard", hard, seed),
            run_population(&p, "driven far too weakly", weak, seed ^ 0x5eed),
        ],
    })
}

impl HomeostasisReport {
    pub fn json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("homeostasis report to JSON: {e}")))
    }

    /// Spike count per window (with the band) and mean threshold per window.
    pub fn render_svg(&self) -> Result<String> {
        let mut svg = String::new();
        self.draw(&mut svg)
            .map_err(|e| Error::Other(format!("plotting the homeostasis demo: {e}")))?;
        Ok(svg)
    }

    fn draw(&self, svg: &mut String) -> std::result::Result<(), String> {
        use plotters::prelude::*;
        let root = SVGBackend::with_string(svg, (1200, 900)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let root = root
            .titled(
                &format!(
                    "Homeostasis: {} LIF neurons, windows of {} timesteps (seed {})",
                    self.neurons, self.window, self.seed
                ),
                ("sans-serif", 22),
            )
            .map_err(|e| e.to_string())?;
        let (top, bottom) = root.split_vertically(450);
        let windows = WINDOWS as i32;
        let colors = [RED, BLUE];
        let max_count = self
            .populations
            .iter()
            .flat_map(|p| p.count_per_window.iter().copied())
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(&top)
            .caption(
                "population spike count per window (band dashed)",
                ("sans-serif", 17),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0..windows, 0.0..max_count * 1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("window")
            .y_desc("spikes")
            .draw()
            .map_err(|e| e.to_string())?;
        for (run, color) in self.populations.iter().zip(colors) {
            chart
                .draw_series(LineSeries::new(
                    run.count_per_window
                        .iter()
                        .enumerate()
                        .map(|(w, &c)| (w as i32, c as f64)),
                    color,
                ))
                .map_err(|e| e.to_string())?
                .label(run.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        if let Some(run) = self.populations.first() {
            for bound in run.band {
                chart
                    .draw_series(std::iter::once(plotters::element::DashedPathElement::new(
                        vec![(0, bound as f64), (windows, bound as f64)],
                        6,
                        4,
                        BLACK,
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        let max_threshold = self
            .populations
            .iter()
            .flat_map(|p| p.mean_threshold_per_window.iter().copied())
            .fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(&bottom)
            .caption(
                "mean threshold per window (current units)",
                ("sans-serif", 17),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0..windows, 0.0..max_threshold * 1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("window")
            .y_desc("threshold")
            .draw()
            .map_err(|e| e.to_string())?;
        for (run, color) in self.populations.iter().zip(colors) {
            chart
                .draw_series(LineSeries::new(
                    run.mean_threshold_per_window
                        .iter()
                        .enumerate()
                        .map(|(w, &t)| (w as i32, t)),
                    color,
                ))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
        Ok(())
    }
}
