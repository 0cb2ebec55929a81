//! A test hook at the `bpf(2)` entry point: unit tests stand in for the
//! kernel to test policies (log retries, `EAGAIN`) on behaviour this
//! machine's kernel does not have.
//!
//! The hook is typed: it gets the command and the attribute struct the crate
//! built for it ([`AttrMut`]), and reads and sets fields by name. Where the
//! kernel would fill a caller's buffer (a lookup value, a log, a batch of
//! keys), the hook hands the bytes to [`UserPtr::write`] on the attribute's
//! pointer field; only this module turns that into a store, and only into a
//! buffer the crate borrowed for the pointer, within its length.
//!
//! Why a registry: a pointer field of `union bpf_attr` is 64 bits, so a
//! [`UserPtr`] cannot carry its buffer's length. Each `UserPtr` constructor
//! records its address, length and writability here instead, and a write
//! through a `UserPtr` is clipped to what the record says.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Mutex;

use super::attr::{
    EnableStatsAttr, IdAttr, InfoAttr, LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr,
    MapBatchAttr, MapCreateAttr, MapElemAttr, ObjAttr, ProgLoadAttr, ProgQueryAttr, TestRunAttr,
};
use super::cmd::Cmd;
use super::ptr::UserPtr;
use crate::error::Errno;

/// An attribute struct the hook can see typed.
pub(crate) trait Typed<'a> {
    /// The struct as the variant of [`AttrMut`] that names its type.
    fn typed(&mut self) -> AttrMut<'_, 'a>;
}

macro_rules! attr_mut {
    ($($variant:ident($name:ident) $fn:ident),* $(,)?) => {
        /// The attribute struct of one command, as a hook sees it: `'c` is
        /// the borrow of the struct, `'a` that of the buffers its pointers
        /// borrow.
        // Every command's struct has its variant and accessor, whether a
        // test hooks it yet or not.
        #[allow(missing_docs, dead_code)]
        pub(crate) enum AttrMut<'c, 'a> {
            $($variant(&'c mut $name<'a>),)*
        }

        $(
            impl<'a> Typed<'a> for $name<'a> {
                fn typed(&mut self) -> AttrMut<'_, 'a> {
                    AttrMut::$variant(self)
                }
            }
        )*

        #[allow(dead_code)]
        impl<'c, 'a> AttrMut<'c, 'a> {$(
            #[doc = concat!("The `", stringify!($name), "`; panics for any other command's.")]
            #[track_caller]
            pub(crate) fn $fn(self) -> &'c mut $name<'a> {
                match self {
                    AttrMut::$variant(attr) => attr,
                    _ => panic!(concat!("not a ", stringify!($name))),
                }
            }
        )*}
    };
}
attr_mut!(
    MapCreate(MapCreateAttr) map_create,
    MapElem(MapElemAttr) map_elem,
    MapBatch(MapBatchAttr) map_batch,
    ProgLoad(ProgLoadAttr) prog_load,
    Obj(ObjAttr) obj,
    TestRun(TestRunAttr) test_run,
    Id(IdAttr) id,
    Info(InfoAttr) info,
    LinkCreate(LinkCreateAttr) link_create,
    LinkUpdate(LinkUpdateAttr) link_update,
    LinkDetach(LinkDetachAttr) link_detach,
    EnableStats(EnableStatsAttr) enable_stats,
    ProgQuery(ProgQueryAttr) prog_query,
);

/// Answers a command in place of the kernel, or `None` to pass it through.
pub(crate) type Hook = Box<dyn FnMut(Cmd, AttrMut<'_, '_>) -> Option<Result<i64, Errno>>>;

thread_local! {
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
}

/// Runs `f` with `hook` answering this thread's `bpf(2)` calls.
pub(crate) fn with_hook<R>(hook: Hook, f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            HOOK.with(|h| h.borrow_mut().take());
        }
    }
    HOOK.with(|h| *h.borrow_mut() = Some(hook));
    let _reset = Reset;
    f()
}

pub(super) fn intercept<'a, A: Typed<'a>>(cmd: Cmd, attr: &mut A) -> Option<Result<i64, Errno>> {
    HOOK.with(|h| h.borrow_mut().as_mut().and_then(|hook| hook(cmd, attr.typed())))
}

/// A buffer some `UserPtr` was made from: its length and whether it was
/// borrowed mutably.
#[derive(Clone, Copy)]
struct Buffer {
    len: usize,
    writable: bool,
}

/// Every buffer a `UserPtr` was made from, by address; the latest wins.
/// Process-wide, so a `UserPtr` moved to another thread finds its record.
static BUFFERS: Mutex<BTreeMap<u64, Buffer>> = Mutex::new(BTreeMap::new());

/// Records the buffer a `UserPtr` at `addr` borrows (`ptr.rs` calls this
/// from every constructor).
pub(super) fn record(addr: u64, len: usize, writable: bool) {
    if addr != 0 {
        let mut buffers = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
        buffers.insert(addr, Buffer { len, writable });
    }
}

impl UserPtr<'_> {
    /// Copies `data` into the buffer this pointer borrows, starting `offset`
    /// bytes in, as the kernel would; clipped to the buffer, so nothing is
    /// written through NULL or a read-only buffer. Returns the bytes copied.
    pub(crate) fn write(self, offset: usize, data: &[u8]) -> usize {
        let addr = self.addr();
        let buffers = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
        let Some(buffer) = buffers.get(&addr).filter(|b| b.writable) else {
            return 0;
        };
        let n = data.len().min(buffer.len.saturating_sub(offset));
        if n > 0 {
            // SAFETY: `self` was made by `UserPtr::from_mut` (the only
            // constructor that records a writable buffer) from a
            // `&'a mut [T]` of `buffer.len` bytes at `addr`, and that borrow
            // lasts as long as `self`'s lifetime: the slice is alive and no
            // one else may touch it. The record is that borrow's: any buffer
            // recorded at `addr` before it was overwritten by it, and none
            // can be recorded after it while it lives, since no other borrow
            // of the same bytes can be made (an empty slice can share the
            // address, and records a length of 0). `offset + n` is within
            // `buffer.len`, and `data` is not the buffer (it is borrowed
            // shared while the buffer is borrowed exclusively).
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), (addr as *mut u8).add(offset), n);
            }
        }
        n
    }
}
