//! The homeostasis demo: a population driven far too hard and one driven far
//! too weakly both reach their band of spikes per window and hold it to the
//! end of the run, for any seed; neither ever goes silent once there.

use hebb::studies::homeostasis::{WINDOWS, run};

#[test]
fn both_populations_reach_and_hold_their_band_for_any_seed() {
    for seed in [0, 1, 2, 0xdead_beef, u64::MAX] {
        let report = run(seed).unwrap();
        for p in &report.populations {
            let reached = p.windows_to_band.unwrap_or_else(|| {
                panic!(
                    "seed {seed}: {} ends outside its band: {:?}",
                    p.name,
                    &p.count_per_window[WINDOWS - 10..]
                )
            });
            // Held for at least the last half of the run.
            assert!(
                reached <= WINDOWS / 2,
                "seed {seed}: {} took {reached} windows",
                p.name
            );
            assert!(
                p.count_per_window[reached..]
                    .iter()
                    .all(|&c| c >= p.band[0] && c <= p.band[1])
            );
            assert!(p.band[0] > 0, "a band that allows silence");
        }
        // The two start on opposite sides of the band.
        let (hard, weak) = (&report.populations[0], &report.populations[1]);
        assert!(
            hard.count_per_window[0] > hard.band[1],
            "{:?}",
            &hard.count_per_window[..5]
        );
        assert!(
            weak.count_per_window[0] < weak.band[0],
            "{:?}",
            &weak.count_per_window[..5]
        );
    }
}

#[test]
fn the_cli_writes_the_report_and_the_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["demo", "homeostasis", "--seed", "7", "--out"])
        .arg(dir.path().join("h"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("h/homeostasis.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let populations = json["populations"].as_array().unwrap();
    assert_eq!(populations.len(), 2);
    for p in populations {
        for key in [
            "name",
            "band",
            "count_per_window",
            "mean_threshold_per_window",
            "windows_to_band",
        ] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
        assert_eq!(p["count_per_window"].as_array().unwrap().len(), WINDOWS);
    }
    let svg = std::fs::read_to_string(dir.path().join("h/homeostasis.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("driven far too weakly"));
}
