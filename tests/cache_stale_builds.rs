//! The build cache removes scratch folders left by interrupted builds (older
//! than an hour, their process gone) and keeps every other one. (One test in
//! its own binary: it points $HEBB_CACHE_DIR at a folder of its own.)

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn set_age(dir: &Path, age: Duration) {
    fs::File::open(dir)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

#[test]
fn stale_build_folders_of_dead_processes_are_pruned() {
    if !Path::new("/proc/self").exists() {
        println!("skipped: no /proc to tell whether a process is gone");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("HEBB_CACHE_DIR", root.path()) };
    let kind = root.path().join("lib");
    fs::create_dir_all(&kind).unwrap();
    // Far above any pid_max (at most 2^22), so never a live process.
    let dead = 999_999_999u32;
    let me = std::process::id();
    let two_hours = Duration::from_secs(2 * 3600);
    let folders = [
        (format!(".build-0a0a-{dead}-ThreadId2"), two_hours, false),
        (format!(".build-0b0b-{me}-ThreadId3"), two_hours, true),
        (
            format!(".build-0c0c-{dead}-ThreadId4"),
            Duration::from_secs(60),
            true,
        ),
        (".not-a-build".to_string(), two_hours, true),
    ];
    for (name, age, _) in &folders {
        let path = kind.join(name);
        fs::create_dir(&path).unwrap();
        fs::write(path.join("half-built.o"), b"").unwrap();
        set_age(&path, *age);
    }
    let entry = hebb::tools::cache::entry("lib", "0d0d", |dir| {
        fs::write(dir.join("lib.so"), b"built").map_err(|e| hebb::error::Error::io(dir, e))
    })
    .unwrap();
    assert!(entry.join("lib.so").is_file());
    for (name, _, kept) in &folders {
        assert_eq!(kind.join(name).exists(), *kept, "{name}");
    }
}
