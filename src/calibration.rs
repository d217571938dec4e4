//! The parameter sets the estimate is checked against Yosys on: every unit,
//! at its defaults and at corners of its parameters (`tests/calibration.rs`
//! asserts the agreement, `examples/calibrate.rs` prints it).

use crate::design::Design;
use crate::error::Result;
use crate::params::ParamValues;

/// (unit, `--set` values): small enough that Yosys runs them all in minutes.
pub const SETS: &[(&str, &[&str])] = &[
    ("rstdp_lane", &[]),
    (
        "rstdp_lane",
        &[
            "weight_bits=8",
            "trace_bits=8",
            "reward_bits=4",
            "learning_shift=2",
            "trace_decay_shift=2",
        ],
    ),
    (
        "rstdp_lane",
        &[
            "weight_bits=24",
            "trace_bits=16",
            "reward_bits=12",
            "learning_shift=6",
            "trace_decay_shift=3",
        ],
    ),
    ("rstdp_lane", &["trace_bits=2"]),
    (
        "rstdp_lane",
        &[
            "trace_decay_shift=0",
            "trace_bits=20",
            "reward_bits=16",
            "learning_shift=10",
        ],
    ),
    ("rstdp_lane", &["pipeline=2"]),
    ("rstdp_lane", &["pipeline=4", "weight_bits=12"]),
    ("rstdp_lane_pair", &[]),
    ("rstdp_array", &[]),
    (
        "rstdp_array",
        &[
            "n_pre=4",
            "n_post=4",
            "lanes=1",
            "weight_bits=8",
            "trace_bits=8",
        ],
    ),
    (
        "rstdp_array",
        &["n_pre=8", "n_post=4", "lanes=4", "current_bits=12"],
    ),
    ("lif_population", &[]),
    ("lif_population", &["neurons=4", "window=16"]),
    (
        "lif_population",
        &[
            "neurons=32",
            "current_bits=12",
            "membrane_bits=20",
            "threshold_max=30000.0",
            "refractory=0",
        ],
    ),
    // A small core, its nested tables given whole.
    (
        "plastic_core",
        &[
            "array={ current_bits = 0, lanes = 2, learning_shift = 4, n_post = 4, n_pre = 8, reward_bits = 8, trace_bits = 10, trace_decay_shift = 3, weight_bits = 8 }",
            "population={ current_bits = 11, fraction_bits = 4, leak_time_constant = 16.0, learning_shift_base = 4, learning_shift_max = 8, membrane_bits = 24, neurons = 4, refractory = 2, target_rate = 0.125, threshold_init = 1024.0, threshold_max = 65535.0, threshold_min = 16.0, threshold_step = 32.0, tolerance = 0.25, variance_bound = 16.0, window = 64 }",
            "scaling_shift=3",
        ],
    ),
    ("sc_sng", &[]),
    ("sc_sng", &["width=16", "source=\"lfsr\""]),
    ("sc_synapse", &[]),
    (
        "sc_synapse",
        &["width=6", "weight_source=\"lfsr\"", "reset_weight=5"],
    ),
    ("sc_decoder", &[]),
    ("sc_decoder", &["window=1000"]),
    ("sc_dot_product", &[]),
    (
        "sc_dot_product",
        &[
            "combine=\"mux\"",
            "inputs=8",
            "width=6",
            "reset_weights=[1,2,3,4,5,6,7,8]",
        ],
    ),
    ("sc_stdp", &[]),
    (
        "sc_stdp",
        &[
            "weight_bits=12",
            "window=8",
            "rand_bits=10",
            "max_weight=4000",
            "reset_weight=2000",
        ],
    ),
];

/// The designs of [`SETS`], with a label each (`unit key=value ...`).
pub fn designs() -> Result<Vec<(String, Box<dyn Design>)>> {
    SETS.iter()
        .map(|(unit, sets)| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let values = ParamValues::gather(None, &sets)?;
            let design = crate::units::unit(unit)?.design(&values)?;
            Ok((
                format!("{unit} {}", sets.join(" ")).trim().to_string(),
                design,
            ))
        })
        .collect()
}
