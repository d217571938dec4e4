//! A content-addressed build cache shared by test binaries, processes and runs.
//!
//! An entry is built in a private scratch folder and renamed into place, so a
//! reader never sees half an entry, and two processes building the same
//! entry at once both succeed (one rename wins, the other's work is dropped).

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// `$HEBB_CACHE_DIR`, else `$XDG_CACHE_HOME/hebb`, else `~/.cache/hebb`, else a temp folder.
pub fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEBB_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("hebb");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache").join("hebb");
    }
    std::env::temp_dir().join("hebb-cache")
}

/// A short hex digest of `parts`.
pub fn key(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Returns `root()/kind/key`, running `build` into a scratch folder first if
/// the entry is missing. `build` must leave everything the entry needs in the folder it is given.
pub fn entry(kind: &str, key: &str, build: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    let dir = root().join(kind);
    let final_path = dir.join(key);
    if final_path.is_dir() {
        mark_used(&final_path);
        return Ok(final_path);
    }
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    prune_stale_builds(&dir, STALE_BUILD_AGE);
    let scratch = dir.join(
        format!(
            ".build-{key}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        )
        .replace(['(', ')'], ""),
    );
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
    let built = build(&scratch);
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&scratch);
        return Err(e);
    }
    if fs::rename(&scratch, &final_path).is_err() {
        // Someone else finished first; theirs is as good as ours.
        let _ = fs::remove_dir_all(&scratch);
        if !final_path.is_dir() {
            return Err(Error::Other(format!(
                "could not place cache entry {}",
                final_path.display()
            )));
        }
    }
    mark_used(&final_path);
    prune(&dir, max_entries());
    Ok(final_path)
}

/// Entries kept per kind: `$HEBB_CACHE_MAX_ENTRIES`, else 400 (a verilated
/// design takes ~0.4 MB, so a few hundred MB at most).
fn max_entries() -> usize {
    std::env::var("HEBB_CACHE_MAX_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

const USED_MARK: &str = ".last-used";

/// Scratch folders are named `.build-KEY-PID-ThreadIdN` (see [`entry`]).
const BUILD_PREFIX: &str = ".build-";

/// A scratch folder this old whose process is gone was left by an interrupted build.
const STALE_BUILD_AGE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The process id in a scratch folder's name.
fn build_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(BUILD_PREFIX)?;
    // KEY is hex, so the PID is the next-to-last dash-separated part.
    let mut parts = rest.rsplit('-');
    let _thread = parts.next()?;
    parts.next()?.parse().ok()
}

/// Whether process `pid` may still be running. Without /proc there is no
/// telling, and a folder that may be in use is kept.
fn process_may_live(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the scratch folders of builds that were interrupted: older than
/// `age` and whose process is gone. A build still running is never touched.
fn prune_stale_builds(dir: &Path, age: std::time::Duration) {
    let Ok(read) = fs::read_dir(dir) else { return };
    let now = std::time::SystemTime::now();
    for entry in read.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = build_pid(&name) else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|elapsed| elapsed > age);
        if old && !process_may_live(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Records that an entry was used, for least-recently-used pruning.
fn mark_used(entry: &Path) {
    // Best effort: a read-only cache still works, it just prunes by age of creation.
    let _ = fs::write(entry.join(USED_MARK), b"");
}

/// Removes the least recently used entries of `dir` beyond `keep` (scratch
/// folders are left to [`prune_stale_builds`]). A process
/// that has an entry's library loaded keeps using it after removal (unlinked
/// files stay mapped); one that wants it again rebuilds it.
fn prune(dir: &Path, keep: usize) {
    let Ok(read) = fs::read_dir(dir) else { return };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = read
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .map(|p| {
            let used = fs::metadata(p.join(USED_MARK))
                .or_else(|_| fs::metadata(&p))
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (used, p)
        })
        .collect();
    if entries.len() <= keep {
        return;
    }
    entries.sort();
    let excess = entries.len() - keep;
    for (_, path) in entries.into_iter().take(excess) {
        let _ = fs::remove_dir_all(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_most_recently_used_entries() {
        let dir = tempfile::tempdir().unwrap();
        for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
            let entry = dir.path().join(name);
            fs::create_dir(&entry).unwrap();
            mark_used(&entry);
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
            fs::File::options()
                .write(true)
                .open(entry.join(USED_MARK))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        // Using "a" again makes it the newest.
        mark_used(&dir.path().join("a"));
        prune(dir.path(), 2);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["a", "d"]);
    }

    #[test]
    fn scratch_folder_names_give_their_process() {
        assert_eq!(build_pid(".build-0a1b2c-4242-ThreadId7"), Some(4242));
        assert_eq!(build_pid(".build-0a1b2c-4242-main"), Some(4242));
        assert_eq!(build_pid(".last-used"), None);
        assert_eq!(build_pid("0a1b2c"), None);
    }
}
