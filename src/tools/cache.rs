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
        return Ok(final_path);
    }
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
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
    Ok(final_path)
}
