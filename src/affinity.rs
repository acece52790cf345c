//! Pinning a thread to one CPU core.
//!
//! The consumer threads can be pinned so that they neither migrate between
//! cores (losing their caches) nor land on the cores the application's hot
//! threads run on. Only Linux is supported; elsewhere pinning reports
//! [`io::ErrorKind::Unsupported`].

use std::io;

/// Pins the calling thread to `core` (0-based).
///
/// Linux: `sched_setaffinity` on the calling thread. A core the machine does
/// not have is an [`io::ErrorKind::InvalidInput`] error naming the core and
/// how many exist; a core that exists but is offline or outside the process's
/// cpuset is the kernel's `EINVAL`. Elsewhere: [`io::ErrorKind::Unsupported`].
pub(crate) fn pin_current_thread(core: usize) -> io::Result<()> {
    imp::pin_current_thread(core)
}

/// The cores the calling thread may run on (its CPU affinity mask, as
/// `taskset`, a container's cpuset or `sched_setaffinity` left it), lowest
/// first; threads it starts inherit it. `None` where it cannot be read
/// (off Linux, where pinning is not supported anyway).
pub(crate) fn allowed_cores() -> Option<Vec<usize>> {
    imp::allowed_cores()
}

/// `cores` (sorted) as ranges: `0-3,6`.
pub(crate) fn format_cores(cores: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cores.len() {
        let start = cores[i];
        while i + 1 < cores.len() && cores[i + 1] == cores[i] + 1 {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if cores[i] == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{}", cores[i]));
        }
        i += 1;
    }
    out
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io;

    /// The number of cores configured on this machine, or an error.
    fn core_count() -> io::Result<usize> {
        // SAFETY: sysconf only reads system configuration; any name is safe
        // to pass and _SC_NPROCESSORS_CONF is a valid one.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
        if n < 1 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    pub(super) fn allowed_cores() -> Option<Vec<usize>> {
        // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is a
        // valid (empty) value.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: pid 0 is the calling thread; the size and pointer describe
        // `set`, which the kernel writes and which outlives the call.
        let rc =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        if rc != 0 {
            return None;
        }
        Some(
            (0..libc::CPU_SETSIZE as usize)
                // SAFETY: `cpu < CPU_SETSIZE` and `set` is a valid cpu_set_t.
                .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
                .collect(),
        )
    }

    pub(super) fn pin_current_thread(core: usize) -> io::Result<()> {
        let cores = core_count()?;
        // A cpu_set_t holds CPU_SETSIZE (1024) bits; CPU_SET must not go past.
        let max = cores.min(libc::CPU_SETSIZE as usize);
        if core >= max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot pin to core {core}: this machine has {cores} core{} (0..={})",
                    if cores == 1 { "" } else { "s" },
                    max - 1
                ),
            ));
        }
        // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is a
        // valid (empty) value.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid, exclusively borrowed cpu_set_t and
        // `core < CPU_SETSIZE` was checked above, so CPU_SET stays in bounds.
        unsafe {
            libc::CPU_ZERO(&mut set);
            libc::CPU_SET(core, &mut set);
        }
        // SAFETY: pid 0 means the calling thread; the size and pointer
        // describe `set`, which lives across the call and is only read.
        let rc =
            unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
        if rc != 0 {
            let err = io::Error::last_os_error();
            return Err(io::Error::new(
                err.kind(),
                format!("cannot pin to core {core}: sched_setaffinity failed: {err}"),
            ));
        }
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io;

    pub(super) fn allowed_cores() -> Option<Vec<usize>> {
        None
    }

    pub(super) fn pin_current_thread(core: usize) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("cannot pin to core {core}: thread pinning is only supported on Linux"),
        ))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn allowed_cores() -> Vec<usize> {
        super::allowed_cores().expect("sched_getaffinity")
    }

    /// `Cpus_allowed_list` of the calling thread, from procfs.
    fn cpus_allowed_list() -> String {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
            .unwrap()
            .trim()
            .to_owned()
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "reads the thread's affinity back from /proc, which describes miri's own threads"
    )]
    fn pins_to_core_0() {
        // On a thread of its own so the test harness's threads keep theirs.
        std::thread::spawn(|| {
            pin_current_thread(0).unwrap();
            assert_eq!(allowed_cores(), vec![0]);
            assert_eq!(cpus_allowed_list(), "0");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn pins_to_the_last_core() {
        std::thread::spawn(|| {
            // The highest core this process may use.
            let last = *allowed_cores().last().unwrap();
            pin_current_thread(last).unwrap();
            assert_eq!(allowed_cores(), vec![last]);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn cores_are_listed_as_ranges() {
        assert_eq!(format_cores(&[]), "");
        assert_eq!(format_cores(&[1]), "1");
        assert_eq!(format_cores(&[0, 1, 2, 3, 6, 8, 9]), "0-3,6,8-9");
    }

    #[test]
    fn out_of_range_core_is_an_error() {
        let before = allowed_cores();
        let err = pin_current_thread(100_000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let message = err.to_string();
        assert!(message.contains("core 100000"), "{message}");
        // SAFETY: sysconf only reads system configuration.
        let cores = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
        assert!(message.contains(&format!("has {cores} core")), "{message}");
        assert_eq!(allowed_cores(), before, "a failed pin changes nothing");
        let err = pin_current_thread(cores as usize).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
