//! A test hook at the `bpf(2)` entry point: unit tests stand in for the
//! kernel to test policies (log retries, `EAGAIN`) on behaviour this
//! machine's kernel does not have.
//!
//! The hook is typed: it gets the command and the attribute struct the crate
//! built for it ([`AttrMut`]), and reads and sets fields by name. Where the
//! kernel would fill a caller's buffer (a lookup value, a log, a batch of
//! keys), the hook hands the bytes to `UserPtr::write` on the attribute's
//! pointer field; only this module turns that into a store, and only into a
//! buffer the crate borrowed for the pointer, within its length.
//!
//! `ptr.rs` keeps the record of the buffers that makes such a write safe.

use std::cell::RefCell;

use super::Errno;
use super::attr::{
    BtfLoadAttr, EnableStatsAttr, IdAttr, InfoAttr, LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr,
    MapBatchAttr, MapCreateAttr, MapElemAttr, ObjAttr, ProgAttachAttr, ProgLoadAttr, ProgQueryAttr,
    RawTracepointAttr, TaskFdQueryAttr, TestRunAttr,
};
use super::cmd::Cmd;

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
    ProgAttach(ProgAttachAttr) prog_attach,
    RawTracepoint(RawTracepointAttr) raw_tracepoint,
    BtfLoad(BtfLoadAttr) btf_load,
    TaskFdQuery(TaskFdQueryAttr) task_fd_query,
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
