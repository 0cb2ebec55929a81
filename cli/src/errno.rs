//! Kernel errors in bpftool's words and with its exit statuses.
//!
//! bpftool prints the C library's `strerror` text ("No such file or
//! directory", "Unknown error 524") and, where a libbpf call failed, exits
//! with that call's `-errno` (254 for `ENOENT`, 244 for the kernel's
//! `ENOTSUPP`) instead of its usual 255. Scripts see both, so both are kept.

use crate::out::CliError;

/// The C library's text for `errno`, as bpftool prints it.
pub fn strerror(errno: i32) -> String {
    // std's text is glibc's strerror_r with " (os error N)" appended.
    let full = std::io::Error::from_raw_os_error(errno).to_string();
    match full.rfind(" (os error ") {
        Some(at) => full[..at].to_owned(),
        None => full,
    }
}

/// The exit status of a bpftool command that returned a libbpf call's
/// `-errno`: the low byte of the negated number.
pub fn status(errno: i32) -> u8 {
    errno.wrapping_neg() as u8
}

/// `"{what}: {strerror}"`, exiting as bpftool does after that libbpf call.
pub fn failed(what: &str, errno: i32) -> CliError {
    CliError::new(format!("{what}: {}", strerror(errno)))
        .with_errno(errno)
        .with_status(status(errno))
}

/// `"{what}: {strerror}"` for a library error (`"{what}: {err}"` without an
/// errno), with bpftool's usual exit status.
pub fn says(what: &str, err: &bpfkit::Error) -> CliError {
    match of(err) {
        Some(errno) => CliError::new(format!("{what}: {}", strerror(errno))).with_errno(errno),
        None => CliError::new(format!("{what}: {err}")),
    }
}

/// `"{what}: {strerror}"` met while walking every object of a kind: bpftool
/// has begun its JSON array, so the error object goes inside it.
pub fn listing_failed(what: &str, err: &bpfkit::Error) -> CliError {
    says(what, err).in_listing()
}

/// The errno of a library error, for messages in bpftool's words.
pub fn of(err: &bpfkit::Error) -> Option<i32> {
    err.errno().map(|e| e.0)
}

#[cfg(test)]
mod tests {
    use bpfkit::Errno;

    use super::*;

    #[test]
    fn texts_and_statuses_are_bpftools() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(524), "Unknown error 524");
        assert_eq!(status(libc::ENOENT), 254);
        assert_eq!(status(libc::EINVAL), 234);
        assert_eq!(status(524), 244);
        assert_eq!(status(libc::EOPNOTSUPP), 161);
        assert_eq!(status(libc::EPERM), 255);
    }

    #[test]
    fn errors_keep_the_errno_their_report_decides_on() {
        let err = bpfkit::Error::Syscall { cmd: bpfkit::Cmd::ProgGetNextId, errno: Errno::EPERM };
        let said = says("can't get next program", &err);
        assert_eq!(said.message, "can't get next program: Operation not permitted");
        assert_eq!(said.errno, Some(libc::EPERM));
        assert_eq!(failed("delete failed", libc::ENOENT).errno, Some(libc::ENOENT));
        let plain = bpfkit::Error::InvalidArgument { what: "x", why: "y".into() };
        assert_eq!(says("w", &plain).errno, None);
    }
}
