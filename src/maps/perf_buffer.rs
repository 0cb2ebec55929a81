//! Perf buffers (`BPF_MAP_TYPE_PERF_EVENT_ARRAY`): one perf event ring per
//! CPU, which `bpf_perf_event_output` writes samples into, read in place.

use std::os::fd::{AsRawFd, BorrowedFd};

use super::cpus::possible_cpus;
use super::fd::MapFd;
use super::spec::MapSpec;
use super::types::UpdateMode;
use crate::sys::MapType;
use crate::sys::perf_ring::{PerfRecord, PerfRing};
use crate::{Errno, Error, Result};

/// A perf event array: the map a program passes to
/// `bpf_perf_event_output`, with a slot per CPU for that CPU's ring.
#[derive(Debug)]
pub struct PerfEventArray {
    map: MapFd,
}

impl PerfEventArray {
    /// A perf event array named `name` with a slot for every possible CPU.
    pub fn create(name: &str) -> Result<PerfEventArray> {
        let cpus = u32::try_from(possible_cpus()?).unwrap_or(u32::MAX);
        let map = MapSpec::new(MapType::PERF_EVENT_ARRAY, 4, 4, cpus).name(name).create()?;
        Ok(PerfEventArray { map })
    }

    /// Opens a ring of `pages` pages (a power of two) on every CPU and puts
    /// each in its CPU's slot: from then on the program's samples land
    /// there. CPUs that are not online are passed over.
    pub fn open_buffer(&self, pages: usize) -> Result<PerfBuffer> {
        if !pages.is_power_of_two() {
            return Err(Error::InvalidArgument {
                what: "perf buffer size",
                why: format!("{pages} pages: a perf ring is a power of two pages"),
            });
        }
        let mut rings = Vec::new();
        for cpu in 0..self.map.def().max_entries {
            let ring = match PerfRing::open(cpu, pages) {
                Ok(ring) => ring,
                // An offline CPU has no events to open.
                Err(Errno::ENODEV) => continue,
                Err(errno) => {
                    return Err(Error::Io {
                        what: format!(
                            "opening the perf ring of CPU {cpu} for {:?} (perf_event_open, \
                             mmap; needs CAP_PERFMON or CAP_SYS_ADMIN)",
                            self.map.name()
                        ),
                        source: std::io::Error::from_raw_os_error(errno.0),
                    });
                }
            };
            let fd = ring.fd().as_raw_fd();
            self.map.update_bytes(&cpu.to_ne_bytes(), &fd.to_ne_bytes(), UpdateMode::Any)?;
            rings.push((cpu, ring));
        }
        Ok(PerfBuffer { rings, map: self.map.clone(), lost: 0 })
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl AsRef<MapFd> for PerfEventArray {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// The per-CPU rings of a [`PerfEventArray`], read in place (a sample
/// that wraps around its ring's end is put together in a buffer first).
/// Holds the map open.
#[derive(Debug)]
pub struct PerfBuffer {
    rings: Vec<(u32, PerfRing)>,
    map: MapFd,
    lost: u64,
}

impl PerfBuffer {
    /// Hands every sample ready now to `f(cpu, data)`, each CPU's in order;
    /// returns how many. The data is what the program passed, padded by
    /// the kernel to a multiple of 8 bytes with its 4-byte size. Samples
    /// the kernel dropped for want of room are counted in
    /// [`lost`](Self::lost).
    pub fn drain(&mut self, mut f: impl FnMut(u32, &[u8])) -> usize {
        let mut n = 0;
        let mut lost = 0;
        for (cpu, ring) in &mut self.rings {
            let cpu = *cpu;
            n += ring.drain(|record| match record {
                PerfRecord::Sample(data) => f(cpu, data),
                PerfRecord::Lost(count) => lost += count,
            });
        }
        self.lost += lost;
        n
    }

    /// Whether any ring has records.
    pub fn has_records(&self) -> bool {
        self.rings.iter().any(|(_, ring)| ring.has_records())
    }

    /// Samples lost so far: the kernel's count of those it could not
    /// write because a ring was full.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// The rings' perf event fds, by CPU: what epoll watches.
    pub fn fds(&self) -> impl Iterator<Item = (u32, BorrowedFd<'_>)> {
        self.rings.iter().map(|(cpu, ring)| (*cpu, ring.fd()))
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}
