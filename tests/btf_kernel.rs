//! BTF in the kernel: loading raw BTF, reading it back, the kernel's
//! refusals as `Error::BtfLoad`, and the kernel's own vmlinux BTF.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::btf::{BtfObject, TypeId, btf_ids};
use bpfkit::maps::{MapSpec, MapType};
use bpfkit::object::ObjectKind;
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::{Errno, Error};

use common::btf::{BAD, INT, PAIR, pair};

fn load_error(raw: &[u8]) -> (Errno, Option<u32>, Option<String>, String) {
    match BtfObject::load(raw) {
        Err(Error::BtfLoad { errno, type_id, message, log }) => (errno, type_id, message, log),
        other => panic!("expected a BTF load error, got {other:?}"),
    }
}

#[test]
fn loaded_btf_reads_back_byte_for_byte() {
    require_kernel!();
    let raw = pair(PAIR, INT);
    let btf = BtfObject::load(&raw).unwrap();
    let info = btf.info().unwrap();
    assert!(info.id > 0);
    assert_eq!(info.size as usize, raw.len());
    assert!(!info.kernel_btf);
    assert_eq!(info.name, "", "BTF loaded from user space has no name");
    assert_eq!(btf.data().unwrap(), raw);

    // By id: the same object.
    let again = BtfObject::from_id(info.id).unwrap();
    assert_eq!(again.info().unwrap(), info);
    assert_eq!(again.data().unwrap(), raw);
    assert!(btf_ids().map(Result::unwrap).any(|id| id == info.id), "the id walk finds it");

    // By fd.
    let fd = btf.fd().try_clone_to_owned().unwrap();
    assert_eq!(BtfObject::from_fd(fd).unwrap().info().unwrap().id, info.id);
}

#[test]
fn a_map_fd_is_not_a_btf_object() {
    require_kernel!();
    let map = MapSpec::new(MapType::ARRAY, 4, 8, 1).name("btfk_notbtf").create().unwrap();
    let fd = map.fd().try_clone_to_owned().unwrap();
    let err = BtfObject::from_fd(fd).unwrap_err();
    assert!(
        matches!(err, Error::WrongKind { expected: ObjectKind::Btf, found: ObjectKind::Map, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("is a map, not a BTF object"), "{err}");
}

#[test]
fn a_member_of_a_missing_type_is_named_with_the_kernels_words() {
    require_kernel!();
    let (errno, type_id, message, log) = load_error(&pair(PAIR, 9));
    assert_eq!(errno, Errno::EINVAL);
    assert_eq!(type_id, Some(2), "{log}");
    assert_eq!(message.as_deref(), Some("Invalid member"), "{log}");
    assert!(log.contains("[2] STRUCT pair size=8 vlen=2"), "{log}");
    let text = BtfObject::load(&pair(PAIR, 9)).unwrap_err().to_string();
    assert_eq!(
        text,
        "loading BTF failed: EINVAL (Invalid argument): type [2]: the kernel says \"Invalid member\""
    );
}

#[test]
fn a_bad_name_is_named_with_the_kernels_words() {
    require_kernel!();
    let (errno, type_id, message, log) = load_error(&pair(BAD, INT));
    assert_eq!(errno, Errno::EINVAL);
    assert_eq!(type_id, Some(2), "{log}");
    assert_eq!(message.as_deref(), Some("Invalid name"), "{log}");
}

#[test]
fn a_bad_header_names_no_type() {
    require_kernel!();
    let mut raw = pair(PAIR, INT);
    raw[2] = 2; // version 2
    let (errno, type_id, message, log) = load_error(&raw);
    assert_eq!(errno, Errno::ENOTSUPP, "{log}");
    assert_eq!(type_id, None, "{log}");
    assert_eq!(message.as_deref(), Some("Unsupported version"), "{log}");
    let text = BtfObject::load(&raw).unwrap_err().to_string();
    assert!(text.starts_with("loading BTF failed: ENOTSUPP"), "{text}");
    assert!(text.contains("the kernel says \"Unsupported version\""), "{text}");
}

#[test]
fn vmlinux_is_the_file_the_kernel_exports() {
    require_kernel!();
    let Ok(file) = std::fs::read("/sys/kernel/btf/vmlinux") else {
        common::skip(
            common::Require::Kernel,
            "no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF is off)",
            "test on a kernel built with BTF",
        );
        return;
    };
    let vmlinux = btf_ids()
        .map(|id| BtfObject::from_id(id.unwrap()))
        .filter_map(Result::ok)
        .find(|btf| {
            let info = btf.info().unwrap();
            info.kernel_btf && info.name == "vmlinux"
        })
        .expect("the kernel has BTF, so it has a vmlinux object");
    let info = vmlinux.info().unwrap();
    assert_eq!(info.size as usize, file.len());
    assert_eq!(vmlinux.data().unwrap(), file);
}

#[test]
fn a_map_described_by_loaded_btf_names_its_id() {
    require_kernel!();
    let btf = BtfObject::load(&pair(PAIR, INT)).unwrap();
    let spec = MapSpec::new(MapType::ARRAY, 4, 8, 1).name("btfk_typed");
    let map = spec.clone().btf(&btf, TypeId(1), TypeId(2)).create().unwrap();
    assert_eq!(map.info().unwrap().btf_id, btf.info().unwrap().id);
    // The kernel checks the types' sizes against the key's and the value's.
    let err = spec.btf(&btf, TypeId(2), TypeId(2)).create().unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL), "{err}");
}

#[test]
fn a_program_described_by_loaded_btf_names_its_id_and_function() {
    require_kernel!();
    let btf = BtfObject::load(&common::btf::func()).unwrap();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2).exit();
    let insns = b.assemble().unwrap();
    let spec = ProgramSpec::new(ProgType::XDP, &insns).name("btf_test_main_f");
    let prog = spec.btf(&btf, TypeId(3)).load().unwrap();
    let info = prog.info().unwrap();
    assert_eq!(info.btf_id, btf.info().unwrap().id);
    assert_eq!(info.full_name, common::btf::FUNC_NAME);
}

/// A `tp_btf` program names the kernel type it attaches through: its info
/// carries that type's id and the kernel's own BTF object; a program with
/// no attach BTF carries zeros.
#[test]
fn program_info_names_the_kernel_type_it_attaches_through() {
    require_kernel!();
    let vmlinux = bpfkit::btf::kernel_btf().unwrap();
    let target = vmlinux.find(bpfkit::btf::Kind::Typedef, "btf_trace_sys_enter").unwrap();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::TRACING, &insns)
        .expected_attach_type(bpfkit::prog::AttachType::TRACE_RAW_TP)
        .attach_btf_id(target.0)
        .load()
        .unwrap();
    let info = prog.info().unwrap();
    assert_eq!(info.attach_btf_id, target.0);
    let object = BtfObject::from_id(info.attach_btf_obj_id).unwrap().info().unwrap();
    assert!(object.kernel_btf, "{object:?}");
    assert_eq!(object.name, "vmlinux");

    let plain = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).load().unwrap();
    let info = plain.info().unwrap();
    assert_eq!((info.attach_btf_obj_id, info.attach_btf_id), (0, 0));
}
