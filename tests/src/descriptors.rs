//! File-descriptor limits for the EMFILE tests: read and lower `RLIMIT_NOFILE`, and fill
//! the holes in the descriptor table so that the next descriptors are numbered above
//! every open one (a new descriptor takes the lowest free number, so a limit of
//! `highest + 1 + n` then leaves room for exactly `n` more).

use std::fs::File;

/// The process's descriptor limit.
pub fn fd_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, exclusively borrowed `limit`.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0);
    limit
}

/// Sets the soft descriptor limit, keeping the hard one.
pub fn set_soft_fd_limit(soft: u64) {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: fd_limit().rlim_max,
    };
    // SAFETY: setrlimit only reads the valid `limit`.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0);
}

/// The highest descriptor number open in this process.
pub fn highest_open_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// Opens `/dev/null` until every free number up to the highest open descriptor is taken;
/// returns the files (keep them open) and the highest open descriptor after that.
pub fn fill_descriptor_holes() -> (Vec<File>, u64) {
    let highest = highest_open_fd();
    let mut fillers = Vec::new();
    loop {
        let file = File::open("/dev/null").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file) as u64;
        fillers.push(file);
        if fd >= highest {
            return (fillers, fd);
        }
    }
}
