//! `MapSlots`: the slots of a program that refer to a live or named map,
//! and the live maps, each once. The builder fills it, the assembled
//! program keeps it, and the loader reads it to write each map's fd.

use super::ir::Insn;
use super::map_ref::{MapHandle, MapRef, SharedMap};

/// The map references of a program, by slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct MapSlots {
    /// The live maps referred to, once each, in order of first use.
    maps: Vec<SharedMap>,
    /// Each slot that refers to a live map ([`MapRef::Map`]) or a map by
    /// name ([`MapRef::Name`]), by slot.
    refs: Vec<(usize, MapRef)>,
}

impl MapSlots {
    /// Records that the instruction at `slot`, after every one recorded so
    /// far, refers to `map`. A number (`MapRef::Fd`) is the instruction's
    /// own: nothing to record.
    pub fn record(&mut self, slot: usize, map: MapRef) {
        match &map {
            MapRef::Map(m) => self.keep(m),
            MapRef::Name(_) => {}
            MapRef::Fd(_) => return,
        }
        self.refs.push((slot, map));
    }

    /// Keeps `map` in the list of live maps, unless it is there.
    fn keep(&mut self, map: &SharedMap) {
        if !self.maps.contains(map) {
            self.maps.push(map.clone());
        }
    }

    /// The reference recorded at `slot`.
    pub fn at(&self, slot: usize) -> Option<&MapRef> {
        let k = self.refs.binary_search_by_key(&slot, |(s, _)| *s).ok()?;
        self.refs.get(k).map(|(_, map)| map)
    }

    /// Puts back into `insn`, decoded from slot `slot`, the map reference
    /// recorded there (the encoded slot holds only a number).
    pub fn restore(&self, slot: usize, insn: &mut Insn) {
        if let (Some(recorded), Some(map)) = (self.at(slot), insn.map_mut()) {
            *map = recorded.clone();
        }
    }

    /// The live maps, each once, in order of first use.
    pub fn maps(&self) -> &[SharedMap] {
        &self.maps
    }

    /// Each slot that refers to a live map, with the map, by slot.
    pub fn linked(&self) -> impl Iterator<Item = (usize, &SharedMap)> {
        self.refs.iter().filter_map(|(slot, map)| match map {
            MapRef::Map(m) => Some((*slot, m)),
            _ => None,
        })
    }

    /// Each slot that refers to a map by name only, with the name, by slot.
    pub fn named(&self) -> impl Iterator<Item = (usize, &str)> {
        self.refs.iter().filter_map(|(slot, map)| match map {
            MapRef::Name(name) => Some((*slot, name.as_str())),
            _ => None,
        })
    }

    /// Makes every reference to the map named `name` a reference to `map`;
    /// returns how many there were.
    pub fn bind(&mut self, name: &str, map: &dyn MapHandle) -> usize {
        let shared = map.share();
        let mut bound = 0;
        for (_, r) in &mut self.refs {
            if matches!(r, MapRef::Name(n) if n == name) {
                *r = MapRef::Map(shared.clone());
                bound += 1;
            }
        }
        if bound > 0 {
            self.keep(&shared);
        }
        bound
    }
}
