//! Program BTF generated from the assembled program, in the kernel: the
//! bpf-to-bpf calls and callbacks it unlocks, and Rust lines in the
//! verifier's log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{
    ArgType, Assembled, FuncDecl, Helper, ProgramBuilder, R0, R1, R2, R3, R4, R6, R7, R10, Size,
};
use bpfkit::btf::{BpfSpinLock, BpfTimer, BtfBuilder, BtfDescribe, BtfObject};
use bpfkit::btf_struct;
use bpfkit::maps::{Array, MapFlags, MapSpec, MapType};
use bpfkit::prog::{ProgType, Program, ProgramSpec, TestRun};
use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Loads `insns` as a socket filter (any return value, a `__sk_buff` context).
fn load(insns: &Assembled, name: &str) -> Program {
    ProgramSpec::new(ProgType::SOCKET_FILTER, insns).name(name).load().unwrap()
}

/// Runs `prog` once on a 64-byte packet and returns `r0`.
fn run(prog: &Program) -> u32 {
    prog.test_run(TestRun::new(&[0u8; 64])).unwrap().retval
}

/// `main: r1 = 20; r2 = 22; call add; exit` with `add: r0 = r1 + r2`,
/// `add` declared as `decl` if given.
fn adder(decl: Option<FuncDecl>) -> Assembled {
    let mut b = ProgramBuilder::new();
    let add = b.label();
    b.mov64(R1, 20).mov64(R2, 22).call_local(add).exit();
    if let Some(decl) = decl {
        b.function(add, decl);
    }
    b.bind(add).mov64(R0, R1).add64(R0, R2).exit();
    b.assemble().unwrap()
}

#[test]
fn a_static_subprogram_is_called() {
    require_kernel!();
    let insns = adder(None);
    assert_eq!(insns.functions().len(), 2);
    let spec = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_static");
    assert!(spec.generates_btf(), "two functions: BTF is generated");
    let prog = spec.load().unwrap();
    assert_eq!(run(&prog), 42);
    let info = prog.info().unwrap();
    assert_ne!(info.btf_id, 0, "the program has BTF");
    assert_eq!(info.func_info_count, 2);
    // One line record per instruction here: every DSL call is its own column.
    assert_eq!(info.line_info_count, 7);
    // The JIT keeps an address for each, for `prog dump jited linum` (this
    // machine's bpftool, built without libbfd, cannot print jited code).
    if std::fs::read_to_string("/proc/sys/net/core/bpf_jit_enable").is_ok_and(|v| v.trim() != "0") {
        assert_eq!(info.jited_line_info_count, 7);
    }
    let starts: Vec<u32> = prog.func_info().unwrap().iter().map(|f| f.insn_off).collect();
    assert_eq!(starts, [0, 4]);
    let lines = prog.line_info().unwrap();
    assert_eq!(lines.len(), 7);
    let first = insns.location(0).unwrap();
    assert_eq!(
        (lines[0].insn_off, lines[0].line, lines[0].column),
        (0, first.line(), first.column())
    );
}

#[test]
fn a_program_of_one_function_has_btf_only_when_asked() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 7).exit();
    let insns = b.assemble().unwrap();
    let spec = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_one_func");
    assert!(!spec.generates_btf());
    let plain = spec.clone().load().unwrap();
    assert_eq!(plain.info().unwrap().btf_id, 0);
    assert!(plain.func_info().unwrap().is_empty() && plain.line_info().unwrap().is_empty());
    let with = spec.debug_info(true).load().unwrap();
    let info = with.info().unwrap();
    assert_ne!(info.btf_id, 0);
    assert_eq!((info.func_info_count, info.line_info_count), (1, 2));
    assert_eq!(info.full_name, "btf_one_func");
    assert_eq!(run(&with), 7);
}

#[test]
fn a_global_subprogram_is_verified_on_its_own_and_called() {
    require_kernel!();
    let decl = FuncDecl::global("add_u64").param("a", ArgType::U64).param("b", ArgType::U64);
    let prog = load(&adder(Some(decl)), "btf_global");
    assert_eq!(run(&prog), 42);
}

#[test]
fn a_global_subprogram_takes_the_context() {
    require_kernel!();
    // main: call skb_len(ctx); skb_len(skb): r0 = skb->len.
    let mut b = ProgramBuilder::new();
    let len = b.label();
    b.call_local(len).exit();
    b.function(len, FuncDecl::global("skb_len").param("skb", ArgType::Ctx));
    b.bind(len).ldx(Size::W, R0, R1, 0).exit();
    let prog = load(&b.assemble().unwrap(), "btf_ctx_arg");
    // The socket filter's test run pulls the 14-byte Ethernet header.
    assert_eq!(run(&prog), 64 - 14);
}

#[test]
fn a_global_subprogram_does_not_see_its_callers_knowledge() {
    require_kernel!();
    // A global function is checked against its prototype: passing a stack
    // pointer for a u64 is refused at the call.
    let mut b = ProgramBuilder::new();
    let deref = b.label();
    b.mov64(R1, R10).add64(R1, -8).st(Size::DW, R10, -8, 0).call_local(deref).exit();
    b.function(deref, FuncDecl::global("deref").param("p", ArgType::U64));
    b.bind(deref).ldx(Size::DW, R0, R1, 0).exit();
    let insns = b.assemble().unwrap();
    let Err(Error::Verifier(e)) =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_glob_bad").load()
    else {
        panic!("a pointer is no u64")
    };
    assert_eq!(e.message, "R1 is not a scalar", "{e}");
    assert!(e.details.iter().any(|d| d.contains("func#1 ('deref')")), "{e}");
    assert_eq!(e.index, Some(3), "the call");

    // Verified on its own, the function may not dereference its scalar,
    // whatever the caller passes.
    let mut b = ProgramBuilder::new();
    let deref = b.label();
    b.mov64(R1, 0).call_local(deref).exit();
    b.function(deref, FuncDecl::global("deref").param("p", ArgType::U64));
    b.bind(deref).ldx(Size::DW, R0, R1, 0).exit();
    let insns = b.assemble().unwrap();
    let Err(Error::Verifier(e)) =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_glob_bad2").load()
    else {
        panic!("a scalar is no pointer")
    };
    assert!(e.message.contains("invalid mem access 'scalar'"), "{e}");
    assert_eq!(e.index, Some(3));
}

#[test]
fn bpf_loop_sums_in_a_callback() {
    require_kernel!();
    // sum = 0; bpf_loop(10, add_index, &sum, 0); return sum.
    let mut b = ProgramBuilder::new();
    let callback = b.label();
    b.st(Size::DW, R10, -8, 0)
        .mov64(R1, 10)
        .ld_func(R2, callback)
        .mov64(R3, R10)
        .add64(R3, -8)
        .mov64(R4, 0)
        .call(Helper::Loop)
        .ldx(Size::DW, R0, R10, -8)
        .exit();
    // add_index(index, ctx): *ctx += index; return 0 (continue).
    b.bind(callback)
        .ldx(Size::DW, R3, R2, 0)
        .add64(R3, R1)
        .stx(Size::DW, R2, 0, R3)
        .mov64(R0, 0)
        .exit();
    let prog = load(&b.assemble().unwrap(), "btf_loop");
    assert_eq!(run(&prog), 45);
}

#[test]
fn for_each_map_elem_sums_an_array() {
    require_kernel!();
    let values = Array::<u64>::create(&common::unique("fe"), 4, MapFlags::empty()).unwrap();
    for (i, v) in [1u64, 2, 3, 4].iter().enumerate() {
        values.set(i as u32, v).unwrap();
    }
    let mut b = ProgramBuilder::new();
    let callback = b.label();
    b.st(Size::DW, R10, -8, 0)
        .ld_map_fd(R1, &values)
        .ld_func(R2, callback)
        .mov64(R3, R10)
        .add64(R3, -8)
        .mov64(R4, 0)
        .call(Helper::ForEachMapElem)
        .ldx(Size::DW, R0, R10, -8)
        .exit();
    // add_value(map, key, value, ctx): *ctx += *value; return 0.
    b.bind(callback)
        .ldx(Size::DW, R0, R3, 0)
        .ldx(Size::DW, R1, R4, 0)
        .add64(R1, R0)
        .stx(Size::DW, R4, 0, R1)
        .mov64(R0, 0)
        .exit();
    let prog = load(&b.assemble().unwrap(), "btf_for_each");
    assert_eq!(run(&prog), 10);
}

#[test]
fn the_verifier_log_shows_the_rust_line() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    let sub = b.label();
    b.call_local(sub).exit();
    b.bind(sub).mov64(R0, 1).add64(R0, R3); // reads r3, never written: refused
    let line = line!() - 1;
    b.exit();
    let insns = b.assemble().unwrap();
    let Err(Error::Verifier(e)) =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_log_line").load()
    else {
        panic!("r3 is not initialised")
    };
    assert_eq!(e.location.map(|l| l.line()), Some(line), "{e}");
    let expected = format!(
        "; b.bind(sub).mov64(R0, 1).add64(R0, R3); // reads r3, never written: refused @ prog_btf.rs:{line}"
    );
    assert!(e.log.contains(&expected), "{expected:?} not in the log:\n{}", e.log);
}

btf_struct! {
    /// A map value holding a timer, and what its callback writes.
    #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct TimerValue {
        timer: BpfTimer,
        fired: u64,
    }
}

btf_struct! {
    /// A map value holding a lock and what it guards.
    #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct LockedValue {
        lock: BpfSpinLock,
        count: u32,
    }
}

/// A one-entry array of `V`, its BTF (`u32` keys, `V` values) loaded.
fn array_with_btf<V: BtfDescribe + bpfkit::maps::Plain>(name: &str) -> Array<V> {
    let mut b = BtfBuilder::new();
    let key = b.describe::<u32>().unwrap();
    let value = b.describe::<V>().unwrap();
    let btf = BtfObject::load(&b.into_btf().encode().unwrap()).unwrap();
    let size = u32::try_from(std::mem::size_of::<V>()).unwrap();
    let map = MapSpec::new(MapType::ARRAY, 4, size, 1)
        .name(&common::unique(name))
        .btf(&btf, key, value)
        .create()
        .unwrap();
    Array::from_map(map).unwrap()
}

/// `r0 = &map[0]`, or exit with 0 when the lookup fails; clobbers r1, r2.
fn lookup_first<M: bpfkit::asm::MapHandle>(b: &mut ProgramBuilder, map: &M) {
    let found = b.label();
    b.st(Size::W, R10, -4, 0)
        .ld_map_fd(R1, map)
        .mov64(R2, R10)
        .add64(R2, -4)
        .call(Helper::MapLookupElem)
        .jne(R0, 0, found)
        .exit()
        .bind(found);
}

#[test]
fn a_timer_in_a_map_value_fires_its_callback() {
    require_kernel!();
    let map = array_with_btf::<TimerValue>("timer");
    map.set(0, &TimerValue::default()).unwrap();
    let mut b = ProgramBuilder::new();
    let callback = b.label();
    lookup_first(&mut b, &map);
    // r6 = value; r7 = init | set_callback | start: all 0 on success.
    b.mov64(R6, R0)
        .mov64(R1, R6)
        .ld_map_fd(R2, &map)
        .mov64(R3, 1) // CLOCK_MONOTONIC
        .call(Helper::TimerInit)
        .mov64(R7, R0)
        .mov64(R1, R6)
        .ld_func(R2, callback)
        .call(Helper::TimerSetCallback)
        .or64(R7, R0)
        .mov64(R1, R6)
        .mov64(R2, 0)
        .mov64(R3, 0)
        .call(Helper::TimerStart)
        .or64(R7, R0)
        .mov64(R0, R7)
        .exit();
    // fire(map, key, value): value->fired = 1; return 0.
    b.function(callback, FuncDecl::new("fire"));
    b.bind(callback).st(Size::DW, R3, 16, 1).mov64(R0, 0).exit();
    let prog = load(&b.assemble().unwrap(), "btf_timer");
    assert_eq!(run(&prog), 0, "bpf_timer_init, set_callback and start all return 0");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while map.get(0).unwrap().fired != 1 {
        assert!(std::time::Instant::now() < deadline, "the timer callback did not run within 1 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn exiting_with_a_spin_lock_held_names_the_rust_line() {
    require_kernel!();
    let map = array_with_btf::<LockedValue>("lock");
    let mut b = ProgramBuilder::new();
    lookup_first(&mut b, &map);
    b.mov64(R6, R0).spin_lock(R6, 0).st(Size::W, R6, 4, 1).mov64(R0, 0);
    b.exit(); // with the lock held
    let line = line!() - 1;
    let insns = b.assemble().unwrap();
    // Socket filters may not take spin locks; tc programs may.
    let spec = ProgramSpec::new(ProgType::SCHED_CLS, &insns).name("btf_lock_held");
    let Err(Error::Verifier(e)) = spec.clone().load() else { panic!("the lock is never released") };
    assert!(e.message.contains("bpf_spin_lock"), "{e}");
    assert_eq!(e.location.map(|l| l.line()), Some(line), "{e}");
    assert_eq!(e.insn.as_deref(), Some("exit"), "{e}");
    assert!(!e.log.contains("@ prog_btf.rs"), "no BTF, no lines in the log:\n{}", e.log);

    // With line info, the log shows the Rust line too.
    let Err(Error::Verifier(e)) = spec.debug_info(true).load() else { panic!("still held") };
    let expected = format!("; b.exit(); // with the lock held @ prog_btf.rs:{line}");
    assert!(e.log.contains(&expected), "{expected:?} not in the log:\n{}", e.log);
}

#[test]
fn a_text_program_shows_its_s_lines_in_the_log() {
    require_kernel!();
    let source = "r0 = 1\n    r0 += r3\nexit\n";
    let insns = bpfkit::asm::parse(source).unwrap().assemble().unwrap();
    let Err(Error::Verifier(e)) = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns)
        .name("btf_text")
        .debug_info(true)
        .asm_source("bad.s", source)
        .load()
    else {
        panic!("r3 is not initialised")
    };
    assert_eq!(e.location, Some(bpfkit::asm::Origin::Text { line: 2, column: 5 }), "{e}");
    assert!(e.log.contains("; r0 += r3 @ bad.s:2"), "{}", e.log);

    // Without the source, the line reads as its position.
    let Err(Error::Verifier(e)) =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("btf_text2").debug_info(true).load()
    else {
        panic!("still not initialised")
    };
    assert!(e.log.contains("; asm:2:5 @ asm:2"), "{}", e.log);
}

#[test]
fn a_context_without_a_struct_name_is_tagged_as_the_context() {
    require_kernel!();
    // Raw tracepoints, tracepoints and kprobes have no context struct the
    // kernel knows by name: the generated `void *` carries `arg:ctx`, and
    // the global function may read its context. main passes its context
    // on as the second argument; the function reads the word at offset 8
    // (a raw tracepoint's second argument; a tracepoint's first field).
    let second_word = |param: ArgType| {
        let mut b = ProgramBuilder::new();
        let callee = b.label();
        b.mov64(R2, R1).mov64(R1, 0).call_local(callee).exit();
        b.function(callee, FuncDecl::global("word_1").param("n", ArgType::U64).param("c", param));
        b.bind(callee).ldx(Size::DW, R0, R2, 8).exit();
        b.assemble().unwrap()
    };
    let insns = second_word(ArgType::Ctx);
    let raw_tp =
        ProgramSpec::new(ProgType::RAW_TRACEPOINT, &insns).name("btf_ctx_tag").load().unwrap();
    let args: Vec<u8> = [7u64, 0x1234_5678].iter().flat_map(|a| a.to_ne_bytes()).collect();
    let ran = raw_tp.test_run(TestRun::without_data().ctx_in(&args)).unwrap();
    assert_eq!(ran.retval, 0x1234_5678);
    for ty in [ProgType::TRACEPOINT, ProgType::KPROBE, ProgType::PERF_EVENT] {
        let loaded = ProgramSpec::new(ty, &insns).name("btf_ctx_tag").load();
        assert!(loaded.is_ok(), "{ty:?}: {}", loaded.unwrap_err());
    }

    // Declared a scalar, the parameter refuses the context at the call.
    let insns = second_word(ArgType::U64);
    let Err(Error::Verifier(e)) =
        ProgramSpec::new(ProgType::RAW_TRACEPOINT, &insns).name("btf_ctx_none").load()
    else {
        panic!("a u64 is not the context")
    };
    assert_eq!((e.message.as_str(), e.index), ("R2 is not a scalar", Some(2)), "{e}");
}
