//! `BPF_TASK_FD_QUERY`: what a file descriptor of a process is attached to.

use super::Errno;
use super::attr::TaskFdQueryAttr;
use super::ptr::UserPtr;
use super::{Cmd, bpf};

/// What the kernel answers for one `(pid, fd)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TaskFdAnswer {
    pub prog_id: u32,
    /// `enum bpf_task_fd_type`.
    pub fd_type: u32,
    /// The tracepoint's or probed function's name, or the probed file's
    /// path: the bytes the kernel wrote, without a NUL.
    pub name: Vec<u8>,
    pub probe_offset: u64,
    pub probe_addr: u64,
}

/// `BPF_TASK_FD_QUERY` for the fd number `fd` of the process `pid`: a name
/// longer than the first buffer (the kernel answers `ENOSPC` and the length
/// it needs) is asked for again with room for it.
pub(crate) fn query(pid: u32, fd: u32) -> Result<TaskFdAnswer, Errno> {
    let mut capacity = 256usize;
    loop {
        let mut buf = vec![0u8; capacity];
        let mut attr = TaskFdQueryAttr {
            pid,
            fd,
            buf_len: u32::try_from(capacity).unwrap_or(u32::MAX),
            buf: UserPtr::from_mut(&mut buf),
            ..Default::default()
        };
        match bpf(Cmd::TaskFdQuery, &mut attr) {
            Ok(_) => {
                let len = (attr.buf_len as usize).min(capacity);
                let (prog_id, fd_type) = (attr.prog_id, attr.fd_type);
                let (probe_offset, probe_addr) = (attr.probe_offset, attr.probe_addr);
                buf.truncate(len);
                // The kernel writes the NUL too; a shorter name ends there.
                if let Some(nul) = buf.iter().position(|&b| b == 0) {
                    buf.truncate(nul);
                }
                return Ok(TaskFdAnswer { prog_id, fd_type, name: buf, probe_offset, probe_addr });
            }
            Err(Errno::ENOSPC) if (attr.buf_len as usize) >= capacity => {
                capacity = attr.buf_len as usize + 1;
            }
            Err(errno) => return Err(errno),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::mock::with_hook;

    #[test]
    fn a_long_name_is_asked_for_again() {
        let name = "x".repeat(300);
        let answer = {
            let name = name.clone();
            with_hook(
                Box::new(move |cmd, attr| {
                    assert_eq!(cmd, Cmd::TaskFdQuery);
                    let attr = attr.task_fd_query();
                    assert_eq!((attr.pid, attr.fd), (7, 3));
                    let fits = attr.buf_len as usize > name.len();
                    attr.buf_len = name.len() as u32;
                    if !fits {
                        return Some(Err(Errno::ENOSPC));
                    }
                    attr.buf.write(0, name.as_bytes());
                    attr.prog_id = 42;
                    attr.fd_type = 1;
                    Some(Ok(0))
                }),
                || query(7, 3),
            )
        };
        let answer = answer.unwrap();
        assert_eq!(answer.name, name.as_bytes());
        assert_eq!((answer.prog_id, answer.fd_type), (42, 1));
    }
}
