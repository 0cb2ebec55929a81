//! The `bpf(2)` command numbers (`enum bpf_cmd` in `linux/bpf.h`).

use std::fmt;

/// A `bpf(2)` command, as named in `enum bpf_cmd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum Cmd {
    /// `BPF_MAP_CREATE`
    MapCreate = 0,
    /// `BPF_MAP_LOOKUP_ELEM`
    MapLookupElem = 1,
    /// `BPF_MAP_UPDATE_ELEM`
    MapUpdateElem = 2,
    /// `BPF_MAP_DELETE_ELEM`
    MapDeleteElem = 3,
    /// `BPF_MAP_GET_NEXT_KEY`
    MapGetNextKey = 4,
    /// `BPF_PROG_LOAD`
    ProgLoad = 5,
    /// `BPF_OBJ_PIN`
    ObjPin = 6,
    /// `BPF_OBJ_GET`
    ObjGet = 7,
    /// `BPF_PROG_ATTACH`
    ProgAttach = 8,
    /// `BPF_PROG_DETACH`
    ProgDetach = 9,
    /// `BPF_PROG_TEST_RUN`
    ProgTestRun = 10,
    /// `BPF_PROG_GET_NEXT_ID`
    ProgGetNextId = 11,
    /// `BPF_MAP_GET_NEXT_ID`
    MapGetNextId = 12,
    /// `BPF_PROG_GET_FD_BY_ID`
    ProgGetFdById = 13,
    /// `BPF_MAP_GET_FD_BY_ID`
    MapGetFdById = 14,
    /// `BPF_OBJ_GET_INFO_BY_FD`
    ObjGetInfoByFd = 15,
    /// `BPF_PROG_QUERY`
    ProgQuery = 16,
    /// `BPF_BTF_LOAD`
    BtfLoad = 18,
    /// `BPF_RAW_TRACEPOINT_OPEN`
    RawTracepointOpen = 17,
    /// `BPF_BTF_GET_FD_BY_ID`
    BtfGetFdById = 19,
    /// `BPF_TASK_FD_QUERY`
    TaskFdQuery = 20,
    /// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`
    MapLookupAndDeleteElem = 21,
    /// `BPF_MAP_FREEZE`
    MapFreeze = 22,
    /// `BPF_BTF_GET_NEXT_ID`
    BtfGetNextId = 23,
    /// `BPF_MAP_LOOKUP_BATCH`
    MapLookupBatch = 24,
    /// `BPF_MAP_LOOKUP_AND_DELETE_BATCH`
    MapLookupAndDeleteBatch = 25,
    /// `BPF_MAP_UPDATE_BATCH`
    MapUpdateBatch = 26,
    /// `BPF_MAP_DELETE_BATCH`
    MapDeleteBatch = 27,
    /// `BPF_LINK_CREATE`
    LinkCreate = 28,
    /// `BPF_LINK_UPDATE`
    LinkUpdate = 29,
    /// `BPF_LINK_GET_FD_BY_ID`
    LinkGetFdById = 30,
    /// `BPF_LINK_GET_NEXT_ID`
    LinkGetNextId = 31,
    /// `BPF_ENABLE_STATS`
    EnableStats = 32,
    /// `BPF_LINK_DETACH`
    LinkDetach = 34,
}

impl Cmd {
    /// The kernel's name for the command, e.g. `"BPF_MAP_CREATE"`.
    pub fn name(self) -> &'static str {
        match self {
            Cmd::MapCreate => "BPF_MAP_CREATE",
            Cmd::MapLookupElem => "BPF_MAP_LOOKUP_ELEM",
            Cmd::MapUpdateElem => "BPF_MAP_UPDATE_ELEM",
            Cmd::MapDeleteElem => "BPF_MAP_DELETE_ELEM",
            Cmd::MapGetNextKey => "BPF_MAP_GET_NEXT_KEY",
            Cmd::ProgLoad => "BPF_PROG_LOAD",
            Cmd::ObjPin => "BPF_OBJ_PIN",
            Cmd::ObjGet => "BPF_OBJ_GET",
            Cmd::ProgAttach => "BPF_PROG_ATTACH",
            Cmd::ProgDetach => "BPF_PROG_DETACH",
            Cmd::ProgTestRun => "BPF_PROG_TEST_RUN",
            Cmd::ProgGetNextId => "BPF_PROG_GET_NEXT_ID",
            Cmd::MapGetNextId => "BPF_MAP_GET_NEXT_ID",
            Cmd::ProgGetFdById => "BPF_PROG_GET_FD_BY_ID",
            Cmd::MapGetFdById => "BPF_MAP_GET_FD_BY_ID",
            Cmd::ObjGetInfoByFd => "BPF_OBJ_GET_INFO_BY_FD",
            Cmd::ProgQuery => "BPF_PROG_QUERY",
            Cmd::BtfLoad => "BPF_BTF_LOAD",
            Cmd::RawTracepointOpen => "BPF_RAW_TRACEPOINT_OPEN",
            Cmd::BtfGetFdById => "BPF_BTF_GET_FD_BY_ID",
            Cmd::TaskFdQuery => "BPF_TASK_FD_QUERY",
            Cmd::MapLookupAndDeleteElem => "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
            Cmd::MapFreeze => "BPF_MAP_FREEZE",
            Cmd::BtfGetNextId => "BPF_BTF_GET_NEXT_ID",
            Cmd::MapLookupBatch => "BPF_MAP_LOOKUP_BATCH",
            Cmd::MapLookupAndDeleteBatch => "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
            Cmd::MapUpdateBatch => "BPF_MAP_UPDATE_BATCH",
            Cmd::MapDeleteBatch => "BPF_MAP_DELETE_BATCH",
            Cmd::LinkCreate => "BPF_LINK_CREATE",
            Cmd::LinkUpdate => "BPF_LINK_UPDATE",
            Cmd::LinkGetFdById => "BPF_LINK_GET_FD_BY_ID",
            Cmd::LinkGetNextId => "BPF_LINK_GET_NEXT_ID",
            Cmd::LinkDetach => "BPF_LINK_DETACH",
            Cmd::EnableStats => "BPF_ENABLE_STATS",
        }
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
