//! bpftool's plan for the tc section of `net show`: which parents of a
//! device it asks for filters, in which order, and the label it prints for
//! each. The library answers the dumps; the choices below are bpftool's.
//!
//! For each device bpftool asks about every class of the device, then every
//! qdisc with a handle except clsact, then the root, then the clsact
//! ingress and egress hooks. Its qdisc list is the kernel's dump as it
//! comes, every device's qdiscs: so a handle another device has too is
//! asked about on this device as well, labelled with the other device's
//! qdisc kind. And an ingress qdisc's filter is listed twice, under
//! `ingress` and `clsact/ingress`, both being the same parent to the kernel.

use std::fmt;

use bpfkit::netlink::{BlockingNetlink, TcAttachment, TcClass, TcHandle, TcQdisc};

/// A place whose filters bpftool lists, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcHook {
    /// A class, labelled with its kind, e.g. `htb`.
    Class {
        /// The class's kind, `unknown` without one.
        kind: String,
        /// The class id, e.g. `1:10`.
        handle: TcHandle,
    },
    /// A qdisc with a handle, labelled with its kind, e.g. `htb` or
    /// `ingress`.
    Qdisc {
        /// The qdisc's kind, `unknown` without one.
        kind: String,
        /// The qdisc's handle, e.g. `1:`.
        handle: TcHandle,
    },
    /// `TC_H_ROOT`, labelled `root`.
    Root,
    /// The ingress hook of clsact (or of the ingress qdisc), labelled
    /// `clsact/ingress`.
    ClsactIngress,
    /// The egress hook of clsact, labelled `clsact/egress`.
    ClsactEgress,
}

impl TcHook {
    /// bpftool's label: the class or qdisc kind, `root`, `clsact/ingress`
    /// or `clsact/egress`.
    pub fn label(&self) -> &str {
        match self {
            TcHook::Class { kind, .. } | TcHook::Qdisc { kind, .. } => kind,
            TcHook::Root => "root",
            TcHook::ClsactIngress => "clsact/ingress",
            TcHook::ClsactEgress => "clsact/egress",
        }
    }

    /// The parent a filter dump for this hook asks for.
    pub fn parent(&self) -> TcHandle {
        match self {
            TcHook::Class { handle, .. } | TcHook::Qdisc { handle, .. } => *handle,
            TcHook::Root => TcHandle::ROOT,
            TcHook::ClsactIngress => TcHandle::CLSACT_INGRESS,
            TcHook::ClsactEgress => TcHandle::CLSACT_EGRESS,
        }
    }

    /// The hooks to ask about, in bpftool's order, from the device's
    /// classes and the qdisc dump (every device's, as bpftool uses it):
    /// every class, every qdisc but clsact and those without a handle, then
    /// the three fixed hooks.
    pub fn list(classes: &[TcClass], qdiscs: &[TcQdisc]) -> Vec<TcHook> {
        let unknown = |kind: &Option<String>| kind.as_deref().unwrap_or("unknown").to_owned();
        let mut hooks: Vec<TcHook> = classes
            .iter()
            .map(|c| TcHook::Class { kind: unknown(&c.kind), handle: c.handle })
            .collect();
        hooks.extend(
            qdiscs
                .iter()
                .filter(|q| q.kind.as_deref() != Some("clsact") && q.handle != TcHandle::UNSPEC)
                .map(|q| TcHook::Qdisc { kind: unknown(&q.kind), handle: q.handle }),
        );
        hooks.extend([TcHook::Root, TcHook::ClsactIngress, TcHook::ClsactEgress]);
        hooks
    }
}

impl fmt::Display for TcHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One line of the tc section: a bpf filter, the device it is on and the
/// hook it was found under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcFilter {
    /// The device's index.
    pub ifindex: u32,
    /// The device's name; empty when the link dump gave none.
    pub devname: String,
    /// Where bpftool found it.
    pub hook: TcHook,
    /// The filter.
    pub filter: TcAttachment,
}

/// The queries bpftool's plan makes, so that the plan can run against
/// the kernel or, in tests, against a table.
pub trait TcDumps {
    /// The classes of device `ifindex`.
    fn classes(&self, ifindex: u32) -> bpfkit::Result<Vec<TcClass>>;
    /// The qdiscs of every device.
    fn all_qdiscs(&self) -> bpfkit::Result<Vec<TcQdisc>>;
    /// The bpf filters of device `ifindex` under `parent`.
    fn bpf_filters(&self, ifindex: u32, parent: TcHandle) -> bpfkit::Result<Vec<TcAttachment>>;
}

impl TcDumps for BlockingNetlink {
    fn classes(&self, ifindex: u32) -> bpfkit::Result<Vec<TcClass>> {
        self.tc_classes(Some(ifindex.into()))
    }

    fn all_qdiscs(&self) -> bpfkit::Result<Vec<TcQdisc>> {
        self.tc_qdiscs(None)
    }

    fn bpf_filters(&self, ifindex: u32, parent: TcHandle) -> bpfkit::Result<Vec<TcAttachment>> {
        self.tc_bpf_filters(ifindex, parent)
    }
}

/// Appends the bpf filters of the device to `out` in bpftool's order. A
/// failed dump stops there: the filters found before it stay in `out`, and
/// the error (which names the dump) is returned.
pub fn filters_of(
    dumps: &impl TcDumps,
    ifindex: u32,
    devname: &str,
    out: &mut Vec<TcFilter>,
) -> bpfkit::Result<()> {
    let classes = dumps.classes(ifindex)?;
    let qdiscs = dumps.all_qdiscs()?;
    for hook in TcHook::list(&classes, &qdiscs) {
        let filters = dumps.bpf_filters(ifindex, hook.parent())?;
        out.extend(filters.into_iter().map(|filter| TcFilter {
            ifindex,
            devname: devname.to_owned(),
            hook: hook.clone(),
            filter,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bpfkit::Errno;

    use super::*;

    fn class(ifindex: u32, kind: &str, handle: TcHandle) -> TcClass {
        TcClass { ifindex, kind: Some(kind.into()), handle, parent: TcHandle::new(1, 0) }
    }

    fn qdisc(ifindex: u32, kind: Option<&str>, handle: TcHandle) -> TcQdisc {
        TcQdisc { ifindex, kind: kind.map(Into::into), handle, parent: TcHandle::ROOT }
    }

    fn filter(ifindex: u32, parent: TcHandle, prog_id: u32) -> TcAttachment {
        TcAttachment {
            ifindex,
            parent,
            handle: 1,
            priority: 1,
            name: None,
            prog_id: Some(prog_id),
            tag: None,
            direct_action: false,
            actions: None,
        }
    }

    #[test]
    fn hooks_follow_bpftool_order_and_skip_clsact() {
        let classes = [class(2, "htb", TcHandle::new(1, 0xa))];
        let qdiscs = [
            qdisc(2, Some("noqueue"), TcHandle::UNSPEC),
            qdisc(2, Some("clsact"), TcHandle::new(0xffff, 0)),
            qdisc(2, Some("htb"), TcHandle::new(1, 0)),
            // Another device's: asked about all the same, as bpftool does.
            qdisc(3, Some("ingress"), TcHandle::new(0xffff, 0)),
        ];
        let hooks = TcHook::list(&classes, &qdiscs);
        let labels: Vec<(&str, u32)> = hooks.iter().map(|h| (h.label(), h.parent().0)).collect();
        assert_eq!(
            labels,
            [
                ("htb", 0x0001_000a),
                ("htb", 0x0001_0000),
                ("ingress", 0xffff_0000),
                ("root", 0xffff_ffff),
                ("clsact/ingress", 0xffff_fff2),
                ("clsact/egress", 0xffff_fff3),
            ]
        );
        let nameless = TcQdisc { kind: None, ..qdisc(2, None, TcHandle::new(2, 0)) };
        assert_eq!(TcHook::list(&[], &[nameless])[0].label(), "unknown");
    }

    /// Dumps answered from a table; a dump named in `fail` (`classes`,
    /// `qdiscs`, or a parent as tc writes it) fails with `EMSGSIZE`.
    #[derive(Default)]
    struct Table {
        classes: Vec<TcClass>,
        qdiscs: Vec<TcQdisc>,
        filters: HashMap<(u32, TcHandle), Vec<TcAttachment>>,
        fail: Vec<String>,
    }

    impl Table {
        fn fails(&self, what: &str) -> bpfkit::Result<()> {
            if self.fail.iter().any(|f| f == what) {
                return Err(bpfkit::Error::Io {
                    what: what.into(),
                    source: std::io::Error::from_raw_os_error(Errno(libc::EMSGSIZE).0),
                });
            }
            Ok(())
        }
    }

    impl TcDumps for Table {
        fn classes(&self, ifindex: u32) -> bpfkit::Result<Vec<TcClass>> {
            self.fails("classes")?;
            Ok(self.classes.iter().filter(|c| c.ifindex == ifindex).cloned().collect())
        }

        fn all_qdiscs(&self) -> bpfkit::Result<Vec<TcQdisc>> {
            self.fails("qdiscs")?;
            Ok(self.qdiscs.clone())
        }

        fn bpf_filters(&self, ifindex: u32, parent: TcHandle) -> bpfkit::Result<Vec<TcAttachment>> {
            self.fails(&parent.to_string())?;
            Ok(self.filters.get(&(ifindex, parent)).cloned().unwrap_or_default())
        }
    }

    fn table() -> Table {
        let htb = TcHandle::new(1, 0);
        let mut filters = HashMap::new();
        filters.insert((2, htb), vec![filter(2, htb, 10)]);
        filters
            .insert((2, TcHandle::CLSACT_INGRESS), vec![filter(2, TcHandle::CLSACT_INGRESS, 11)]);
        filters.insert((2, TcHandle::CLSACT_EGRESS), vec![filter(2, TcHandle::CLSACT_EGRESS, 12)]);
        Table { qdiscs: vec![qdisc(2, Some("htb"), htb)], filters, ..Table::default() }
    }

    fn listed(out: &[TcFilter]) -> Vec<(&str, Option<u32>)> {
        out.iter().map(|f| (f.hook.label(), f.filter.prog_id)).collect()
    }

    #[test]
    fn filters_are_listed_hook_by_hook_with_the_device() {
        let mut out = Vec::new();
        filters_of(&table(), 2, "veth0", &mut out).unwrap();
        assert_eq!(
            listed(&out),
            [("htb", Some(10)), ("clsact/ingress", Some(11)), ("clsact/egress", Some(12))]
        );
        assert!(out.iter().all(|f| f.devname == "veth0" && f.ifindex == 2));
        // Another device with the same qdisc handle is asked about it too,
        // under the other device's kind; its own filters are its own.
        let mut other = Vec::new();
        filters_of(&table(), 3, "veth1", &mut other).unwrap();
        assert!(other.is_empty());
    }

    #[test]
    fn a_failed_dump_keeps_what_came_before_and_skips_the_rest() {
        let failing = Table { fail: vec!["ffff:fff2".into()], ..table() };
        let mut out = Vec::new();
        let err = filters_of(&failing, 2, "veth0", &mut out).unwrap_err();
        assert_eq!(err.errno(), Some(Errno(libc::EMSGSIZE)));
        assert!(err.to_string().contains("ffff:fff2"), "{err}");
        assert_eq!(listed(&out), [("htb", Some(10))]);
        for what in ["classes", "qdiscs"] {
            let failing = Table { fail: vec![what.into()], ..table() };
            let mut out = Vec::new();
            let err = filters_of(&failing, 2, "veth0", &mut out).unwrap_err();
            assert!(err.to_string().contains(what), "{err}");
            assert!(out.is_empty());
        }
    }
}
