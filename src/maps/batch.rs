//! Batch operations: many elements per `bpf(2)` call.
//!
//! Reading a map of 10,000 elements one key at a time takes 20,000 system
//! calls (a key walk and a lookup each); `BPF_MAP_LOOKUP_BATCH` copies
//! thousands per call into buffers the caller provides. [`BatchLookup`] is
//! that cursor: it keeps the kernel's resume token between calls and says
//! when the kernel reached the end of the map.
//!
//! Kernels since 5.6 support batches on hash maps (all four kinds, lookup,
//! lookup-and-delete, update and delete) and on arrays (lookup and update;
//! array elements cannot be deleted, so the typed arrays do not offer the
//! other two). When the kernel refuses a batch command for a map type, the
//! error is [`Error::Unsupported`].
//!
//! The kernel applies no [`UpdateMode`](super::UpdateMode) to batch updates:
//! it accepts only `BPF_F_LOCK` in their flags, so a batch update always
//! creates or replaces.
//!
//! A hash map's batch lookup hands out whole buckets: when a bucket holds
//! more elements than the chunk has room for, the kernel answers `ENOSPC`
//! without copying any. [`BatchLookup::next_chunk`] reports that as an error
//! asking for a longer chunk; the `read_all` conveniences grow their chunk and
//! carry on.

use std::marker::PhantomData;

use zerocopy::IntoBytes;

use super::Plain;
use super::fd::MapFd;
use super::layout::Layout;
use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

/// The most elements one batch call can name (`count` is a `u32`).
const MAX_COUNT: usize = u32::MAX as usize;

/// The first chunk size of the `read_all` conveniences.
const READ_ALL_CHUNK: usize = 4096;

/// A cursor over a map's elements that copies them a chunk at a time
/// (`BPF_MAP_LOOKUP_BATCH`, or `BPF_MAP_LOOKUP_AND_DELETE_BATCH` when made by
/// `batch_lookup_and_delete`).
///
/// Each call of [`next_chunk`](Self::next_chunk) fills the front of the
/// caller's key and value slices. For a per-CPU map each key takes
/// [`values_per_key`](Self::values_per_key) values (one per possible CPU),
/// so the values of key `i` are `values[i * n..(i + 1) * n]`.
///
/// ```no_run
/// use bpfkit::maps::{HashMap, MapFlags};
///
/// let map = HashMap::<u32, u64>::create("flows", 10_000, MapFlags::empty())?;
/// let mut cursor = map.batch_lookup();
/// let (mut keys, mut values) = (vec![0u32; 1024], vec![0u64; 1024]);
/// let mut total = 0;
/// while let Some(n) = cursor.next_chunk(&mut keys, &mut values)? {
///     total += values[..n].iter().sum::<u64>();
/// }
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[doc(alias = "BPF_MAP_LOOKUP_BATCH")]
#[doc(alias = "BPF_MAP_LOOKUP_AND_DELETE_BATCH")]
#[derive(Debug)]
pub struct BatchLookup<'m, K, V> {
    map: &'m MapFd,
    and_delete: bool,
    layout: Layout,
    /// The token to resume from (valid once `started`).
    token: Vec<u8>,
    /// Where the kernel writes the next token.
    next_token: Vec<u8>,
    started: bool,
    done: bool,
    /// The kernel's padded per-CPU values, when `V` is not a multiple of 8 bytes.
    scratch: Vec<u8>,
    _types: PhantomData<(K, V)>,
}

/// What one batch call produced.
enum Fill {
    /// This many elements.
    Got(usize),
    /// Nothing more: the end of the map.
    End,
    /// Nothing: a bucket does not fit in the chunk.
    TooSmall,
}

impl<'m, K: Plain, V: Plain> BatchLookup<'m, K, V> {
    pub(crate) fn new(map: &'m MapFd, and_delete: bool) -> BatchLookup<'m, K, V> {
        let token = sys::map::token_len(map.dims());
        BatchLookup {
            map,
            and_delete,
            layout: Layout::of::<V>(map),
            token: vec![0; token],
            next_token: vec![0; token],
            started: false,
            done: false,
            scratch: Vec::new(),
            _types: PhantomData,
        }
    }

    /// How many values each key takes: 1, or the number of possible CPUs
    /// for a per-CPU map.
    pub fn values_per_key(&self) -> usize {
        self.layout.per_key
    }

    /// Whether the kernel has reported the end of the map.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Copies the next elements into the front of `keys` and `values` and
    /// returns how many, or `None` once the end of the map was reached.
    ///
    /// `values` needs [`values_per_key`](Self::values_per_key) slots per key
    /// slot. A chunk may hold fewer elements than there is room for even
    /// before the end (a hash map is read by whole buckets); a hash bucket
    /// larger than the whole chunk is an [`Error::InvalidArgument`] asking
    /// for longer slices.
    pub fn next_chunk(&mut self, keys: &mut [K], values: &mut [V]) -> Result<Option<usize>> {
        match self.fill(keys, values)? {
            Fill::Got(n) => Ok(Some(n)),
            Fill::End => Ok(None),
            Fill::TooSmall => Err(Error::InvalidArgument {
                what: "batch size",
                why: format!(
                    "a hash bucket of map {:?} holds more than {} elements, the kernel \
                     answered ENOSPC: pass longer key and value slices",
                    self.map.name(),
                    keys.len()
                ),
            }),
        }
    }

    fn fill(&mut self, keys: &mut [K], values: &mut [V]) -> Result<Fill> {
        if self.done {
            return Ok(Fill::End);
        }
        let per = self.layout.per_key;
        let chunk = keys.len().min(MAX_COUNT);
        let need = chunk.saturating_mul(per);
        if chunk == 0 || values.len() < need {
            return Err(Error::InvalidArgument {
                what: "batch buffers",
                why: format!(
                    "map {:?} takes {per} value(s) per key: {chunk} key slots need {need} \
                     value slots, got {} (and at least one key slot)",
                    self.map.name(),
                    values.len()
                ),
            });
        }
        let dims = self.map.dims();
        let dense = self.layout.is_dense();
        let value_bytes = if dense {
            values[..need].as_mut_bytes()
        } else {
            self.scratch.resize(chunk * dims.value, 0);
            &mut self.scratch[..]
        };
        let batch = sys::map::Batch {
            in_batch: self.started.then_some(&self.token[..]),
            out_batch: Some(&mut self.next_token[..]),
            keys: keys[..chunk].as_mut_bytes(),
            values: value_bytes,
            elem_flags: 0,
        };
        let cmd = if self.and_delete { Cmd::MapLookupAndDeleteBatch } else { Cmd::MapLookupBatch };
        let (count, res) =
            sys::map::lookup_batch(self.map.fd(), dims, self.and_delete, batch, chunk as u32);
        let n = (count as usize).min(chunk);
        match res {
            Ok(()) if n > 0 => {
                std::mem::swap(&mut self.token, &mut self.next_token);
                self.started = true;
            }
            // Only a zero-length chunk gets no elements without an error.
            Ok(()) | Err(Errno::ENOENT) => self.done = true,
            Err(Errno::ENOSPC) if n == 0 => return Ok(Fill::TooSmall),
            Err(e) => return Err(batch_error(self.map, cmd, e)),
        }
        if !dense {
            self.layout.unpack(&self.scratch[..n * dims.value], &mut values[..n * per]);
        }
        Ok(if n == 0 { Fill::End } else { Fill::Got(n) })
    }
}

/// The error for a failed batch command: [`Error::Unsupported`] when the
/// kernel does not do this batch on this map type.
fn batch_error(map: &MapFd, cmd: Cmd, errno: Errno) -> Error {
    match errno {
        Errno::EINVAL | Errno::ENOTSUPP | Errno::EOPNOTSUPP => Error::Unsupported {
            what: cmd.name(),
            object: format!("{} map {:?}", map.map_type(), map.name()),
            errno,
        },
        _ => map.op_error(cmd, errno),
    }
}

/// Every key and value of `map` (values flattened, per-CPU ones
/// `values_per_key` to a key), chunk by chunk, growing the chunk whenever a
/// hash bucket does not fit.
pub(crate) fn read_all<K: Plain, V: Plain>(map: &MapFd) -> Result<(Vec<K>, Vec<V>)> {
    let mut cursor = BatchLookup::<K, V>::new(map, false);
    let per = cursor.values_per_key();
    let mut chunk = (map.def().max_entries as usize).clamp(1, READ_ALL_CHUNK);
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    while !cursor.is_done() {
        let start = keys.len();
        keys.resize(start + chunk, K::new_zeroed());
        values.resize((start + chunk) * per, V::new_zeroed());
        let got = match cursor.fill(&mut keys[start..], &mut values[start * per..])? {
            Fill::Got(n) => n,
            Fill::End => 0,
            Fill::TooSmall if chunk < MAX_COUNT => {
                chunk = chunk.saturating_mul(2).min(MAX_COUNT);
                0
            }
            Fill::TooSmall => {
                return Err(batch_error(map, Cmd::MapLookupBatch, Errno::ENOSPC));
            }
        };
        keys.truncate(start + got);
        values.truncate((start + got) * per);
    }
    Ok((keys, values))
}

/// Writes `values` (flattened, `values_per_key` to a key) at `keys`.
pub(crate) fn update<K: Plain, V: Plain>(map: &MapFd, keys: &[K], values: &[V]) -> Result<()> {
    let layout = Layout::of::<V>(map);
    let per = layout.per_key;
    if keys.len().checked_mul(per) != Some(values.len()) {
        return Err(Error::InvalidArgument {
            what: "batch values",
            why: format!(
                "map {:?} takes {per} value(s) per key: {} keys need {} values, got {}",
                map.name(),
                keys.len(),
                keys.len().saturating_mul(per),
                values.len()
            ),
        });
    }
    let packed;
    let value_bytes = if layout.is_dense() {
        values.as_bytes()
    } else {
        packed = layout.pack(values);
        &packed[..]
    };
    let dims = map.dims();
    let key_chunks = keys.chunks(MAX_COUNT);
    let value_chunks = value_bytes.chunks(MAX_COUNT.saturating_mul(dims.value).max(1));
    let mut written = 0;
    for (k, v) in key_chunks.zip(value_chunks) {
        let (count, res) =
            sys::map::update_batch(map.fd(), dims, k.as_bytes(), v, k.len() as u32, 0);
        // The kernel writes the elements in order and stops at the first
        // that fails; `count` says how many went in before it.
        written += (count as usize).min(k.len());
        if let Err(errno) = res {
            return Err(partial_batch_error(map, Cmd::MapUpdateBatch, errno, written, keys.len()));
        }
    }
    Ok(())
}

/// The error for a batch write that failed after `written` of `requested`
/// elements: [`Error::PartialBatch`], or [`Error::Unsupported`] when the
/// kernel refused the command outright.
fn partial_batch_error(
    map: &MapFd,
    cmd: Cmd,
    errno: Errno,
    written: usize,
    requested: usize,
) -> Error {
    match batch_error(map, cmd, errno) {
        unsupported @ Error::Unsupported { .. } if written == 0 => unsupported,
        _ => Error::PartialBatch { cmd, map: map.name().to_string(), written, requested, errno },
    }
}

/// Deletes the present keys of `keys`, skipping absent ones; returns how
/// many were deleted.
pub(crate) fn delete<K: Plain>(map: &MapFd, keys: &[K]) -> Result<usize> {
    let dims = map.dims();
    let mut rest = keys;
    let mut deleted = 0;
    while !rest.is_empty() {
        let chunk = rest.len().min(MAX_COUNT);
        let (count, res) =
            sys::map::delete_batch(map.fd(), dims, rest[..chunk].as_bytes(), chunk as u32);
        let n = (count as usize).min(chunk);
        deleted += n;
        match res {
            Ok(()) => rest = &rest[chunk..],
            // The kernel stops at the first absent key, `rest[n]`: skip it.
            Err(Errno::ENOENT) => rest = &rest[(n + 1).min(rest.len())..],
            Err(e) => {
                return Err(partial_batch_error(map, Cmd::MapDeleteBatch, e, deleted, keys.len()));
            }
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::OwnedFd;
    use std::rc::Rc;

    use super::*;
    use crate::maps::MapDef;
    use crate::maps::{MapFlags, MapType};
    use crate::sys::mock::{Hook, with_hook};

    /// A `MapFd` over /dev/null: the fake kernel never looks at the fd.
    fn fake_map(map_type: MapType, key_size: u32, value_size: u32, max_entries: u32) -> MapFd {
        let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
        let def = MapDef { map_type, key_size, value_size, max_entries, flags: MapFlags::empty() };
        MapFd::new(fd, def, crate::object::ObjectName::reported(b"fake")).unwrap()
    }

    /// The batch commands a fake kernel saw: (command, count asked).
    type Seen = Rc<RefCell<Vec<(Cmd, u32)>>>;

    #[test]
    fn refused_batches_are_unsupported_errors() {
        let map = fake_map(MapType::HASH, 4, 8, 16);
        for errno in [Errno::ENOTSUPP, Errno::EOPNOTSUPP, Errno::EINVAL] {
            let old_kernel: Hook = Box::new(move |_, _| Some(Err(errno)));
            let (lookup, update) = with_hook(old_kernel, || {
                let mut cursor = BatchLookup::<u32, u64>::new(&map, false);
                let lookup = cursor.next_chunk(&mut [0; 4], &mut [0; 4]);
                (lookup, update(&map, &[1u32], &[2u64]))
            });
            for (err, cmd) in [
                (lookup.unwrap_err(), "BPF_MAP_LOOKUP_BATCH"),
                (update.unwrap_err(), "BPF_MAP_UPDATE_BATCH"),
            ] {
                assert!(
                    matches!(&err, Error::Unsupported { what, object, errno: e }
                        if *what == cmd && object == "hash map \"fake\"" && *e == errno),
                    "{err}"
                );
            }
        }
        let busy: Hook = Box::new(|_, _| Some(Err(Errno::EFAULT)));
        let err = with_hook(busy, || delete(&map, &[1u32])).unwrap_err();
        assert!(
            matches!(err, Error::PartialBatch { cmd: Cmd::MapDeleteBatch, written: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_write_that_stops_part_way_says_how_far_it_got() {
        let map = fake_map(MapType::HASH, 4, 8, 16);
        // Room for three more: the fourth element finds the map full.
        let full: Hook = Box::new(|_, attr| {
            attr.map_batch().count = 3;
            Some(Err(Errno::E2BIG))
        });
        let err = with_hook(full, || update(&map, &[1u32, 2, 3, 4, 5], &[0u64; 5])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::PartialBatch {
                    cmd: Cmd::MapUpdateBatch,
                    written: 3,
                    requested: 5,
                    errno: Errno::E2BIG,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("stopped after writing 3 of 5 elements: E2BIG"), "{text}");
        assert!(text.contains("the map is full"), "{text}");

        // A refusal part-way (EINVAL on one element) is no "unsupported".
        let bad: Hook = Box::new(|_, attr| {
            attr.map_batch().count = 1;
            Some(Err(Errno::EINVAL))
        });
        let err = with_hook(bad, || update(&map, &[1u32, 2], &[0u64; 2])).unwrap_err();
        assert!(matches!(err, Error::PartialBatch { written: 1, requested: 2, .. }), "{err:?}");

        // Deleting counts what went before, across the skipped absent keys.
        let mut calls = 0;
        let flaky: Hook = Box::new(move |_, attr| {
            let attr = attr.map_batch();
            calls += 1;
            if calls == 1 {
                attr.count = 2;
                return Some(Err(Errno::ENOENT));
            }
            attr.count = 1;
            Some(Err(Errno::EFAULT))
        });
        let err = with_hook(flaky, || delete(&map, &[1u32, 2, 9, 3, 4])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::PartialBatch { written: 3, requested: 5, errno: Errno::EFAULT, .. }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("stopped after deleting 3 of 5"), "{err}");
    }

    #[test]
    fn the_cursor_passes_the_token_back_and_stops_at_enoent() {
        let map = fake_map(MapType::HASH, 4, 8, 16);
        let tokens = Rc::new(RefCell::new(Vec::new()));
        let seen = tokens.clone();
        let mut calls = 0u32;
        let kernel: Hook = Box::new(move |cmd, attr| {
            assert_eq!(cmd, Cmd::MapLookupBatch);
            let attr = attr.map_batch();
            // (in_batch, out_batch) addresses: each call's token must be
            // the buffer the previous call wrote.
            seen.borrow_mut().push((attr.in_batch.addr(), attr.out_batch.addr()));
            calls += 1;
            // Two elements a call, keys counting up; the third call is the last.
            let first = (calls - 1) * 2;
            for i in 0..2 {
                let at = i as usize;
                attr.keys.write(at * 4, &(first + i).to_ne_bytes());
                attr.values.write(at * 8, &u64::from(first + i + 100).to_ne_bytes());
            }
            attr.out_batch.write(0, &calls.to_ne_bytes());
            attr.count = 2;
            Some(if calls == 3 { Err(Errno::ENOENT) } else { Ok(0) })
        });
        let got = with_hook(kernel, || read_all::<u32, u64>(&map)).unwrap();
        assert_eq!(got.0, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(got.1, vec![100, 101, 102, 103, 104, 105]);
        let tokens = tokens.borrow();
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[0].0, 0, "the first call starts from the beginning");
        assert_eq!(tokens[1].0, tokens[0].1);
        assert_eq!(tokens[2].0, tokens[1].1);
        assert_ne!(tokens[1].0, tokens[1].1, "the kernel reads one token and writes another");
    }

    #[test]
    fn read_all_grows_its_chunk_past_a_big_bucket() {
        let map = fake_map(MapType::HASH, 4, 4, 3);
        let seen = Seen::default();
        let log = seen.clone();
        // One bucket of 5 elements: any chunk under 5 gets ENOSPC.
        let kernel: Hook = Box::new(move |cmd, attr| {
            let attr = attr.map_batch();
            log.borrow_mut().push((cmd, attr.count));
            if attr.count < 5 {
                attr.count = 0;
                return Some(Err(Errno::ENOSPC));
            }
            for i in 0..5u32 {
                let at = i as usize * 4;
                attr.keys.write(at, &i.to_ne_bytes());
                attr.values.write(at, &(i * i).to_ne_bytes());
            }
            attr.count = 5;
            Some(Err(Errno::ENOENT))
        });
        let (keys, values) = with_hook(kernel, || read_all::<u32, u32>(&map)).unwrap();
        assert_eq!((keys, values), (vec![0, 1, 2, 3, 4], vec![0, 1, 4, 9, 16]));
        let counts: Vec<u32> = seen.borrow().iter().map(|(_, c)| *c).collect();
        assert_eq!(counts, vec![3, 6]);

        // The cursor itself reports it, asking for a longer chunk.
        let small: Hook = Box::new(|_, attr| {
            attr.map_batch().count = 0;
            Some(Err(Errno::ENOSPC))
        });
        let err = with_hook(small, || {
            BatchLookup::<u32, u32>::new(&map, false).next_chunk(&mut [0; 2], &mut [0; 2])
        })
        .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { what: "batch size", .. }), "{err}");
    }

    #[test]
    fn delete_skips_absent_keys() {
        let map = fake_map(MapType::HASH, 4, 4, 16);
        let keys = [1u32, 2, 4, 3, 6, 7, 5];
        let present = [1u32, 2, 3, 5, 8];
        let seen = Seen::default();
        let log = seen.clone();
        let mut base = None;
        let kernel: Hook = Box::new(move |cmd, attr| {
            let attr = attr.map_batch();
            let count = attr.count;
            log.borrow_mut().push((cmd, count));
            // Where this call's keys start within `keys`, by address.
            let at = attr.keys.addr();
            let first = ((at - *base.get_or_insert(at)) / 4) as usize;
            for i in 0..count {
                if !present.contains(&keys[first + i as usize]) {
                    attr.count = i;
                    return Some(Err(Errno::ENOENT));
                }
            }
            Some(Ok(0))
        });
        let deleted = with_hook(kernel, || delete(&map, &keys)).unwrap();
        assert_eq!(deleted, 4);
        // [1 2 4 3 6 7 5] stops at 4; [3 6 7 5] at 6; [7 5] at 7; [5] goes.
        let counts: Vec<u32> = seen.borrow().iter().map(|(_, c)| *c).collect();
        assert_eq!(counts, vec![7, 4, 2, 1]);
        assert!(seen.borrow().iter().all(|(cmd, _)| *cmd == Cmd::MapDeleteBatch));
    }

    #[test]
    fn per_cpu_values_are_unpadded_for_the_caller() {
        let map = fake_map(MapType::PERCPU_ARRAY, 4, 4, 4);
        let cpus = map.dims().value / 8;
        let kernel: Hook = Box::new(move |_, attr| {
            let attr = attr.map_batch();
            // Element 0: CPU c holds 10 + c, each in an 8-byte slot, padding 0xff.
            for c in 0..cpus {
                let mut slot = [0xffu8; 8];
                slot[..4].copy_from_slice(&(10 + c as u32).to_ne_bytes());
                attr.values.write(c * 8, &slot);
            }
            attr.keys.write(0, &0u32.to_ne_bytes());
            attr.count = 1;
            Some(Err(Errno::ENOENT))
        });
        let (keys, values) = with_hook(kernel, || read_all::<u32, u32>(&map)).unwrap();
        assert_eq!(keys, vec![0]);
        assert_eq!(values, (0..cpus as u32).map(|c| 10 + c).collect::<Vec<_>>());
    }
}
