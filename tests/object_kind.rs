//! An object is what it claims to be: every way of opening a map, a
//! program or a link (a bpffs path, an fd) refuses an object of another
//! kind, a link of another type and a file that is no bpf object, with an
//! error that names what the object really is; the right kind still opens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use bpfkit::Error;
use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{LinkInfo, LinkTarget, LinkType, XdpLink, XdpMode};
use bpfkit::maps::{MapFd, MapSpec, MapType};
use bpfkit::object::ObjectKind;
use bpfkit::pinned;
use bpfkit::prog::{ProgType, Program, ProgramInfo, ProgramSpec};
use common::{Netns, PinDir, counter, id, unique};

/// A map, an XDP program and an XDP link (on `lo` of a namespace of the
/// test's own), each pinned in a directory of the test's own. Dropped in
/// field order: the handle, then the pins (which release the link), then
/// the namespace.
struct Pinned {
    link: XdpLink,
    pins: PinDir,
    ns: Netns,
    map_id: u32,
    prog_id: u32,
}

impl Pinned {
    fn new() -> Pinned {
        let ns = Netns::new();
        ns.ip(&["link", "set", "lo", "up"]);
        let pins = PinDir::new();
        let (prog, counts) = counter(&unique("kind"));
        counts.map().pin(pins.path("map")).unwrap();
        prog.pin(pins.path("prog")).unwrap();
        let link = ns.run(|| XdpLink::attach(&prog, "lo", XdpMode::Skb).unwrap());
        link.pin(pins.path("link")).unwrap();
        let map_id = counts.map().info().unwrap().id;
        Pinned { link, pins, ns, map_id, prog_id: id(&prog) }
    }

    /// The pinned path of the object of `kind`.
    fn path(&self, kind: ObjectKind) -> PathBuf {
        self.pins.path(match kind {
            ObjectKind::Map => "map",
            ObjectKind::Program => "prog",
            ObjectKind::Link => "link",
            other => panic!("nothing of kind {other:?} is pinned"),
        })
    }
}

const KINDS: [ObjectKind; 3] = [ObjectKind::Map, ObjectKind::Program, ObjectKind::Link];

/// A fresh fd of what is pinned at `path` (`BPF_OBJ_GET`), and its number.
fn open_fd(path: &Path) -> (OwnedFd, String) {
    let (_, fd) = pinned::open_pinned(path).unwrap();
    let what = format!("fd {}", fd.as_raw_fd());
    (fd, what)
}

/// `got` failed with [`Error::WrongKind`] for `what`, and its text names
/// both kinds.
#[track_caller]
fn assert_wrong_kind<T: Debug>(
    got: Result<T, Error>,
    what: &str,
    expected: ObjectKind,
    found: ObjectKind,
) {
    let err = got.unwrap_err();
    match &err {
        Error::WrongKind { what: w, expected: e, found: f } => {
            assert_eq!((w.as_str(), *e, *f), (what, expected, found), "{err}");
        }
        other => panic!("{what} as a {expected}: expected WrongKind, got {other:?}"),
    }
    let text = err.to_string();
    let claim = match found {
        ObjectKind::Other => {
            format!("is not a bpf map, program, link or BTF object, so not a {expected}")
        }
        _ => format!("is a {found}, not a {expected}"),
    };
    assert!(text.starts_with(&format!("{what} {claim}: ")), "{text}");
}

#[test]
fn pinned_objects_open_only_as_what_they_are() {
    require_kernel!();
    let objects = Pinned::new();
    for real in KINDS {
        let path = objects.path(real);
        let what = path.display().to_string();
        // The object itself says what it is.
        let (found, fd) = pinned::open_pinned(&path).unwrap();
        assert_eq!((found.kind, ObjectKind::of_fd(&fd).unwrap()), (real, real));

        let as_map = MapFd::open_pinned(&path);
        let as_spec = MapSpec::new(MapType::ARRAY, 4, 8, 1).open_pinned(&path);
        let as_prog = Program::open_pinned(&path);
        let as_link = objects.ns.run(|| XdpLink::open_pinned(&path));
        if real == ObjectKind::Map {
            let map = as_map.unwrap();
            assert_eq!((map.map_type(), map.def().key_size), (MapType::ARRAY, 4));
            assert_eq!(map.info().unwrap().id, objects.map_id);
            assert_eq!(as_spec.unwrap().info().unwrap().id, objects.map_id);
        } else {
            assert_wrong_kind(as_map, &what, ObjectKind::Map, real);
            assert_wrong_kind(as_spec, &what, ObjectKind::Map, real);
            // Not even created in its place.
            let spec = MapSpec::new(MapType::ARRAY, 4, 8, 1);
            assert_wrong_kind(spec.open_or_create_pinned(&path), &what, ObjectKind::Map, real);
        }
        if real == ObjectKind::Program {
            let prog = as_prog.unwrap();
            assert_eq!(prog.prog_type(), ProgType::XDP);
            assert_eq!(id(&prog), objects.prog_id);
        } else {
            assert_wrong_kind(as_prog, &what, ObjectKind::Program, real);
        }
        if real == ObjectKind::Link {
            let link = as_link.unwrap();
            assert_eq!(link.interface(), "lo");
            assert_eq!(link.info().unwrap().id, objects.link.info().unwrap().id);
            assert_eq!(link.info().unwrap().prog_id, objects.prog_id);
        } else {
            assert_wrong_kind(as_link, &what, ObjectKind::Link, real);
        }
    }
}

#[test]
fn fds_open_only_as_what_they_are() {
    require_kernel!();
    let objects = Pinned::new();
    for real in KINDS {
        let path = objects.path(real);
        let (fd, what) = open_fd(&path);
        let as_map = MapFd::from_fd(fd);
        let (fd, what_prog) = open_fd(&path);
        let as_prog = Program::from_fd(fd);
        let (fd, what_link) = open_fd(&path);
        let as_link = objects.ns.run(|| XdpLink::from_fd(fd));
        let (fd, what_info) = open_fd(&path);
        let prog_info = ProgramInfo::of(&fd);
        let link_info = LinkInfo::of(&fd);
        if real == ObjectKind::Map {
            assert_eq!(as_map.unwrap().info().unwrap().id, objects.map_id);
        } else {
            assert_wrong_kind(as_map, &what, ObjectKind::Map, real);
        }
        if real == ObjectKind::Program {
            assert_eq!(id(&as_prog.unwrap()), objects.prog_id);
            assert_eq!(prog_info.unwrap().id, objects.prog_id);
        } else {
            assert_wrong_kind(as_prog, &what_prog, ObjectKind::Program, real);
            assert_wrong_kind(prog_info, &what_info, ObjectKind::Program, real);
        }
        if real == ObjectKind::Link {
            let link = as_link.unwrap();
            assert_eq!(link.interface(), "lo");
            assert_eq!(link.info().unwrap().prog_id, objects.prog_id);
            assert_eq!(link_info.unwrap().link_type, LinkType::XDP);
        } else {
            assert_wrong_kind(as_link, &what_link, ObjectKind::Link, real);
            assert_wrong_kind(link_info, &what_info, ObjectKind::Link, real);
        }
    }

    // A link fresh from its attach has an inode of another name
    // (`bpf_link`, where a reopened one has `bpf-link`): still a link.
    let fresh = objects.link.fd().try_clone_to_owned().unwrap();
    assert_eq!(ObjectKind::of_fd(&fresh).unwrap(), ObjectKind::Link);
    let what = format!("fd {}", fresh.as_raw_fd());
    assert_wrong_kind(MapFd::from_fd(fresh), &what, ObjectKind::Map, ObjectKind::Link);
    let fresh = objects.link.fd().try_clone_to_owned().unwrap();
    let again = objects.ns.run(|| XdpLink::from_fd(fresh)).unwrap();
    assert_eq!(again.interface(), "lo");
}

/// `BPF_RAW_TRACEPOINT_OPEN`: attaches `prog` to the raw tracepoint
/// `name`; the kernel answers with a link (`BPF_LINK_TYPE_RAW_TRACEPOINT`).
/// bpfkit has no call for it, so the test makes it itself.
fn raw_tracepoint_open(prog: &Program, name: &std::ffi::CStr) -> OwnedFd {
    #[repr(C)]
    struct RawTracepointAttr {
        name: u64,
        prog_fd: u32,
        _pad: u32,
        cookie: u64,
    }
    let mut attr = RawTracepointAttr {
        name: name.as_ptr() as u64,
        prog_fd: prog.fd().as_raw_fd() as u32,
        _pad: 0,
        cookie: 0,
    };
    const BPF_RAW_TRACEPOINT_OPEN: libc::c_long = 17;
    #[allow(unsafe_code)]
    // SAFETY: `attr` is a live `#[repr(C)]` struct of the size passed, laid
    // out as `union bpf_attr`'s `raw_tracepoint` member; `name` outlives the
    // call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_RAW_TRACEPOINT_OPEN,
            &mut attr as *mut RawTracepointAttr,
            size_of::<RawTracepointAttr>(),
        )
    };
    assert!(fd >= 0, "BPF_RAW_TRACEPOINT_OPEN: {}", std::io::Error::last_os_error());
    #[allow(unsafe_code)]
    // SAFETY: the kernel just created this fd for us; nothing else owns it.
    unsafe {
        OwnedFd::from_raw_fd(fd as i32)
    }
}

#[test]
fn a_link_of_another_type_is_no_xdp_link() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog =
        ProgramSpec::new(ProgType::RAW_TRACEPOINT, &insns).name("kind_rawtp").load().unwrap();
    let link = raw_tracepoint_open(&prog, c"task_rename");
    let info = LinkInfo::of(&link).unwrap();
    assert_eq!(info.link_type, LinkType::RAW_TRACEPOINT);
    assert_eq!(info.target, LinkTarget::RawTracepoint { tp_name: "task_rename".into() });

    let pins = PinDir::new();
    let path = pins.path("rawtp");
    pin_link(&link, &path);
    let id = info.id;

    let check = |got: Result<XdpLink, Error>, what: String| {
        let err = got.unwrap_err();
        match &err {
            Error::WrongLinkType { what: w, expected, found } => {
                assert_eq!(
                    (w.as_str(), *expected, *found),
                    (what.as_str(), LinkType::XDP, LinkType::RAW_TRACEPOINT)
                );
            }
            other => panic!("expected WrongLinkType, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{what} is a link of type raw_tracepoint, not xdp: ")),
            "{text}"
        );
    };
    check(XdpLink::open_pinned(&path), format!("{} (link id {id})", path.display()));
    let (fd, what) = open_fd(&path);
    check(XdpLink::from_fd(fd), format!("{what} (link id {id})"));
    let fresh = link.try_clone().unwrap();
    let what = format!("fd {} (link id {id})", fresh.as_raw_fd());
    check(XdpLink::from_fd(fresh), what);

    // As a map or a program it is a link, fresh or reopened.
    let what = format!("fd {}", link.as_raw_fd());
    let dup = || link.try_clone().unwrap();
    assert_wrong_kind(ProgramInfo::of(&link), &what, ObjectKind::Program, ObjectKind::Link);
    let fd = dup();
    let what = format!("fd {}", fd.as_raw_fd());
    assert_wrong_kind(Program::from_fd(fd), &what, ObjectKind::Program, ObjectKind::Link);
    let what = path.display().to_string();
    assert_wrong_kind(MapFd::open_pinned(&path), &what, ObjectKind::Map, ObjectKind::Link);
}

/// Pins the link `link` at `path` (`BPF_OBJ_PIN`): bpfkit pins only the
/// objects it has handles for, and a raw tracepoint link is not one.
fn pin_link(link: &OwnedFd, path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    #[repr(C)]
    struct ObjAttr {
        pathname: u64,
        bpf_fd: u32,
        file_flags: u32,
        path_fd: i32,
        _pad: u32,
    }
    let mut attr = ObjAttr {
        pathname: c.as_ptr() as u64,
        bpf_fd: link.as_raw_fd() as u32,
        file_flags: 0,
        path_fd: 0,
        _pad: 0,
    };
    const BPF_OBJ_PIN: libc::c_long = 6;
    #[allow(unsafe_code)]
    // SAFETY: `attr` is a live `#[repr(C)]` struct of the size passed, laid
    // out as `union bpf_attr`'s object member; `c` outlives the call.
    let rc = unsafe {
        libc::syscall(libc::SYS_bpf, BPF_OBJ_PIN, &mut attr as *mut ObjAttr, size_of::<ObjAttr>())
    };
    assert_eq!(rc, 0, "BPF_OBJ_PIN {}: {}", path.display(), std::io::Error::last_os_error());
}

#[test]
fn a_file_that_is_no_bpf_object_is_refused() {
    require_kernel!();
    let file = TempFile::new();
    let open = || -> (OwnedFd, String) {
        let fd: OwnedFd = std::fs::File::open(&file.0).unwrap().into();
        let what = format!("fd {} ({})", fd.as_raw_fd(), file.0.display());
        (fd, what)
    };
    let (fd, what) = open();
    assert_eq!(ObjectKind::of_fd(&fd).unwrap(), ObjectKind::Other);
    assert_wrong_kind(MapFd::from_fd(fd), &what, ObjectKind::Map, ObjectKind::Other);
    let (fd, what) = open();
    assert_wrong_kind(Program::from_fd(fd), &what, ObjectKind::Program, ObjectKind::Other);
    let (fd, what) = open();
    assert_wrong_kind(XdpLink::from_fd(fd), &what, ObjectKind::Link, ObjectKind::Other);
    let (fd, what) = open();
    assert_wrong_kind(ProgramInfo::of(&fd), &what, ObjectKind::Program, ObjectKind::Other);
    assert_wrong_kind(LinkInfo::of(&fd), &what, ObjectKind::Link, ObjectKind::Other);

    // Not a file at all: a socket says what it is too.
    let sock: OwnedFd = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().into();
    let err = MapFd::from_fd(sock).unwrap_err();
    assert!(
        matches!(err, Error::WrongKind { found: ObjectKind::Other, .. })
            && err.to_string().contains("(socket:["),
        "{err}"
    );

    // And a path outside bpffs does not open at all.
    let err = MapFd::open_pinned(&file.0).unwrap_err();
    assert!(matches!(err, Error::Pin { .. }), "{err:?}");
}

/// A regular file of the test's own, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> TempFile {
        let path = std::env::temp_dir().join(unique("bpfkit-not-bpf-"));
        std::fs::write(&path, b"not a bpf object\n").unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_btf_object_is_no_map_program_or_link() {
    require_kernel!();
    let btf = first_btf();
    assert_eq!(ObjectKind::of_fd(&btf).unwrap(), ObjectKind::Btf);
    let dup = || {
        let fd = btf.as_fd().try_clone_to_owned().unwrap();
        let what = format!("fd {}", fd.as_raw_fd());
        (fd, what)
    };
    let (fd, what) = dup();
    assert_wrong_kind(MapFd::from_fd(fd), &what, ObjectKind::Map, ObjectKind::Btf);
    let (fd, what) = dup();
    assert_wrong_kind(Program::from_fd(fd), &what, ObjectKind::Program, ObjectKind::Btf);
    let (fd, what) = dup();
    assert_wrong_kind(XdpLink::from_fd(fd), &what, ObjectKind::Link, ObjectKind::Btf);
}

/// The first BTF object the kernel lists (`vmlinux`'s, on a kernel with
/// BTF), by `BPF_BTF_GET_NEXT_ID` and `BPF_BTF_GET_FD_BY_ID`, which bpfkit
/// does not offer.
fn first_btf() -> OwnedFd {
    #[repr(C)]
    #[derive(Default)]
    struct IdAttr {
        id: u32,
        next_id: u32,
        open_flags: u32,
        fd_by_id_token_fd: u32,
    }
    let bpf = |cmd: libc::c_long, attr: &mut IdAttr| {
        #[allow(unsafe_code)]
        // SAFETY: `attr` is a live `#[repr(C)]` struct of the size passed,
        // laid out as `union bpf_attr`'s id member.
        let rc =
            unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *mut IdAttr, size_of::<IdAttr>()) };
        assert!(rc >= 0, "bpf({cmd}): {}", std::io::Error::last_os_error());
        rc
    };
    const BPF_BTF_GET_FD_BY_ID: libc::c_long = 19;
    const BPF_BTF_GET_NEXT_ID: libc::c_long = 23;
    let mut attr = IdAttr::default();
    bpf(BPF_BTF_GET_NEXT_ID, &mut attr);
    let mut attr = IdAttr { id: attr.next_id, ..IdAttr::default() };
    let fd = bpf(BPF_BTF_GET_FD_BY_ID, &mut attr);
    #[allow(unsafe_code)]
    // SAFETY: the kernel just created this fd for us; nothing else owns it.
    unsafe {
        OwnedFd::from_raw_fd(fd as i32)
    }
}
