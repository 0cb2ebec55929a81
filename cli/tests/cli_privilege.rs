//! The inspector run by a user without privileges: bpftool's error, in text
//! and in JSON, with its exit status, and in text one line more that says
//! what to do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::as_nobody;

const HINT: &str =
    "Hint: looking up bpf objects needs CAP_SYS_ADMIN (loading needs CAP_BPF): run bpfkit as root";

/// Whether this process may switch to another user (it is root).
fn can_drop_privileges() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    let euid = unsafe { libc::geteuid() };
    euid == 0
}

#[test]
fn without_privileges_errors_are_bpftools_plus_a_hint() {
    require_kernel!();
    if !can_drop_privileges() {
        return;
    }
    let ours = env!("CARGO_BIN_EXE_bpfkit");
    let cases: &[&[&str]] = &[
        &["prog", "show"],
        &["map", "show"],
        &["link", "show"],
        &["prog", "show", "id", "1"],
        &["map", "dump", "id", "1"],
        &["link", "show", "id", "1"],
    ];
    for args in cases {
        let text = as_nobody(ours, args);
        assert_eq!(text.status, Some(255), "{args:?}: {text:?}");
        let lines: Vec<&str> = text.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}: {text:?}");
        assert!(lines[0].starts_with("Error: "), "{args:?}: {text:?}");
        assert!(lines[0].ends_with(": Operation not permitted"), "{args:?}: {text:?}");
        assert_eq!(lines[1], HINT);
        let mut json_args = vec!["-j"];
        json_args.extend_from_slice(args);
        let json = as_nobody(ours, &json_args);
        assert_eq!(json.status, Some(255));
        assert!(json.stderr.is_empty(), "{args:?}: {json:?}");
        let error = json.json();
        let object = if args.len() == 2 { &error[0] } else { &error };
        assert!(object["error"].as_str().unwrap().ends_with("Operation not permitted"), "{error}");
        if common::bpftool(&["version"]).is_none() {
            continue;
        }
        let theirs = as_nobody("bpftool", args);
        assert_eq!(theirs.status, text.status, "{args:?}");
        assert_eq!(theirs.stderr.lines().next(), Some(lines[0]), "{args:?}");
        let theirs = as_nobody("bpftool", &json_args);
        assert_eq!(theirs.stdout, json.stdout, "{json_args:?}");
    }
}
