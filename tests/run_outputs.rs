//! What the writing commands (run, generate, testbench, sc-accuracy) promise
//! about their output folder: a full disk is an error naming the file, not a
//! hang; outputs appear whole or not at all, so a failed or killed run leaves
//! no partial file and keeps the previous run's; one hebb at a time per folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn hebb_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hebb"));
    command.args(args);
    command
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// Waits for `child` at most `limit`; kills it and fails the test when it takes longer.
fn wait_at_most(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("hebb can be waited for").is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} did not end within {limit:?} (killed):\n{}",
                text(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn hebb(args: &[&str]) -> Output {
    let child = hebb_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hebb runs");
    wait_at_most(child, Duration::from_secs(300), &format!("hebb {args:?}"))
}

/// Every file under `dir`, relative, sorted (hidden ones included).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A 3 MB tmpfs, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_fails_run_within_seconds_naming_the_file_and_leaves_nothing() {
    let disk = match SmallDisk::mount() {
        Ok(disk) => disk,
        Err(reason) => {
            println!("skipped: cannot mount a small tmpfs to fill ({reason})");
            return;
        }
    };
    let out = disk.dir.path().join("x");
    let child = hebb_command(&[
        "run",
        "--no-synth",
        "--timesteps",
        "4000",
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Building the Verilated model may take a while on a cold cache; the
    // simulation and the failure itself take well under a second.
    let result = wait_at_most(child, Duration::from_secs(240), "hebb run on a full disk");
    let message = text(&result);
    assert_eq!(result.status.code(), Some(2), "{message}");
    assert!(
        message.contains("No space left on device"),
        "names the cause: {message}"
    );
    assert!(
        message.contains(&format!("{}/sim/", out.display())) && message.contains(".vcd"),
        "names the VCD by its final name: {message}"
    );
    assert_eq!(
        files_under(disk.dir.path()),
        Vec::<PathBuf>::new(),
        "no partial file remains"
    );
}

#[test]
fn a_failing_run_leaves_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The golden VCD's name is taken by a folder: the run fails at its end.
    fs::create_dir_all(out.join("sim/golden.vcd")).unwrap();
    let result = hebb(&[
        "run",
        "--no-synth",
        "--timesteps",
        "20",
        "--out",
        out.to_str().unwrap(),
    ]);
    let message = text(&result);
    assert_eq!(result.status.code(), Some(2), "{message}");
    assert!(message.contains("golden.vcd"), "{message}");
    assert_eq!(
        files_under(&out),
        Vec::<PathBuf>::new(),
        "rtl/, constraints/, resources.json and the VCDs are all or nothing: {message}"
    );
}

#[test]
fn a_killed_run_leaves_no_truncated_vcd_and_keeps_the_previous_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let first = hebb(&["run", "--no-synth", "--timesteps", "50", "--out", out_arg]);
    assert!(first.status.success(), "{}", text(&first));
    let before = files_under(&out);
    let golden = fs::read(out.join("sim/golden.vcd")).unwrap();
    let rtl = fs::read(out.join("sim/rtl.vcd")).unwrap();

    // A long run, killed once its VCDs are being written.
    let mut child = hebb_command(&[
        "run",
        "--no-synth",
        "--timesteps",
        "400000",
        "--out",
        out_arg,
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let start = Instant::now();
    let writing = loop {
        let staged_vcds: u64 = files_under(&out)
            .iter()
            .filter(|p| p.to_string_lossy().starts_with(".hebb-"))
            .filter(|p| p.extension().is_some_and(|e| e == "vcd"))
            .map(|p| fs::metadata(out.join(p)).map_or(0, |m| m.len()))
            .sum();
        if staged_vcds > 100_000 {
            break true;
        }
        if start.elapsed() > Duration::from_secs(240) || child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().ok();
    child.wait().unwrap();
    assert!(
        writing,
        "the long run was seen writing its VCDs before the kill"
    );

    assert_eq!(
        fs::read(out.join("sim/golden.vcd")).unwrap(),
        golden,
        "golden.vcd is the previous run's, whole"
    );
    assert_eq!(
        fs::read(out.join("sim/rtl.vcd")).unwrap(),
        rtl,
        "rtl.vcd is the previous run's, whole"
    );
    // The killed run's staged files are hidden, and the next command on the
    // folder removes them.
    let regen = hebb(&["generate", "--out", out_arg]);
    assert!(regen.status.success(), "{}", text(&regen));
    assert_eq!(files_under(&out), before, "no leftovers of the killed run");
}

#[test]
fn a_second_hebb_on_the_same_output_folder_fails_at_once_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl");
    let lock = hebb::outputs::lock_output_dir(&out).unwrap();
    let commands: [Vec<&str>; 4] = [
        vec!["run", "--no-synth", "--timesteps", "20", "--out", out_arg],
        vec!["generate", "--out", out_arg],
        vec!["testbench", vectors.to_str().unwrap(), "--out", out_arg],
        vec!["sc-accuracy", "--out", out_arg],
    ];
    for args in &commands {
        let start = Instant::now();
        let result = hebb(args);
        let message = text(&result);
        assert_eq!(result.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.contains(out_arg) && message.contains("another hebb holds"),
            "{args:?} names the folder and the other writer: {message}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{args:?} fails at once, not after its work"
        );
        assert_eq!(
            files_under(&out),
            Vec::<PathBuf>::new(),
            "{args:?} wrote nothing"
        );
    }
    drop(lock);
    let result = hebb(&["generate", "--out", out_arg]);
    assert!(
        result.status.success(),
        "released with its holder: {}",
        text(&result)
    );
}

#[test]
fn an_output_folder_that_is_a_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    fs::write(&file, "mine\n").unwrap();
    let file_arg = file.to_str().unwrap();
    let nested = file.join("sub");
    for (args, named) in [
        (vec!["generate", "--out", file_arg], &file),
        (
            vec!["run", "--no-synth", "--timesteps", "20", "--out", file_arg],
            &file,
        ),
        (vec!["generate", "--out", nested.to_str().unwrap()], &file),
    ] {
        let result = hebb(&args);
        let message = text(&result);
        assert_eq!(result.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.contains(&format!(
                "{} is an existing file, not a folder",
                named.display()
            )),
            "{args:?}: {message}"
        );
        assert!(!message.contains("File exists"), "{message}");
    }
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "mine\n",
        "left untouched"
    );
}

/// Lockstep's traces on a device that is always full: each VCD's write
/// error names its file, and `finish` reports it (no hang, no silent loss).
#[test]
fn vcd_write_errors_name_the_file_in_lockstep() {
    let full = Path::new("/dev/full");
    if fs::OpenOptions::new().write(true).open(full).is_err() {
        println!("skipped: no writable /dev/full");
        return;
    }
    let design = hebb::units::default_design("rstdp_lane").unwrap();
    let stimulus = design.stimulus(400, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let module = design.top_module();
    for (golden, dut) in [
        (full.to_path_buf(), dir.path().join("rtl.vcd")),
        (dir.path().join("golden.vcd"), full.to_path_buf()),
    ] {
        let mut sim = hebb::cosim::Lockstep::with_rtl(design.as_ref()).unwrap();
        sim.record_vcds(&module, &golden, Some(&dut)).unwrap();
        let mut failed = None;
        for inputs in &stimulus {
            sim.clock(inputs).unwrap();
            if let Err(e) = sim.trace_result() {
                failed = Some(e);
                break;
            }
        }
        let e = match failed {
            Some(e) => e,
            None => sim.finish().expect_err("finish reports the write error"),
        };
        let message = e.to_string();
        assert!(
            message.contains("/dev/full") && message.contains("No space left on device"),
            "{message}"
        );
    }
}
