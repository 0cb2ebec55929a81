//! The `bpfkit` command's own usage: help and version, by command and by
//! the options every tool answers.

mod common;

use common::bpfkit;

#[test]
fn help_and_version_answer_their_usual_options() {
    let help = bpfkit(&["help"]).success();
    assert!(help.stdout.starts_with("Usage: bpfkit"), "{help:?}");
    for flag in ["-h", "--help"] {
        assert_eq!(bpfkit(&[flag]).success().stdout, help.stdout);
    }
    let version = bpfkit(&["version"]).success();
    assert_eq!(version.stdout, format!("bpfkit v{}\n", env!("CARGO_PKG_VERSION")));
    for flag in ["-V", "--version"] {
        assert_eq!(bpfkit(&[flag]).success().stdout, version.stdout);
    }
}
