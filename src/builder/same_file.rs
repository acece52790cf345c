//! Two sinks writing one file: refused at install, since each would
//! rotate, trim and reopen the file under the other.
//!
//! A [`File`](crate::sink::File) sink is named `file:<dir>/<file_name>`
//! with the directory as given, so names are compared as paths: made
//! absolute against the working directory, `.` and `..` taken out, and the
//! directory resolved (symbolic links followed) when it exists.

use std::path::{Component, Path, PathBuf};

use crate::Error;

/// The prefix of a file sink's name.
const FILE_PREFIX: &str = "file:";

/// A sink about to open: its name, and the setting that added it.
pub(super) struct Entry<'a> {
    pub name: &'a str,
    pub setting: &'static str,
}

/// Fails naming both sinks when two of `entries` write the same file.
pub(super) fn check(entries: &[Entry<'_>]) -> Result<(), Error> {
    let paths: Vec<Option<PathBuf>> = entries
        .iter()
        .map(|e| e.name.strip_prefix(FILE_PREFIX).map(resolve))
        .collect();
    for (i, a) in entries.iter().enumerate() {
        for (j, b) in entries.iter().enumerate().skip(i + 1) {
            if paths[i].is_some() && paths[i] == paths[j] {
                // Blamed on the later one: the fallback, if either is.
                return Err(Error::invalid(
                    b.setting,
                    format!("{} and {} ({})", a.name, b.name, a.setting),
                    "sinks that each write a file of their own (another directory or file_name)",
                ));
            }
        }
    }
    Ok(())
}

/// `path` as compared: absolute, without `.` and `..`, its directory
/// resolved when it exists.
fn resolve(path: &str) -> PathBuf {
    let path = Path::new(path);
    let absolute = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    match (clean.parent(), clean.file_name()) {
        (Some(dir), Some(name)) => match dir.canonicalize() {
            Ok(dir) => dir.join(name),
            Err(_) => clean,
        },
        _ => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry<'_> {
        Entry {
            name,
            setting: "sink",
        }
    }

    #[test]
    fn spellings_of_one_path_are_one_file() {
        let cwd = std::env::current_dir().unwrap();
        let abs = format!("file:{}", cwd.join("logs/app.log").display());
        for (a, b) in [
            ("file:logs/app.log", "file:./logs/app.log"),
            ("file:logs/app.log", "file:logs/x/../app.log"),
            ("file:logs/app.log", abs.as_str()),
        ] {
            assert!(check(&[entry(a), entry(b)]).is_err(), "{a} {b}");
        }
        for (a, b) in [
            ("file:logs/app.log", "file:logs/other.log"),
            ("file:logs/app.log", "file:other/app.log"),
            // Only file sinks are compared.
            ("collect", "collect"),
            ("stdout", "stdout"),
        ] {
            assert!(check(&[entry(a), entry(b)]).is_ok(), "{a} {b}");
        }
    }
}
