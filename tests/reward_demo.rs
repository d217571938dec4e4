//! The reward-learning demo: from seeded random weights, reward alone
//! teaches the plastic core to answer each of four input patterns with its
//! own output neuron, for any seed; the same run without learning, or with
//! the reward's sign turned round, does not get there. The CLI run executes
//! its first 400 trials on the Verilated RTL, equal to the step model at
//! every timestep.

use hebb::studies::reward::{CRITERION, RewardReport, Task, demo_core, run_with};

const SEEDS: [u64; 8] = [0, 1, 2, 3, 42, 0x5eed, 0xdead_beef, u64::MAX];

/// The demo's task on the step model alone.
fn model_run(edit: impl Fn(&mut Task), seed: u64) -> RewardReport {
    let mut task = Task {
        rtl_prefix_trials: 0,
        ..Task::default()
    };
    edit(&mut task);
    run_with(demo_core(), task, seed).unwrap()
}

#[test]
fn reward_alone_teaches_the_mapping_for_any_seed() {
    for seed in SEEDS {
        let r = model_run(|_| {}, seed);
        let a = &r.block_accuracy;
        assert_eq!(a.len(), r.task.trials / r.trials_per_block);
        // Starts near chance (ties and silence count as wrong, so an
        // untrained core often scores below it) ...
        assert!(a[0] <= 0.6, "seed {seed}: first block {a:?}");
        // ... and holds at least 90 % over the last quarter of the run.
        let last_quarter = &a[a.len() * 3 / 4..];
        assert!(
            last_quarter.iter().all(|&x| x >= CRITERION),
            "seed {seed}: {a:?}"
        );
        let reached = r.trials_to_criterion.expect("learned");
        assert!(
            reached <= 500,
            "seed {seed}: criterion from trial {reached}"
        );
        // The weights show what was learned: each group drives its own
        // neuron harder than any other neuron.
        let w = r.group_weights.last().unwrap();
        for (g, row) in w.iter().enumerate() {
            for (j, &weight) in row.iter().enumerate() {
                if j != g {
                    assert!(row[g] > weight, "seed {seed}: group {g}: {row:?}");
                }
            }
        }
    }
}

#[test]
fn without_learning_or_with_the_reward_reversed_it_never_learns() {
    for seed in SEEDS {
        for (what, edit) in [
            (
                "learn_en 0",
                (|t: &mut Task| t.learning = false) as fn(&mut Task),
            ),
            ("reward reversed", |t: &mut Task| t.reward = -t.reward),
        ] {
            let r = model_run(edit, seed);
            let a = &r.block_accuracy;
            assert!(
                a.iter().all(|&x| x < CRITERION),
                "seed {seed}, {what}: {a:?}"
            );
            let mean = a.iter().sum::<f64>() / a.len() as f64;
            assert!(mean <= 0.4, "seed {seed}, {what}: mean {mean}: {a:?}");
            assert!(r.trials_to_criterion.is_none());
        }
    }
}

#[test]
fn the_model_run_is_deterministic_per_seed_and_differs_across_seeds() {
    let a = model_run(|_| {}, 9);
    let b = model_run(|_| {}, 9);
    let c = model_run(|_| {}, 10);
    assert_eq!(a.json().unwrap(), b.json().unwrap());
    assert_ne!(a.group_weights, c.group_weights);
}

#[test]
fn the_cli_runs_a_prefix_on_the_rtl_and_writes_the_report_and_the_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["demo", "reward", "--seed", "7", "--out"])
        .arg(dir.path().join("r"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("equal to the step model"), "{stdout}");
    let text = std::fs::read_to_string(dir.path().join("r/reward.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["chance"], 0.25);
    assert_eq!(json["rtl_prefix_match"], true);
    assert!(json["rtl_prefix_mismatch"].is_null());
    assert!(json["rtl_prefix_trials"].as_u64().unwrap() >= 200);
    assert!(json["rtl_prefix_timesteps"].as_u64().unwrap() >= 200 * 5);
    let per_block = json["trials_per_block"].as_u64().unwrap();
    let blocks = json["block_accuracy"].as_array().unwrap();
    assert_eq!(
        blocks.len() as u64 * per_block,
        json["task"]["trials"].as_u64().unwrap()
    );
    assert!(blocks.last().unwrap().as_f64().unwrap() >= CRITERION);
    assert_eq!(json["core"]["array"]["n_pre"], 16);
    assert_eq!(json["core"]["population"]["neurons"], 4);
    // The same run on the step model alone gives the same numbers.
    let model = model_run(|_| {}, 7);
    let model_blocks: Vec<f64> = blocks.iter().map(|b| b.as_f64().unwrap()).collect();
    assert_eq!(model.block_accuracy, model_blocks);
    let svg = std::fs::read_to_string(dir.path().join("r/reward.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("mean weight onto neuron 3"));
}
