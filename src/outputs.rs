//! Writing output files: all contents are rendered before the first write, and
//! each file appears whole (written to a temporary name, then renamed), so a
//! failure never leaves half-written outputs behind.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `contents` to a temporary file beside `path` (creating parent folders).
fn stage(path: &Path, contents: &[u8]) -> Result<tempfile::NamedTempFile> {
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
    Ok(tmp)
}

/// Writes `contents` to `path` atomically, creating parent folders.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    stage(path, contents)?
        .persist(path)
        .map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes every `(relative path, contents)` under `dir`; returns the paths
/// written. Every file is staged first, so a failure while writing (a full
/// disk, a path that is a folder) leaves none of them behind; only the final
/// renames remain, each atomic.
pub fn write_all(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    let staged = files
        .iter()
        .map(|(name, contents)| {
            let path = dir.join(name);
            if path.is_dir() {
                return Err(Error::Other(format!(
                    "cannot write {}: it is a folder",
                    path.display()
                )));
            }
            stage(&path, contents.as_bytes()).map(|tmp| (path, tmp))
        })
        .collect::<Result<Vec<_>>>()?;
    staged
        .into_iter()
        .map(|(path, tmp)| {
            tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_file_leaves_no_other_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("b.v")).unwrap();
        let files = vec![
            ("a.v".to_string(), "first\n".to_string()),
            ("b.v".to_string(), "second\n".to_string()),
        ];
        let err = write_all(dir.path(), &files).unwrap_err();
        assert!(err.to_string().contains("it is a folder"), "{err}");
        assert!(
            !dir.path().join("a.v").exists(),
            "a.v was written although b.v failed"
        );
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("b.v")],
            "no temporary files remain"
        );
    }
}
