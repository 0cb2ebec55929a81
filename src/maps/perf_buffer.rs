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

    /// Wraps a map, checked to be a perf event array.
    pub fn from_map(map: MapFd) -> Result<PerfEventArray> {
        if map.map_type() != MapType::PERF_EVENT_ARRAY {
            return Err(Error::InvalidArgument {
                what: "perf event array",
                why: format!(
                    "map {:?} is a {} map, not perf_event_array",
                    map.name(),
                    map.map_type()
                ),
            });
        }
        Ok(PerfEventArray { map })
    }

    /// Opens a ring of `pages` pages (a power of two) on every CPU and puts
    /// each in its CPU's slot: from then on the program's samples land
    /// there. CPUs that are not online are passed over.
    pub fn open_buffer(&self, pages: usize) -> Result<PerfBuffer> {
        let slots = (0..self.map.def().max_entries).map(|cpu| (cpu, cpu));
        self.open_rings(pages, slots, false, true)
    }

    /// Like [`open_buffer`](Self::open_buffer), with each sample stamped
    /// with its time (`PERF_SAMPLE_TIME`, read with
    /// [`PerfBuffer::drain_events`]), as `bpftool map event_pipe` opens
    /// them: a ring on each possible CPU the map has a slot for.
    pub fn open_buffer_with_time(&self, pages: usize) -> Result<PerfBuffer> {
        let cpus = u32::try_from(possible_cpus()?).unwrap_or(u32::MAX);
        let slots = (0..self.map.def().max_entries.min(cpus)).map(|cpu| (cpu, cpu));
        self.open_rings(pages, slots, true, true)
    }

    /// One time-stamped ring of `pages` pages on CPU `cpu`, put in slot
    /// `index` (a program that outputs to `index` from that CPU lands
    /// there): `bpftool map event_pipe MAP cpu N index M`.
    pub fn open_ring_with_time(&self, pages: usize, cpu: u32, index: u32) -> Result<PerfBuffer> {
        self.open_rings(pages, std::iter::once((cpu, index)), true, false)
    }

    fn open_rings(
        &self,
        pages: usize,
        slots: impl Iterator<Item = (u32, u32)>,
        timed: bool,
        skip_offline: bool,
    ) -> Result<PerfBuffer> {
        if !pages.is_power_of_two() {
            return Err(Error::InvalidArgument {
                what: "perf buffer size",
                why: format!("{pages} pages: a perf ring is a power of two pages"),
            });
        }
        let mut rings = Vec::new();
        for (cpu, index) in slots {
            let ring = match PerfRing::open(cpu, pages, timed) {
                Ok(ring) => ring,
                // An offline CPU has no events to open.
                Err(Errno::ENODEV) if skip_offline => continue,
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
            self.map.update_bytes(&index.to_ne_bytes(), &fd.to_ne_bytes(), UpdateMode::Any)?;
            rings.push(Ring { ring, index });
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

/// One record of a perf ring, as [`PerfBuffer::drain_events`] hands it
/// over, with the CPU it was written on and the map slot of its ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PerfEvent<'a> {
    /// A sample: the program's data (padded by the kernel, as in
    /// [`PerfBuffer::drain`]) and its time in the perf clock's
    /// nanoseconds (0 for a buffer opened without time stamps).
    Sample {
        /// The CPU.
        cpu: u32,
        /// The map slot the ring is in.
        index: u32,
        /// When the kernel wrote it.
        time: u64,
        /// What the program passed.
        data: &'a [u8],
    },
    /// The kernel dropped `count` samples for want of room.
    Lost {
        /// The CPU.
        cpu: u32,
        /// The map slot the ring is in.
        index: u32,
        /// The perf event's id.
        id: u64,
        /// How many samples were dropped.
        count: u64,
    },
}

/// A ring and the map slot it is in; the ring knows its CPU.
#[derive(Debug)]
struct Ring {
    ring: PerfRing,
    index: u32,
}

/// The per-CPU rings of a [`PerfEventArray`], read in place (a sample
/// that wraps around its ring's end is put together in a buffer first).
/// Holds the map open.
#[derive(Debug)]
pub struct PerfBuffer {
    rings: Vec<Ring>,
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
        // Not through drain_events: a sample goes straight to `f`, with no
        // event built and matched on the way (the loop's per-sample cost).
        let mut n = 0;
        let mut lost = 0;
        for Ring { ring, .. } in &mut self.rings {
            let cpu = ring.cpu();
            n += ring.drain(|record| match record {
                PerfRecord::Sample { data, .. } => f(cpu, data),
                PerfRecord::Lost { count, .. } => lost += count,
            });
        }
        self.lost += lost;
        n
    }

    /// Hands every record ready now to `f`, each ring's in order, samples
    /// (with their time) and losses alike; returns how many samples.
    /// Losses are counted in [`lost`](Self::lost) too.
    pub fn drain_events(&mut self, mut f: impl FnMut(PerfEvent<'_>)) -> usize {
        let mut n = 0;
        let mut lost = 0;
        for Ring { ring, index } in &mut self.rings {
            let (cpu, index) = (ring.cpu(), *index);
            n += ring.drain(|record| match record {
                PerfRecord::Sample { time, data } => {
                    f(PerfEvent::Sample { cpu, index, time, data });
                }
                PerfRecord::Lost { id, count } => {
                    lost += count;
                    f(PerfEvent::Lost { cpu, index, id, count });
                }
            });
        }
        self.lost += lost;
        n
    }

    /// Whether any ring has records.
    pub fn has_records(&self) -> bool {
        self.rings.iter().any(|r| r.ring.has_records())
    }

    /// Samples lost so far: the kernel's count of those it could not
    /// write because a ring was full.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// The rings' perf event fds, by CPU: what epoll watches.
    pub fn fds(&self) -> impl Iterator<Item = (u32, BorrowedFd<'_>)> {
        self.rings.iter().map(|r| (r.ring.cpu(), r.ring.fd()))
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}
