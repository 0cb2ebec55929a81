//! xorshift64* (Vigna): a small, fast generator, good enough to spread
//! test inputs, with no crate behind it. The random tests start from a
//! fixed seed; `BPFKIT_SEED` runs them from another.
//!
//! Tests take it alone, with `#[path = "common/rng.rs"] mod rng;`.
#![allow(dead_code)]

/// The generator's state (never zero).
pub struct XorShift(u64);

impl XorShift {
    /// A generator started at `seed` (0 is taken as 1).
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True once in `one_in` calls, on average.
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    /// One of `from`.
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

/// The seed of a random test: `BPFKIT_SEED` if set, else `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("BPFKIT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
