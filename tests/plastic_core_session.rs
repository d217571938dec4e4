//! `CoreSession` and `hebb core`: weights saved after a learning run and
//! loaded into a fresh model and a fresh RTL give the same spikes (and
//! other weights give other spikes); normalization leaves every column sum
//! at its target on model and RTL; learning off keeps every weight; the
//! CSV and VCD recordings parse back to the recorded weights; bad weight
//! files are errors naming the file and the field, and change nothing.

use std::path::Path;
use std::process::Command;

use hebb::rng::SplitMix64;
use hebb::units::lif_population::RawPopulationParams;
use hebb::units::plastic_core::session::{Beside, CoreSession, WeightDump, WeightHistory};
use hebb::units::plastic_core::{CoreConfig, RawCoreParams};
use hebb::units::rstdp_array::RawArrayParams;

/// A core of `n_pre` x `n_post` whose thresholds are scaled to its largest
/// current (as in tests/plastic_core.rs), as raw parameters.
fn raw_core(n_pre: usize, n_post: usize, lanes: usize) -> RawCoreParams {
    raw_core_w(n_pre, n_post, lanes, 8)
}

fn raw_core_w(n_pre: usize, n_post: usize, lanes: usize, weight_bits: u32) -> RawCoreParams {
    let array = RawArrayParams {
        n_pre,
        n_post,
        lanes,
        current_bits: 0,
        weight_bits,
        trace_bits: 10,
        reward_bits: 8,
        learning_shift: 4,
        trace_decay_shift: 3,
    };
    let array_config = hebb::units::rstdp_array::ArrayConfig::try_from(array).unwrap();
    let current_bits = array_config.current_bits();
    let max_current = array_config.max_current() as f64;
    let population = RawPopulationParams {
        neurons: n_post as u32,
        current_bits,
        membrane_bits: current_bits + 4 + 3,
        fraction_bits: 4,
        threshold_init: (max_current / 6.0).floor().max(1.0),
        threshold_min: 1.0,
        threshold_max: max_current * 3.0,
        threshold_step: (max_current / 32.0).floor().max(1.0),
        window: 16,
        learning_shift_base: array.learning_shift,
        learning_shift_max: array.learning_shift + 3,
        ..RawPopulationParams::default()
    };
    RawCoreParams {
        array,
        population,
        ..RawCoreParams::default()
    }
}

/// The one core the RTL tests use (one Verilator build, cached).
fn small() -> CoreConfig {
    CoreConfig::try_from(raw_core(6, 4, 2)).unwrap()
}

/// A reproducible run: input spikes at `percent` % and rewards in the
/// reward range, per timestep.
fn stimulus(seed: u64, n_pre: usize, timesteps: usize, percent: u64) -> Vec<(Vec<bool>, i64)> {
    let mut rng = SplitMix64(seed);
    (0..timesteps)
        .map(|_| {
            let input = (0..n_pre).map(|_| rng.chance(percent)).collect();
            (input, rng.range(-40, 40))
        })
        .collect()
}

fn random_weights(seed: u64, c: &CoreConfig) -> Vec<Vec<u64>> {
    let mut rng = SplitMix64(seed);
    let maxw = c.array.lane().max_weight();
    (0..c.array.n_pre())
        .map(|_| {
            (0..c.array.n_post())
                .map(|_| rng.next_u64() & maxw)
                .collect()
        })
        .collect()
}

fn session_with(c: CoreConfig, beside: Beside, weights: &[Vec<u64>]) -> CoreSession {
    CoreSession::new(c, beside, |i, j| weights[i][j]).unwrap()
}

fn run(session: &mut CoreSession, stimulus: &[(Vec<bool>, i64)]) -> Vec<Vec<bool>> {
    stimulus
        .iter()
        .map(|(input, reward)| session.step(input, *reward).unwrap())
        .collect()
}

fn total_spikes(spikes: &[Vec<bool>]) -> usize {
    spikes.iter().flatten().filter(|s| **s).count()
}

#[test]
fn a_trained_core_saved_and_reloaded_gives_the_same_spikes_on_model_and_rtl() {
    let c = small();
    let dir = tempfile::tempdir().unwrap();
    let untrained = random_weights(1, &c);
    let mut trainer = session_with(c, Beside::Nothing, &untrained);
    run(&mut trainer, &stimulus(2, 6, 300, 30));
    let trained = trainer.weights();
    let changed = trained
        .iter()
        .flatten()
        .zip(untrained.iter().flatten())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed >= 6, "the learning run changed {changed} weights");
    let file = dir.path().join("trained.json");
    trainer.save_weights(&file).unwrap();

    // The reference: a fresh core built with the trained weights in memory.
    let replay = stimulus(3, 6, 150, 30);
    let expected = run(&mut session_with(c, Beside::Nothing, &trained), &replay);
    let spikes = total_spikes(&expected);
    assert!(
        spikes > 10 && spikes < 4 * 150 - 10,
        "the replay spikes {spikes} times: too few or too many to tell weights apart"
    );

    // A fresh model and a fresh RTL, each loaded from the file.
    let zeros = vec![vec![0; 4]; 6];
    let mut model = session_with(c, Beside::Nothing, &zeros);
    model.load_weights_file(&file).unwrap();
    assert_eq!(model.weights(), trained);
    assert_eq!(run(&mut model, &replay), expected);

    let mut rtl = session_with(c, Beside::Rtl, &zeros);
    // The load writes through the host port and reads every synapse back.
    rtl.load_weights_file(&file).unwrap();
    assert_eq!(run(&mut rtl, &replay), expected);
    rtl.verify().unwrap();
    rtl.finish().unwrap();

    // Another weights file (the untrained weights) gives other spikes.
    let mut other = trainer.dump();
    other.weights = untrained.clone();
    let other_file = dir.path().join("untrained.json");
    std::fs::write(&other_file, other.to_json()).unwrap();
    let mut model = session_with(c, Beside::Nothing, &zeros);
    model.load_weights_file(&other_file).unwrap();
    assert_ne!(run(&mut model, &replay), expected);
}

#[test]
fn normalization_scales_each_column_to_its_target_on_model_and_rtl() {
    // By hand, model only: column 0 = [10, 20, 30] (sum 60) to 50 gives
    // floor(500/60), floor(1000/60), floor(1500/60) = 8, 16, 25 (sum 49);
    // column 1 sums to 0 and stays; column 2 = [255, 0, 0] to 300 saturates.
    let c = CoreConfig::try_from(raw_core(3, 3, 1)).unwrap();
    let w = vec![vec![10, 0, 255], vec![20, 0, 0], vec![30, 0, 0]];
    let mut s = session_with(c, Beside::Nothing, &w);
    let n = s.normalize(50).unwrap();
    assert_eq!(
        s.weights(),
        vec![vec![8, 0, 50], vec![16, 0, 0], vec![25, 0, 0]]
    );
    assert_eq!(n.sums_before, vec![60, 0, 255]);
    assert_eq!(n.sums_after, vec![49, 0, 50]);
    assert_eq!(n.changed, 4);
    s.normalize(300).unwrap();
    assert_eq!(s.weights()[0][2], 255, "saturated at MAXW");
    let e = s.normalize(3 * 255 + 1).unwrap_err().to_string();
    assert!(
        e.contains("normalize target") && e.contains("0..=765"),
        "{e}"
    );

    // On the RTL, mid-run: after learning, with a silent column, then learning on.
    let c = small();
    let mut weights = random_weights(5, &c);
    for row in &mut weights {
        row[3] = 0;
    }
    let mut s = session_with(c, Beside::Rtl, &weights);
    let input = stimulus(6, 6, 400, 30);
    for (round, chunk) in input.chunks(100).enumerate() {
        run(&mut s, chunk);
        let target = [200, 255, 120, 60][round];
        let before = s.column_sums();
        // normalize() writes through the host port and compares every synapse.
        let n = s.normalize(target).unwrap();
        for (j, (&b, &a)) in before.iter().zip(&n.sums_after).enumerate() {
            if b == 0 {
                assert_eq!(a, 0, "round {round}: a silent column {j} stays silent");
            } else {
                // target <= MAXW, so no weight saturates.
                assert!(
                    a <= target && a + 6 > target,
                    "round {round}: column {j} sums to {a}, target {target}, n_pre 6"
                );
            }
        }
        assert_eq!(n.sums_after, s.column_sums());
    }
    assert!(s.column_sums()[..3].iter().all(|&x| x > 0));
    s.verify().unwrap();
    s.finish().unwrap();
}

#[test]
fn learning_off_keeps_every_weight_and_learning_on_moves_them() {
    let c = small();
    let w = random_weights(7, &c);
    // The cycle model beside the step model: its spikes are compared every timestep.
    let mut s = session_with(c, Beside::CycleModel, &w);
    let input = stimulus(8, 6, 200, 40);
    s.set_learning(false);
    run(&mut s, &input[..100]);
    assert_eq!(s.weights(), w, "the persistent switch off");
    for (x, r) in &input[100..150] {
        s.step_with(x, *r, false).unwrap();
    }
    assert_eq!(s.weights(), w, "learn_en off per timestep");
    s.set_learning(true);
    run(&mut s, &input[150..]);
    assert_ne!(s.weights(), w, "learning on moves weights");
    s.verify().unwrap();
}

/// Parses a weights VCD: the variables (name, width) and the value of each
/// at every timestamp.
/// Recorded rows: (timestep, every weight pre-major).
type Rows = Vec<(u64, Vec<u64>)>;

fn parse_vcd(text: &str) -> (Vec<(String, u32)>, Rows) {
    let mut parser = vcd::Parser::new(text.as_bytes());
    let header = parser.parse_header().unwrap();
    let mut vars = Vec::new();
    let mut ids = Vec::new();
    for item in &header.items {
        if let vcd::ScopeItem::Scope(scope) = item {
            for v in &scope.items {
                if let vcd::ScopeItem::Var(v) = v {
                    vars.push((v.reference.clone(), v.size));
                    ids.push(v.code);
                }
            }
        }
    }
    let mut values = vec![0u64; ids.len()];
    let mut rows: Rows = Vec::new();
    let mut time = None;
    let bits = |v: &vcd::Vector| {
        v.iter()
            .fold(0u64, |acc, b| acc << 1 | u64::from(b == vcd::Value::V1))
    };
    for command in parser {
        let command = command.unwrap();
        let (id, value) = match command {
            vcd::Command::Timestamp(t) => {
                if let Some(t) = time {
                    rows.push((t, values.clone()));
                }
                time = Some(t);
                continue;
            }
            vcd::Command::ChangeVector(id, v) => (id, bits(&v)),
            vcd::Command::ChangeScalar(id, v) => (id, u64::from(v == vcd::Value::V1)),
            _ => continue,
        };
        let k = ids.iter().position(|i| *i == id).unwrap();
        values[k] = value;
    }
    if let Some(t) = time {
        rows.push((t, values));
    }
    (vars, rows)
}

#[test]
fn recorded_weights_parse_back_from_csv_and_vcd() {
    let c = small();
    let mut s = session_with(c, Beside::Nothing, &random_weights(9, &c));
    s.record_every(3).unwrap();
    let mut seen = vec![(0, s.weights().concat())];
    for (t, (x, r)) in (1u64..).zip(stimulus(10, 6, 20, 40)) {
        s.step(&x, r).unwrap();
        if t == 9 {
            s.normalize(100).unwrap();
        }
        if t.is_multiple_of(3) {
            seen.push((t, s.weights().concat()));
        }
    }
    let h: &WeightHistory = s.history().unwrap();
    assert_eq!(
        h.rows, seen,
        "rows at 0, 3, ..., 18, after the normalization at 9"
    );
    assert!(
        seen.windows(2).any(|p| p[0].1 != p[1].1),
        "the weights move"
    );

    let csv = h.csv();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 1 + 24);
    assert_eq!(&header[..3], ["timestep", "w_0_0", "w_0_1"]);
    assert_eq!(header[24], "w_5_3");
    let rows: Rows = lines
        .map(|l| {
            let v: Vec<u64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[0], v[1..].to_vec())
        })
        .collect();
    assert_eq!(rows, seen);

    let (vars, vcd_rows) = parse_vcd(&h.vcd().unwrap());
    assert_eq!(vars.len(), 24);
    assert_eq!(vars[0], ("w_0_0".to_string(), 8));
    assert_eq!(vars[7], ("w_1_3".to_string(), 8));
    assert_eq!(vcd_rows, seen);

    // One-bit weights are scalars.
    let c = CoreConfig::try_from(raw_core_w(2, 2, 1, 1)).unwrap();
    let mut s = session_with(c, Beside::Nothing, &[vec![1, 0], vec![0, 1]]);
    s.record_every(1).unwrap();
    s.set_weights(&[vec![0, 1], vec![1, 1]]).unwrap();
    let (vars, rows) = parse_vcd(&s.history().unwrap().vcd().unwrap());
    assert_eq!(vars[3], ("w_1_1".to_string(), 1));
    assert_eq!(rows, vec![(0, vec![0, 1, 1, 1])]);
}

/// Each bad weights file: its contents and what the error must name.
fn bad_files(good: &WeightDump) -> Vec<(&'static str, String, Vec<&'static str>)> {
    let with = |edit: fn(&mut WeightDump)| {
        let mut d = good.clone();
        edit(&mut d);
        d.to_json()
    };
    vec![
        (
            "not JSON",
            "weights: [1, 2\n".into(),
            vec!["not valid JSON", ":1"],
        ),
        ("empty", String::new(), vec!["not valid JSON"]),
        (
            "not an object",
            "[[1, 2]]".into(),
            vec!["not a weights file"],
        ),
        (
            "wrong n_pre",
            with(|d| d.n_pre = 7),
            vec!["`n_pre` = 7", "allowed 6"],
        ),
        (
            "wrong weight_bits",
            with(|d| d.weight_bits = 9),
            vec!["`weight_bits` = 9", "allowed 8"],
        ),
        (
            "a row missing",
            with(|d| {
                d.weights.pop();
            }),
            vec!["`weights` has 5 rows", "allowed 6"],
        ),
        (
            "a short row",
            with(|d| {
                d.weights[2].pop();
            }),
            vec!["`weights[2]` has 3 entries", "allowed 4"],
        ),
        (
            "a weight out of range",
            with(|d| d.weights[4][1] = 256),
            vec!["`weights[4][1]` = 256", "allowed 0..=255"],
        ),
        (
            "a negative weight",
            good.to_json()
                .replacen("[", "[-1, ", 2)
                .replacen("[-1, ", "[", 1),
            vec!["`weights[0][0]` = -1", "not a non-negative integer"],
        ),
        (
            "another unit",
            with(|d| d.unit = "rstdp_array".into()),
            vec!["`unit` = \"rstdp_array\"", "allowed \"plastic_core\""],
        ),
        (
            "a field missing",
            good.to_json().replace("\"n_post\": 4,", ""),
            vec!["`n_post` is missing"],
        ),
    ]
}

#[test]
fn bad_weight_files_are_errors_naming_file_and_field_and_change_nothing() {
    let c = small();
    let w = random_weights(11, &c);
    let mut s = session_with(c, Beside::Nothing, &w);
    let dir = tempfile::tempdir().unwrap();
    for (what, contents, names) in bad_files(&s.dump()) {
        let path = dir.path().join(format!("{}.json", what.replace(' ', "_")));
        std::fs::write(&path, &contents).unwrap();
        let e = s.load_weights_file(&path).expect_err(what).to_string();
        assert!(e.contains(&*path.to_string_lossy()), "{what}: {e}");
        for name in names {
            assert!(e.contains(name), "{what}: `{name}` not in: {e}");
        }
        assert_eq!(s.weights(), w, "{what}: the weights changed");
    }
    let e = s
        .load_weights_file(&dir.path().join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.json"), "{e}");
    let e = s.set_weights(&vec![vec![0; 4]; 5]).unwrap_err().to_string();
    assert!(e.contains("has 5 rows"), "{e}");
    assert_eq!(s.weights(), w);

    // The command line checks the file before it creates the output folder.
    let raw = params_file(dir.path());
    for (what, contents, names) in bad_files(&s.dump()).into_iter().take(8) {
        let path = dir.path().join("bad.json");
        std::fs::write(&path, &contents).unwrap();
        let out = dir.path().join("out");
        let o = hebb(&[
            "core",
            "--params",
            raw.to_str().unwrap(),
            "--load-weights",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{what}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("bad.json") && stderr.contains(names[0]),
            "{what}: {stderr}"
        );
        assert!(!out.exists(), "{what}: the output folder was created");
    }
}

/// The 6x4 core's parameters as a TOML file in `dir`.
fn params_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("core.toml");
    std::fs::write(&path, toml::to_string(&raw_core(6, 4, 2)).unwrap()).unwrap();
    path
}

fn hebb(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn hebb_core_writes_recordings_and_weights_that_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let params = params_file(dir.path());
    let out = dir.path().join("run");
    let o = hebb(&[
        "core",
        "--params",
        params.to_str().unwrap(),
        "--timesteps",
        "300",
        "--input-rate",
        "0.3",
        "--record-every",
        "10",
        "--normalize-every",
        "100",
        "--normalize-target",
        "200",
        "--learn-off-from",
        "250",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stderr.is_empty(), "no progress bar without a terminal");
    for line in [
        "spikes per neuron",
        "learning shift",
        "3 passes to a column sum of 200",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let csv = std::fs::read_to_string(out.join("weights.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 31,
        "header and timesteps 0, 10, ..., 300"
    );
    let rows: Vec<Vec<u64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    // Rows of timesteps 0, 10, ..., 300: learning off from 250 keeps the
    // weights until the normalization after timestep 300.
    assert_eq!((rows[25][0], rows[29][0]), (250, 290));
    assert_eq!(
        rows[25][1..],
        rows[29][1..],
        "learning off from timestep 250"
    );
    let last = &rows[30];
    for j in 0..4 {
        let sum: u64 = (0..6).map(|i| last[1 + i * 4 + j]).sum();
        assert!(
            sum == 0 || (sum <= 200 && sum > 194),
            "column {j} sums to {sum}"
        );
    }
    let (_, vcd_rows) = parse_vcd(&std::fs::read_to_string(out.join("weights.vcd")).unwrap());
    assert_eq!(vcd_rows.len(), 31);
    assert_eq!(vcd_rows[30], (300, last[1..].to_vec()));

    // weights.json loads back: into the library, and as --load-weights
    // with learning off, where the final weights are the loaded ones.
    let json = out.join("weights.json");
    let dump = WeightDump::read(&json).unwrap();
    assert_eq!(dump.weights.concat(), last[1..]);
    let out2 = dir.path().join("again");
    let o = hebb(&[
        "core",
        "--params",
        params.to_str().unwrap(),
        "--timesteps",
        "50",
        "--learn-off-from",
        "1",
        "--load-weights",
        json.to_str().unwrap(),
        "--rtl",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let again = WeightDump::read(&out2.join("weights.json")).unwrap();
    assert_eq!(again.weights, dump.weights);
    assert!(String::from_utf8_lossy(&o.stdout).contains("RTL (Verilated) == cycle model"));

    // Bad options are exit 2 before anything is written.
    let out3 = dir.path().join("never");
    for bad in [
        vec!["--input-rate", "1.5"],
        vec!["--reward", "neuron:4"],
        vec!["--normalize-every", "10", "--normalize-target", "2000"],
        vec!["--learn-off-from", "5", "--learn-on-from", "5"],
        vec!["--set", "array.n_pre=65"],
    ] {
        let mut args = vec!["core", "--params", params.to_str().unwrap()];
        args.extend(bad.iter().copied());
        args.extend(["--out", out3.to_str().unwrap()]);
        let o = hebb(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(!out3.exists(), "{bad:?}");
    }
}

/// The core with its array's `learn_en_i` tied high (a planted fault).
struct AlwaysLearning(hebb::units::plastic_core::PlasticCore);

impl hebb::design::Design for AlwaysLearning {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn top_module(&self) -> String {
        self.0.top_module()
    }
    fn module(&self) -> hebb::error::Result<std::sync::Arc<hebb::hdl::Module>> {
        let mut m = self.0.module()?.as_ref().clone();
        for item in &mut m.items {
            if let hebb::hdl::Item::Instance(i) = item
                && i.name == "array"
            {
                let port = i
                    .inputs
                    .iter_mut()
                    .find(|(n, _)| n == "learn_en_i")
                    .unwrap();
                port.1 = hebb::hdl::lit(1, 1);
            }
        }
        Ok(std::sync::Arc::new(m))
    }
}

#[test]
fn a_core_that_differs_from_the_step_model_is_an_error_naming_timestep_and_neuron() {
    use hebb::design::Design;
    let c = small();
    let w = random_weights(12, &c);
    let faulty = AlwaysLearning(hebb::units::plastic_core::PlasticCore::new(c));
    let mut s = CoreSession::for_design(&faulty, c, Beside::CycleModel, |i, j| w[i][j]).unwrap();
    s.set_learning(false);
    let e = stimulus(13, 6, 300, 40)
        .iter()
        .find_map(|(x, r)| s.step(x, *r).err())
        .expect("learning that should be off is caught")
        .to_string();
    assert!(e.contains("timestep ") && e.contains("neuron "), "{e}");
    assert!(
        e.contains("in the step model") && e.contains("in the cycle model"),
        "{e}"
    );
    // The healthy core passes the same run.
    let healthy = hebb::units::plastic_core::PlasticCore::new(c);
    assert_eq!(faulty.top_module(), healthy.top_module());
    let mut s = CoreSession::for_design(&healthy, c, Beside::CycleModel, |i, j| w[i][j]).unwrap();
    s.set_learning(false);
    run(&mut s, &stimulus(13, 6, 300, 40));
}
