//! A test hook at the `bpf(2)` entry point: unit tests stand in for the
//! kernel to test policies (log retries, `EAGAIN`) on behaviour this
//! machine's kernel does not have.

use std::cell::RefCell;

use super::attr::Attr;
use super::cmd::Cmd;
use crate::error::Errno;

/// Answers a command in place of the kernel, or `None` to pass it through.
pub(crate) type Hook = Box<dyn FnMut(Cmd, &mut [u8]) -> Option<Result<i64, Errno>>>;

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

pub(super) fn intercept<A: Attr>(cmd: Cmd, attr: &mut A) -> Option<Result<i64, Errno>> {
    let bytes = {
        let ptr = (attr as *mut A).cast::<u8>();
        // SAFETY: `A: Attr` is `#[repr(C)]` with no implicit padding, so all
        // of its `size_of::<A>()` bytes are initialised; the borrow of `attr`
        // is exclusive and outlives `bytes`.
        unsafe { std::slice::from_raw_parts_mut(ptr, size_of::<A>()) }
    };
    HOOK.with(|h| h.borrow_mut().as_mut().and_then(|hook| hook(cmd, bytes)))
}

/// Copies `data` into the user buffer at `addr` of `capacity` bytes, as the
/// kernel would, truncated to fit; returns how much was copied.
pub(crate) fn write_user(addr: u64, capacity: usize, data: &[u8]) -> usize {
    let n = data.len().min(capacity);
    if addr != 0 && n > 0 {
        // SAFETY: a hook gets `addr`/`capacity` from an attribute the crate
        // built from a live `&mut [u8]` of at least `capacity` bytes, which
        // stays borrowed for the whole `bpf` call the hook answers.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, n) };
    }
    n
}
