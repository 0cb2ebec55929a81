//! The crate's one error type.
//!
//! Every failure says what was attempted (the `bpf(2)` command, the map, the
//! sizes, the path) and, where the kernel's errno has a usual cause, what to do
//! about it. Verifier rejections and assembler errors are their own types,
//! wrapped here so that `?` works across the whole crate.

use std::path::PathBuf;

mod attach;
mod btf;
mod btf_decode;
mod feature;
mod map_field;
mod tc;
mod verifier;

pub(crate) use attach::attach_advice;
pub use attach::{AttachAction, AttachPath, XdpHolder};
pub use btf::{BtfError, BtfProblem};
pub use btf_decode::{BtfDecodeError, DecodeProblem};
pub use feature::{Feature, InsnFeature};
pub use map_field::MapField;
pub use tc::TcAction;
use tc::{tc_advice, tc_subject};
pub use verifier::VerifierError;

use crate::asm::{AsmError, Origin};
use crate::sys::{Cmd, Errno, LinkType, MapType, ObjectKind, ProgType, TcDirection, XdpMode};

/// The result type of every fallible bpfkit call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `bpf(2)` command failed.
    #[error("{cmd} failed: {errno}{}", advice_suffix(*cmd, *errno))]
    Syscall {
        /// The command that failed.
        cmd: Cmd,
        /// The kernel's error number.
        errno: Errno,
    },

    /// Creating a map failed.
    #[error(
        "creating {map_type} map {name:?} (key {key_size} B, value {value_size} B, \
         {max_entries} {}) failed: {errno}{}",
        if *max_entries == 1 { "entry" } else { "entries" },
        map_create_advice(*errno)
    )]
    MapCreate {
        /// The map's name.
        name: String,
        /// The map's type.
        map_type: MapType,
        /// Key size in bytes.
        key_size: u32,
        /// Value size in bytes.
        value_size: u32,
        /// Maximum number of entries.
        max_entries: u32,
        /// The kernel's error number.
        errno: Errno,
    },

    /// A map operation failed.
    #[error("{cmd} on map {map:?} failed: {errno}{}", advice_suffix(*cmd, *errno))]
    MapOp {
        /// The command that failed.
        cmd: Cmd,
        /// The map's name.
        map: String,
        /// The kernel's error number.
        errno: Errno,
    },

    /// The kernel does not support an operation on this kind of object.
    #[error("{what} is not supported by this kernel for {object}: {errno}")]
    Unsupported {
        /// The operation, e.g. `"BPF_MAP_LOOKUP_BATCH"`.
        what: &'static str,
        /// The object it was tried on.
        object: String,
        /// The kernel's answer.
        errno: Errno,
    },

    /// A batch command stopped part-way: the kernel wrote (or deleted) some
    /// of the elements and then failed. For a batch update the written
    /// elements are the first `written` of the caller's, in order.
    #[error(
        "{cmd} on map {map:?} stopped after {} {written} of {requested} elements: \
         {errno}{}",
        if *cmd == Cmd::MapDeleteBatch { "deleting" } else { "writing" },
        advice_suffix(*cmd, *errno)
    )]
    PartialBatch {
        /// The batch command.
        cmd: Cmd,
        /// The map's name.
        map: String,
        /// How many elements the kernel wrote (for a delete batch: deleted)
        /// before it stopped: its `count` answer.
        written: usize,
        /// How many elements the call asked for.
        requested: usize,
        /// The kernel's error number.
        errno: Errno,
    },

    /// An object is not the kind of bpf object it was opened as: a program
    /// or link pinned where a map was expected, a map's fd passed as a
    /// program's, a file that is no bpf object at all.
    #[error("{what} {}", wrong_kind(*expected, *found))]
    WrongKind {
        /// The object: its path, `fd N` (with what the fd refers to when it
        /// is no bpf object, e.g. `fd 7 (/tmp/notes)`) or `map id N`.
        what: String,
        /// The kind it was opened as.
        expected: ObjectKind,
        /// The kind it is.
        found: ObjectKind,
    },

    /// A link is not of the type it was opened as (e.g. a raw tracepoint
    /// link opened as an [`XdpLink`](crate::link::XdpLink)).
    #[error(
        "{what} is a link of type {found}, not {expected}: check the path or fd; \
         LinkInfo::of reads a link of any type"
    )]
    WrongLinkType {
        /// The link: its path or `fd N`, and its kernel id.
        what: String,
        /// The link type it was opened as.
        expected: LinkType,
        /// The link's type.
        found: LinkType,
    },

    /// A program is not of the type a hook or kind needs (e.g. an XDP
    /// program opened by id for a tc hook).
    #[error(
        "program {program} is a {found} program, not {expected}: this hook runs only {expected} \
         programs; load the program as {expected}, or pick the hook its type runs at"
    )]
    WrongProgType {
        /// The program: its name, and its id where known.
        program: String,
        /// The program type needed.
        expected: ProgType,
        /// The program's type.
        found: ProgType,
    },

    /// A map does not have the shape the caller expects.
    #[error(
        "map {map:?}{} does not match: {field} is {found}, expected {expected}",
        path.as_ref().map(|p| format!(" pinned at {}", p.display())).unwrap_or_default()
    )]
    MapMismatch {
        /// The map's name.
        map: String,
        /// Where it was opened from, when it was pinned.
        path: Option<PathBuf>,
        /// The differing property.
        field: MapField,
        /// What the caller asked for.
        expected: String,
        /// What the kernel's map has.
        found: String,
    },

    /// An object could not be pinned to or opened from bpffs.
    #[error("{cmd} {path}: {errno}{}", pin_advice(*errno))]
    Pin {
        /// `BPF_OBJ_PIN` or `BPF_OBJ_GET`.
        cmd: Cmd,
        /// The bpffs path.
        path: PathBuf,
        /// The kernel's error number.
        errno: Errno,
    },

    /// A program failed to load for a reason other than the verifier.
    #[error(
        "loading program {} failed: {errno}{}",
        if name.is_empty() { "(unnamed)".to_string() } else { format!("{name:?}") },
        advice_suffix(Cmd::ProgLoad, *errno)
    )]
    ProgLoad {
        /// The program's name.
        name: String,
        /// The kernel's error number.
        errno: Errno,
    },

    /// The kernel refused a BTF blob (`BPF_BTF_LOAD`).
    ///
    /// When the kernel logged why, `type_id` names the type it complained
    /// about (the `[N]` of its log) and `message` its complaint, e.g.
    /// `"Invalid name"` or `"Invalid member"`; `log` is the whole log.
    #[error(
        "loading BTF failed: {errno}{}{}",
        btf_complaint(*type_id, message.as_deref()),
        if message.is_some() && !matches!(*errno, Errno::EPERM | Errno::E2BIG | Errno::ENOMEM) {
            String::new()
        } else {
            advice_suffix(Cmd::BtfLoad, *errno)
        }
    )]
    BtfLoad {
        /// The kernel's error number.
        errno: Errno,
        /// The type the kernel complained about, when its log names one.
        type_id: Option<u32>,
        /// The kernel's complaint, when it logged one.
        message: Option<String>,
        /// The kernel's whole BTF log (empty when it wrote none).
        log: String,
    },

    /// The verifier rejected a program.
    #[error(transparent)]
    Verifier(#[from] Box<VerifierError>),

    /// The assembler rejected a program.
    #[error(transparent)]
    Asm(#[from] AsmError),

    /// A BTF type list is invalid, found before it reached the kernel.
    #[error(transparent)]
    Btf(#[from] BtfError),

    /// No network interface has this name (or index).
    #[error("no network interface {name:?}: check the name with `ip link`")]
    NoSuchInterface {
        /// The name, or `index N`.
        name: String,
    },

    /// Attaching, replacing, detaching or querying an XDP program failed.
    ///
    /// When the kernel refused because the hook is taken, `holder` says by
    /// what, and the advice fits it: a program held by a `bpf_link` cannot
    /// be detached over netlink (`ip link set ... xdp off` fails the same
    /// way), so the advice is then to close the link.
    #[error(
        "{action} the XDP program of {iface} ({via}, {mode} mode) failed: {errno}{}{}",
        message.as_ref().map(|m| format!(": the kernel says \"{m}\"")).unwrap_or_default(),
        attach_advice(*action, *via, *errno, iface, *holder)
    )]
    Attach {
        /// What was being done.
        action: AttachAction,
        /// The interface.
        iface: String,
        /// How: over netlink or through a `bpf_link`.
        via: AttachPath,
        /// The XDP mode asked for.
        mode: XdpMode,
        /// The kernel's error number.
        errno: Errno,
        /// The kernel's extended-ack message, when it sent one.
        message: Option<String>,
        /// What holds the hook, when the kernel refused because it is taken
        /// and the holder could be found.
        holder: Option<XdpHolder>,
    },

    /// Attaching to, detaching from or querying a hook other than XDP
    /// (tcx, a cgroup, a socket, a tracepoint, a network namespace)
    /// failed. `hook` names it (`tcx ingress of veth0`, `cgroup
    /// /sys/fs/cgroup/x (cgroup_inet_egress)`); `advice` says what the
    /// error means there and what to do.
    #[error("{action} at {hook} failed: {errno}: {advice}")]
    Hook {
        /// What was being done.
        action: AttachAction,
        /// The hook.
        hook: String,
        /// The kernel's error number.
        errno: Errno,
        /// The usual cause at this hook, and what to do.
        advice: String,
    },

    /// A classic tc attachment failed: adding the `clsact` qdisc, or
    /// adding, replacing or deleting a `bpf` filter (rtnetlink).
    ///
    /// A `bpf` filter is found by interface, direction, priority and
    /// handle, which the message names, with the kernel's extended-ack
    /// message when it sent one and what to do about the usual refusals.
    #[error(
        "{} failed: {errno}{}{}",
        tc_subject(*action, iface, *direction, *priority, *handle),
        message.as_ref().map(|m| format!(": the kernel says \"{m}\"")).unwrap_or_default(),
        tc_advice(*action, iface, *direction, *priority, *handle, *errno)
    )]
    Tc {
        /// The step that failed.
        action: TcAction,
        /// The interface.
        iface: String,
        /// The side of the interface.
        direction: TcDirection,
        /// The filter's priority (`pref`).
        priority: u16,
        /// The filter's handle.
        handle: u32,
        /// The kernel's error number.
        errno: Errno,
        /// The kernel's extended-ack message, when it sent one.
        message: Option<String>,
    },

    /// An argument was rejected before it reached the kernel.
    #[error("invalid {what}: {why}")]
    InvalidArgument {
        /// What was invalid (e.g. `"map name"`).
        what: &'static str,
        /// Why.
        why: String,
    },

    /// A user ring buffer has no room for a record until the BPF program
    /// that drains it runs.
    #[error(
        "user ring buffer {map:?} is full: a record of {len} bytes takes {needed} with its \
         header, and {free} of {size} bytes are free; the program has not drained it yet \
         (bpf_user_ringbuf_drain): run it, then write again, or create the ring larger"
    )]
    RingFull {
        /// The ring's map name.
        map: String,
        /// The record's length.
        len: usize,
        /// The room it takes: header and padding to 8 bytes included.
        needed: u64,
        /// The room free now.
        free: u64,
        /// The ring's data area.
        size: u64,
    },

    /// A system file could not be read or a libc call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Raw BTF could not be read.
    #[error(transparent)]
    BtfDecode(#[from] BtfDecodeError),

    /// A program calls a kernel function by name that the running kernel's
    /// BTF does not have: found before the load.
    #[error(
        "instruction {insn}{} calls kernel function {name}, which the running kernel does not \
         have (no FUNC '{name}' in /sys/kernel/btf/vmlinux): check the name and the kernel \
         version",
        at.map(|at| format!(" ({at})")).unwrap_or_default()
    )]
    UnknownKfunc {
        /// The kernel function's name.
        name: String,
        /// The calling instruction's index (its first slot).
        insn: usize,
        /// Where the call came from: the Rust line or the line of text.
        at: Option<Origin>,
    },

    /// The running kernel does not support a feature (found by
    /// `bpfkit::probe`), where the kernel itself would only say `EINVAL`.
    #[error(
        "the running kernel ({release}) does not support {what}: {}",
        what.advice()
    )]
    NotSupported {
        /// The missing feature.
        what: Feature,
        /// The kernel's release (`uname -r`).
        release: String,
    },

    /// Whether the running kernel supports a feature could not be found
    /// out: the probe itself failed (no privilege, or a feature that a
    /// minimal program cannot show).
    #[error(
        "could not probe whether the running kernel supports {what}: {errno}{}",
        feature::cannot_probe_advice(*errno)
    )]
    CannotProbe {
        /// The feature asked about.
        what: Feature,
        /// Why the probe failed (`EPERM` without privilege; `EOPNOTSUPP`
        /// for a feature no minimal program can probe).
        errno: Errno,
    },
}

impl Error {
    /// The kernel's error number, when the error came from the kernel.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Syscall { errno, .. }
            | Error::MapCreate { errno, .. }
            | Error::MapOp { errno, .. }
            | Error::PartialBatch { errno, .. }
            | Error::Unsupported { errno, .. }
            | Error::Pin { errno, .. }
            | Error::ProgLoad { errno, .. }
            | Error::BtfLoad { errno, .. }
            | Error::CannotProbe { errno, .. }
            | Error::Attach { errno, .. }
            | Error::Hook { errno, .. }
            | Error::Tc { errno, .. } => Some(*errno),
            Error::Verifier(e) => Some(e.errno),
            Error::Io { source, .. } => source.raw_os_error().map(Errno),
            _ => None,
        }
    }

    pub(crate) fn syscall(cmd: Cmd, errno: Errno) -> Error {
        Error::Syscall { cmd, errno }
    }
}

/// The usual cause of `errno` for `cmd`, and what to do, as a `": ..."` suffix.
fn advice_suffix(cmd: Cmd, errno: Errno) -> String {
    let advice = match errno {
        Errno::EPERM => match cmd {
            Cmd::ProgLoad => {
                "loading a program needs CAP_BPF, plus CAP_NET_ADMIN for network program types \
                 and CAP_PERFMON for tracing ones (or CAP_SYS_ADMIN); run as root or grant them"
            }
            Cmd::LinkCreate | Cmd::LinkUpdate | Cmd::LinkDetach => {
                "attaching needs CAP_NET_ADMIN for network hooks (CAP_BPF and CAP_PERFMON for \
                 tracing); run as root or grant them"
            }
            Cmd::BtfLoad => {
                "loading BTF needs CAP_BPF (or CAP_SYS_ADMIN); run as root or grant CAP_BPF"
            }
            Cmd::ProgQuery => {
                "querying attached programs needs CAP_NET_ADMIN (or CAP_SYS_ADMIN); run as root \
                 or grant it"
            }
            _ => "bpf(2) needs CAP_BPF (or CAP_SYS_ADMIN); run as root or grant CAP_BPF",
        },
        Errno::EINVAL => match cmd {
            Cmd::ProgTestRun => {
                "the kernel refused the test-run arguments: this program type may not support \
                 test runs, or the data/context sizes are wrong for it"
            }
            _ => {
                "the kernel refused an argument of this command: check sizes, flags and types \
                  against what this kernel supports"
            }
        },
        Errno::E2BIG => match cmd {
            Cmd::BtfLoad => {
                "the BTF is larger than the kernel accepts (16 MiB), or its header is longer than \
                 this kernel knows with non-zero bytes past what it knows"
            }
            Cmd::MapUpdateElem | Cmd::MapUpdateBatch => {
                "the map is full (max_entries reached): delete elements or create it larger \
                 (an LRU map evicts instead)"
            }
            _ => "an argument is larger than this kernel accepts",
        },
        Errno::ENOMEM => {
            "the kernel could not allocate memory: reduce the size or check the memory cgroup limits"
        }
        Errno::ENOENT => match cmd {
            Cmd::MapLookupElem
            | Cmd::MapDeleteElem
            | Cmd::MapGetNextKey
            | Cmd::MapLookupAndDeleteElem => "no such key",
            Cmd::MapUpdateElem => "no such key, and UpdateMode::Exist was asked",
            _ => "no such object",
        },
        Errno::EEXIST => match cmd {
            Cmd::MapUpdateElem => "the key already exists, and UpdateMode::NoExist was asked",
            _ => "it already exists",
        },
        Errno::ENOSPC if cmd == Cmd::ProgTestRun => {
            "the output is larger than the buffer given for it: give a larger data_out or ctx_out"
        }
        Errno::ENOTSUPP | Errno::EOPNOTSUPP => match cmd {
            Cmd::ProgTestRun => "this program type has no BPF_PROG_TEST_RUN support",
            _ => "this kernel does not support it for this kind of object",
        },
        Errno::EBADF => "a file descriptor is not valid or not of the expected kind",
        Errno::ENOSYS => "the kernel has no bpf(2) system call (CONFIG_BPF_SYSCALL is off)",
        Errno::EBUSY => "the target is busy: another program is attached",
        _ => return String::new(),
    };
    format!(": {advice}")
}

/// `": type [N]: the kernel says \"...\""`, as much of it as is known.
fn btf_complaint(type_id: Option<u32>, message: Option<&str>) -> String {
    let at = type_id.map(|id| format!(": type [{id}]")).unwrap_or_default();
    let says = message.map(|m| format!(": the kernel says \"{m}\"")).unwrap_or_default();
    format!("{at}{says}")
}

/// The text after the name of an object of kind `found` opened as `expected`.
fn wrong_kind(expected: ObjectKind, found: ObjectKind) -> String {
    match found.how_to_open() {
        Some(how) => format!("is a {found}, not a {expected}: check the path or fd; {how}"),
        None => format!(
            "is not a bpf map, program, link or BTF object, so not a {expected}: \
             check the path or fd"
        ),
    }
}

fn map_create_advice(errno: Errno) -> String {
    match errno {
        Errno::ENOMEM | Errno::E2BIG => ": the map is too large for this kernel or memory cgroup; \
                                         reduce max_entries or value size"
            .to_string(),
        Errno::EINVAL => ": the kernel refused this combination of type, sizes and flags \
                          (e.g. a key size the map type does not allow, or an unsupported flag)"
            .to_string(),
        other => advice_suffix(Cmd::MapCreate, other),
    }
}

fn pin_advice(errno: Errno) -> &'static str {
    match errno {
        Errno::EEXIST => ": a file already exists at that path; remove it or open it instead",
        Errno::ENOENT => {
            ": no such path; is bpffs mounted (mount -t bpf bpf /sys/fs/bpf) and does the directory exist?"
        }
        Errno::EPERM => ": the path is not on a bpf filesystem, or the caller lacks CAP_BPF",
        Errno::EINVAL => ": the path is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(cmd: Cmd, errno: Errno) -> String {
        Error::MapOp { cmd, map: "m".into(), errno }.to_string()
    }

    #[test]
    fn advice_fits_the_command() {
        assert!(op(Cmd::MapUpdateElem, Errno::E2BIG).contains("the map is full"));
        assert!(op(Cmd::MapUpdateElem, Errno::ENOENT).contains("UpdateMode::Exist"));
        assert!(op(Cmd::MapUpdateElem, Errno::EEXIST).contains("UpdateMode::NoExist"));
        assert!(op(Cmd::MapLookupElem, Errno::ENOENT).contains("no such key"));
        assert!(!op(Cmd::MapFreeze, Errno::EEXIST).contains("NoExist"));
        let run = Error::syscall(Cmd::ProgTestRun, Errno::ENOTSUPP).to_string();
        assert!(run.contains("no BPF_PROG_TEST_RUN support"), "{run}");
        let perm = Error::syscall(Cmd::MapCreate, Errno::EPERM).to_string();
        assert!(perm.contains("CAP_BPF"), "{perm}");
        let load = Error::ProgLoad { name: String::new(), errno: Errno::EPERM }.to_string();
        assert!(load.starts_with("loading program (unnamed) failed: EPERM"), "{load}");
        assert!(load.contains("CAP_NET_ADMIN"), "{load}");
    }

    #[test]
    fn btf_load_errors_name_the_type_and_say_what_to_do() {
        let load = |errno, type_id, message: Option<&str>| {
            let message = message.map(str::to_string);
            Error::BtfLoad { errno, type_id, message, log: String::new() }.to_string()
        };
        assert_eq!(
            load(Errno::EINVAL, Some(2), Some("Invalid name")),
            "loading BTF failed: EINVAL (Invalid argument): type [2]: the kernel says \
             \"Invalid name\""
        );
        let perm = load(Errno::EPERM, None, None);
        assert!(perm.contains("CAP_BPF (or CAP_SYS_ADMIN)"), "{perm}");
        assert!(load(Errno::E2BIG, None, None).contains("16 MiB"));
        assert!(load(Errno::ENOMEM, None, None).contains("memory cgroup"));
    }

    #[test]
    fn map_creation_names_the_map_and_its_size() {
        let e = Error::MapCreate {
            name: "flows".into(),
            map_type: MapType::HASH,
            key_size: 4,
            value_size: 8,
            max_entries: 1,
            errno: Errno::ENOMEM,
        };
        let text = e.to_string();
        assert!(
            text.starts_with("creating hash map \"flows\" (key 4 B, value 8 B, 1 entry)"),
            "{text}"
        );
        assert!(text.contains("reduce max_entries"), "{text}");
    }

    fn taken(via: AttachPath, errno: Errno, holder: Option<XdpHolder>) -> String {
        Error::Attach {
            action: AttachAction::Attach,
            iface: "eth0".into(),
            via,
            mode: XdpMode::Skb,
            errno,
            message: None,
            holder,
        }
        .to_string()
    }

    #[test]
    fn a_taken_hook_is_freed_the_way_its_holder_attached() {
        let link = Some(XdpHolder::Link { link_id: 7, prog_id: 40 });
        let text = taken(AttachPath::Netlink, Errno::EBUSY, link);
        assert!(text.starts_with("attaching the XDP program of eth0 (netlink, skb mode) failed"));
        assert!(text.contains("held on eth0 by bpf_link id 7"), "{text}");
        assert!(text.contains("`bpftool link detach id 7`"), "{text}");
        assert!(!text.contains("ip link"), "{text}");
        let native = Some(XdpHolder::Netlink { prog_id: Some(40), mode: Some(XdpMode::Driver) });
        let text = taken(AttachPath::BpfLink, Errno::EEXIST, native);
        assert!(
            text.ends_with(
                "; program id 40 is attached to eth0 over netlink in drv mode: detach it \
                 (ip link set dev eth0 xdpdrv off), then attach the link"
            ),
            "{text}"
        );
        let unread = Some(XdpHolder::Netlink { prog_id: None, mode: None });
        let text = taken(AttachPath::BpfLink, Errno::EBUSY, unread);
        assert!(text.contains("; an XDP program is attached to eth0 over netlink: detach it"));
        assert!(text.contains("ip link show dev eth0 says which"), "{text}");
        let text = taken(AttachPath::Netlink, Errno::EBUSY, None);
        assert!(text.contains("ip link set dev eth0 xdpgeneric off"), "{text}");
        assert!(text.contains("when the link is closed"), "{text}");
    }
}
