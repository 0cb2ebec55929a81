//! [`BtfObject`]: BTF loaded into the kernel, owned by its file descriptor.
//!
//! BTF loads like a program: first without a log, so that the happy path
//! is one `BPF_BTF_LOAD`; only when the kernel refuses does it load again
//! with a log (grown until it all fits), whose last complaint becomes
//! [`Error::BtfLoad`], naming the type id and the kernel's message.
//!
//! The kernel's own BTF (vmlinux, and one object per module with BTF) is
//! read the same way as loaded BTF: by id, then [`BtfObject::data`].
//!
//! ```no_run
//! use bpfkit::btf::{BtfObject, btf_ids};
//!
//! // Find vmlinux's BTF and check it against the file the kernel exports.
//! for id in btf_ids() {
//!     let btf = BtfObject::from_id(id?)?;
//!     let info = btf.info()?;
//!     if info.kernel_btf && info.name == "vmlinux" {
//!         let file = std::fs::read("/sys/kernel/btf/vmlinux").unwrap_or_default();
//!         assert_eq!(btf.data()?, file);
//!     }
//! }
//! # Ok::<(), bpfkit::Error>(())
//! ```

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use super::log::parse_log;
use crate::error::{Error, Result};
use crate::object::{LOG_START, ObjectKind, Origin, expect_kind, load_logged, retry_eagain};
use crate::sys::{self, Cmd, Errno};

/// The BTF log level that says why a load failed (`BPF_LOG_LEVEL1`).
const LOG_LEVEL: u32 = 1;
/// Room for a BTF object's name: the kernel keeps up to 55 bytes and a NUL
/// (`MODULE_NAME_LEN` is 56).
const NAME_MAX: usize = 64;

/// A BTF object in the kernel. Dropping it closes its fd; the kernel frees
/// the object once nothing else (a map, a program, another fd) holds it.
///
/// BTF objects cannot be pinned: `BPF_OBJ_PIN` takes maps, programs and
/// links only (`EINVAL` for BTF, on 6.18 too).
///
/// Clones share the fd, as [`MapFd`](crate::maps::MapFd)'s do.
#[derive(Clone, Debug)]
pub struct BtfObject {
    fd: Arc<OwnedFd>,
}

/// What the kernel says about a BTF object (`struct bpf_btf_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BtfInfo {
    /// The kernel's id for the object.
    pub id: u32,
    /// Its name: `"vmlinux"` or a module's name for kernel BTF; empty for
    /// BTF loaded from user space.
    pub name: String,
    /// The size of its raw bytes (header, types and strings).
    pub size: u32,
    /// Whether it is the kernel's own BTF (vmlinux or a module's).
    pub kernel_btf: bool,
}

impl BtfObject {
    /// Loads raw BTF (`BPF_BTF_LOAD`): a header, its type section and its
    /// string section, in host byte order.
    ///
    /// A refusal is [`Error::BtfLoad`], with the type id the kernel
    /// complained about and its message when it logged them.
    pub fn load(raw: &[u8]) -> Result<BtfObject> {
        let attempt = |log: Option<(&mut [u8], u32)>| sys::btf::load(raw, log);
        let errno = match retry_eagain(|| attempt(None).0) {
            Ok(fd) => return Ok(BtfObject { fd: Arc::new(fd) }),
            Err(errno) => errno,
        };
        if errno == Errno::EPERM || errno == Errno::ENOSYS {
            // Refused before the BTF was read: there is no log to ask for.
            return Err(Error::BtfLoad { errno, type_id: None, message: None, log: String::new() });
        }
        let mut buf = vec![0u8; LOG_START];
        match load_logged(&attempt, &mut buf, LOG_LEVEL) {
            // Loaded on the second try (a transient failure): keep it.
            (Ok(fd), _) => Ok(BtfObject { fd: Arc::new(fd) }),
            (Err(errno), log) => {
                let (type_id, message) = parse_log(&log);
                Err(Error::BtfLoad { errno, type_id, message, log })
            }
        }
    }

    /// Wraps an fd that refers to a BTF object. The fd of a map, a program,
    /// a link or anything else is refused with [`Error::WrongKind`].
    pub fn from_fd(fd: OwnedFd) -> Result<BtfObject> {
        BtfObject::checked(fd, Origin::Fd)
    }

    /// Opens the BTF object with kernel id `id` (`BPF_BTF_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<BtfObject> {
        let fd = crate::object::open_by_id(ObjectKind::Btf, id)?;
        BtfObject::checked(fd, Origin::Id(id))
    }

    fn checked(fd: OwnedFd, origin: Origin<'_>) -> Result<BtfObject> {
        expect_kind(fd.as_fd(), ObjectKind::Btf, origin)?;
        Ok(BtfObject { fd: Arc::new(fd) })
    }

    /// The object's file descriptor (e.g. a map's `btf_fd`).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Asks the kernel for the object's id, name, size and whether it is
    /// the kernel's own.
    pub fn info(&self) -> Result<BtfInfo> {
        info_of(self.fd())
    }

    /// The object's raw bytes, as the kernel holds them: for BTF loaded
    /// from user space, the bytes it was loaded from.
    pub fn data(&self) -> Result<Vec<u8>> {
        data_of(self.fd())
    }
}

impl AsFd for BtfObject {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

/// The ids of every BTF object in the kernel, in increasing order
/// (`BPF_BTF_GET_NEXT_ID`); open one with [`BtfObject::from_id`].
pub fn btf_ids() -> impl Iterator<Item = Result<u32>> {
    crate::object::ids(ObjectKind::Btf)
}

fn info_error(errno: Errno) -> Error {
    Error::syscall(Cmd::ObjGetInfoByFd, errno)
}

/// The info of the BTF object behind `fd`.
fn info_of(fd: BorrowedFd<'_>) -> Result<BtfInfo> {
    let mut name = [0u8; NAME_MAX];
    let raw = sys::btf::info(fd, &mut name).map_err(info_error)?;
    let len = (raw.name_len as usize).min(name.len());
    let name = &name[..len];
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(BtfInfo {
        id: raw.id,
        name: String::from_utf8_lossy(&name[..end]).into_owned(),
        size: raw.btf_size,
        kernel_btf: raw.kernel_btf != 0,
    })
}

/// The raw bytes of the BTF object behind `fd`: its size first, then the
/// bytes (a BTF object never changes, so the size holds).
pub(crate) fn data_of(fd: BorrowedFd<'_>) -> Result<Vec<u8>> {
    let size = sys::obj::btf_data(fd, &mut []).map_err(info_error)?;
    let mut data = vec![0u8; size as usize];
    if !data.is_empty() {
        let got = sys::obj::btf_data(fd, &mut data).map_err(info_error)?;
        data.truncate((got as usize).min(data.len()));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::IntoRawFd;
    use std::rc::Rc;

    use super::*;
    use crate::sys::mock::{Hook, with_hook};

    const LOG: &str = "magic: 0xeb9f\n[1] INT int size=4 bits_offset=0 nr_bits=32 \
                       encoding=SIGNED\n[2] STRUCT 1bad size=8 vlen=2 Invalid name\n";

    /// What the fake kernel saw of each `BPF_BTF_LOAD`: (log level, log size).
    type Seen = Rc<RefCell<Vec<(u32, u32)>>>;

    /// A kernel that refuses every load with `LOG`, answering a log buffer
    /// too short for it with `ENOSPC` and no `log_true_size` (before 6.4).
    fn refusing_kernel(seen: Seen) -> Hook {
        Box::new(move |cmd, attr| {
            assert_eq!(cmd, Cmd::BtfLoad);
            let attr = attr.btf_load();
            let (level, size) = (attr.btf_log_level, attr.btf_log_size);
            seen.borrow_mut().push((level, size));
            if level == 0 {
                return Some(Err(Errno::EINVAL));
            }
            let mut log = LOG.as_bytes().to_vec();
            log.push(0);
            if log.len() > size as usize {
                attr.btf_log_buf.write(0, &log[..size as usize - 1]);
                return Some(Err(Errno::ENOSPC));
            }
            attr.btf_log_buf.write(0, &log);
            Some(Err(Errno::EINVAL))
        })
    }

    fn dev_null() -> Option<std::result::Result<i64, Errno>> {
        let fd: OwnedFd = std::fs::File::open("/dev/null").ok()?.into();
        Some(Ok(fd.into_raw_fd().into()))
    }

    #[test]
    fn a_refusal_reloads_with_a_log_and_names_the_type() {
        let seen = Seen::default();
        let err = with_hook(refusing_kernel(seen.clone()), || BtfObject::load(b"btf")).unwrap_err();
        let Error::BtfLoad { errno, type_id, message, log } = err else {
            panic!("expected a BTF load error, got {err:?}");
        };
        assert_eq!(
            (errno, type_id, message.as_deref()),
            (Errno::EINVAL, Some(2), Some("Invalid name"))
        );
        assert_eq!(log, LOG);
        // No log first, then one at level 1 that fits.
        assert_eq!(*seen.borrow(), vec![(0, 0), (1, LOG_START as u32)]);
    }

    #[test]
    fn a_short_log_grows() {
        let seen = Seen::default();
        let hook = refusing_kernel(seen.clone());
        let attempt = |log: Option<(&mut [u8], u32)>| sys::btf::load(b"btf", log);
        let mut buf = vec![0u8; 16];
        let (res, log) = with_hook(hook, || load_logged(&attempt, &mut buf, LOG_LEVEL));
        assert_eq!(res.unwrap_err(), Errno::EINVAL);
        assert_eq!(log, LOG);
        assert_eq!(*seen.borrow(), vec![(1, 16), (1, 64), (1, 256)]);
    }

    #[test]
    fn a_load_that_succeeds_makes_one_call_without_a_log() {
        let seen = Seen::default();
        let s = seen.clone();
        let hook: Hook = Box::new(move |_, attr| {
            let attr = attr.btf_load();
            s.borrow_mut().push((attr.btf_log_level, attr.btf_size));
            dev_null()
        });
        with_hook(hook, || BtfObject::load(b"btf")).unwrap();
        assert_eq!(*seen.borrow(), vec![(0, 3)]);
    }

    #[test]
    fn eperm_is_not_reloaded_and_names_the_capability() {
        let calls = Rc::new(std::cell::Cell::new(0));
        let c = calls.clone();
        let hook: Hook = Box::new(move |_, _| {
            c.set(c.get() + 1);
            Some(Err(Errno::EPERM))
        });
        let err = with_hook(hook, || BtfObject::load(b"btf")).unwrap_err();
        assert_eq!(calls.get(), 1, "EPERM comes before the BTF is read: no log to ask for");
        assert!(err.to_string().contains("CAP_BPF"), "{err}");
    }
}
