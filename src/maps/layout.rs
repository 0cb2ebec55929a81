//! How the values of one element sit in the bytes the kernel copies: one
//! per possible CPU for a per-CPU map, each padded to 8 bytes.

use super::Plain;
use super::fd::MapFd;

/// How the `V`s of one element sit in the buffer the kernel copies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Values per key: the possible CPUs for a per-CPU map, else 1.
    pub(crate) per_key: usize,
    size: usize,
    stride: usize,
}

impl Layout {
    /// The layout of `V`s in `map`.
    pub(crate) fn of<V>(map: &MapFd) -> Layout {
        let size = size_of::<V>();
        if map.map_type().is_per_cpu() {
            let stride = size.next_multiple_of(8).max(8);
            Layout { per_key: map.dims().value / stride, size, stride }
        } else {
            Layout { per_key: 1, size, stride: size }
        }
    }

    /// Whether the kernel's bytes are exactly those of a `[V]`.
    pub(crate) fn is_dense(&self) -> bool {
        self.size == self.stride
    }

    /// Copies the padded values of `bytes` into `out`.
    pub(crate) fn unpack<V: Plain>(&self, bytes: &[u8], out: &mut [V]) {
        for (value, padded) in out.iter_mut().zip(bytes.chunks(self.stride)) {
            if let Ok((v, _)) = V::read_from_prefix(padded) {
                *value = v;
            }
        }
    }

    /// `values` in the kernel's padded layout, the padding zeroed.
    pub(crate) fn pack<V: Plain>(&self, values: &[V]) -> Vec<u8> {
        let mut bytes = vec![0; values.len() * self.stride];
        self.pack_into(values, &mut bytes);
        bytes
    }

    /// `values` packed into `bytes` in the kernel's padded layout.
    pub(crate) fn pack_into<V: Plain>(&self, values: &[V], bytes: &mut [u8]) {
        for (value, padded) in values.iter().zip(bytes.chunks_mut(self.stride)) {
            padded.fill(0);
            // Cannot fail: every chunk is `stride >= size` bytes.
            let _ = value.write_to_prefix(padded);
        }
    }

    /// How many `V`s fit in `total` bytes: room for the padded values,
    /// read in place, before [`compact`](Self::compact).
    pub(crate) fn values_in(&self, total: usize) -> usize {
        total.div_ceil(self.size.max(1))
    }

    /// Moves the padded values in `bytes` together, in place, so that the
    /// first `per_key` values read as a `[V]`.
    pub(crate) fn compact(&self, bytes: &mut [u8]) {
        for cpu in 1..self.per_key {
            let from = cpu * self.stride;
            bytes.copy_within(from..from + self.size, cpu * self.size);
        }
    }
}
