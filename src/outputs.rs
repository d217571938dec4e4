//! Writing output files: all contents are rendered before the first write, and
//! each file appears whole (written to a temporary name, then renamed), so a
//! failure never leaves half-written outputs behind.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically, creating parent folders.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    std::io::Write::write_all(&mut tmp, contents).map_err(|e| Error::io(path, e))?;
    // Temporary files are private (0600); outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(path, e))?;
    }
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes every `(relative path, contents)` under `dir`; returns the paths written.
pub fn write_all(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    files
        .iter()
        .map(|(name, contents)| {
            let path = dir.join(name);
            write_atomic(&path, contents.as_bytes()).map(|_| path)
        })
        .collect()
}
