//! Writing output files: all contents are rendered before the first write, and
//! each file appears whole (written to a temporary name, then renamed), so a
//! failure never leaves half-written outputs behind. A command writing into a
//! folder holds an advisory lock on it for its whole run (`lock_output_dir`),
//! so two hebb processes never write into one folder.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Names of the temporary files and folders hebb stages outputs under; any
/// found while the folder's lock is held are a killed run's leftovers.
const TEMP_PREFIX: &str = ".hebb-tmp-";
const STAGING_PREFIX: &str = ".hebb-staging-";

/// An advisory lock (`flock`) on an output folder, held until dropped (or
/// the process exits, however it exits).
#[derive(Debug)]
pub struct OutputLock {
    dir: PathBuf,
    /// Whether this command created the folder (removed again if it fails
    /// before writing anything).
    created: bool,
    _file: fs::File,
}

impl OutputLock {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Releases the lock after a failed command: a folder this command
    /// created and left empty is removed, so a failure leaves nothing behind.
    pub fn release_failed(self) {
        if self.created {
            // Fails, as it should, when the folder is not empty.
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Creates the output folder `dir` if needed and takes its lock; fails at
/// once when `dir` (or a folder on its path) is an existing file, or when
/// another hebb holds the lock. Leftovers of killed runs (staged temporary
/// files) are removed once the lock is held.
pub fn lock_output_dir(dir: &Path) -> Result<OutputLock> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Some(file) = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.exists() && !a.is_dir())
    {
        return Err(Error::Other(if file == dir {
            format!(
                "output folder {} is an existing file, not a folder: choose a folder (existing or new) for --out",
                dir.display()
            )
        } else {
            format!(
                "output folder {}: {} is an existing file, not a folder",
                dir.display(),
                file.display()
            )
        }));
    }
    let created = !dir.exists();
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let file = fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            return Err(Error::Other(format!(
                "output folder {} is in use: another hebb holds its lock and is writing into it; wait for it to end or choose another --out",
                dir.display()
            )));
        }
        Err(fs4::TryLockError::Error(e)) => return Err(Error::io(dir, e)),
    }
    remove_leftovers(dir, 1);
    Ok(OutputLock {
        dir: dir.to_path_buf(),
        created,
        _file: file,
    })
}

/// Removes staged files and folders a killed hebb left in `dir` and its
/// direct subfolders (where outputs go: `rtl/`, `sim/`, ...); best effort,
/// the caller holds the folder's lock.
fn remove_leftovers(dir: &Path, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with(STAGING_PREFIX) && kind.is_dir() {
            let _ = fs::remove_dir_all(&path);
        } else if name.starts_with(TEMP_PREFIX) && kind.is_file() {
            let _ = fs::remove_file(&path);
        } else if kind.is_dir() && depth > 0 {
            remove_leftovers(&path, depth - 1);
        }
    }
}

/// A hidden folder inside an output folder where a command writes all its
/// outputs; `publish` renames each file into place, and dropping it
/// unpublished removes everything it holds. Same filesystem, so every
/// rename is atomic.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
}

impl Staging {
    /// A new staging folder inside `out` (which must exist).
    pub fn new(out: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(out)
            .map_err(|e| Error::io(out, e))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
        })
    }

    /// The staging folder: write outputs here, laid out as under `out`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where a staged path ends up once published.
    pub fn final_path(&self, staged: &Path) -> PathBuf {
        match staged.strip_prefix(self.dir.path()) {
            Ok(rel) => self.out.join(rel),
            Err(_) => staged.to_path_buf(),
        }
    }

    /// `e` with staged paths replaced by their final names, for messages.
    pub fn rename_error(&self, e: Error) -> Error {
        match e {
            Error::Io { path, source } => Error::Io {
                path: self.final_path(&path),
                source,
            },
            Error::Parse {
                path,
                line,
                message,
            } => Error::Parse {
                path: self.final_path(&path),
                line,
                message,
            },
            Error::MismatchTraced { mismatch, traces } => Error::MismatchTraced {
                mismatch,
                traces: self.final_path(&traces),
            },
            e => e,
        }
    }

    /// Renames every staged file into place under `out` (creating folders),
    /// then removes the staging folder; returns the final paths, sorted.
    pub fn publish(self) -> Result<Vec<PathBuf>> {
        let mut staged = Vec::new();
        collect_files(self.dir.path(), &mut staged)?;
        staged.sort();
        if let Some(to) = staged
            .iter()
            .map(|from| self.final_path(from))
            .find(|to| to.is_dir())
        {
            return Err(Error::Other(format!(
                "cannot write {}: it is a folder",
                to.display()
            )));
        }
        let mut published = Vec::new();
        for from in staged {
            let to = self.final_path(&from);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
            published.push(to);
        }
        Ok(published)
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Writes `contents` to a temporary file beside `path` (creating parent folders).
fn stage(path: &Path, contents: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
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
