//! Which side of an interface a classic tc filter hangs on: the minor
//! numbers of the clsact qdisc's two hooks.

use std::fmt;

/// The side of an interface a tc filter runs on: the clsact qdisc's
/// ingress hook (packets the interface receives) or egress hook (packets it
/// sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcDirection {
    /// Received packets (`TC_H_MIN_INGRESS`, parent `ffff:fff2`).
    #[doc(alias = "TC_H_MIN_INGRESS")]
    Ingress,
    /// Sent packets (`TC_H_MIN_EGRESS`, parent `ffff:fff3`).
    #[doc(alias = "TC_H_MIN_EGRESS")]
    Egress,
}

impl TcDirection {
    /// The parent a filter on this side gets (`tcm_parent`):
    /// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS or TC_H_MIN_EGRESS)`.
    /// Only the `netlink` feature attaches tc filters.
    #[cfg_attr(not(feature = "netlink"), allow(dead_code))]
    pub(crate) fn parent(self) -> u32 {
        match self {
            TcDirection::Ingress => 0xffff_fff2,
            TcDirection::Egress => 0xffff_fff3,
        }
    }

    /// As tc spells it: `ingress` or `egress`.
    pub fn name(self) -> &'static str {
        match self {
            TcDirection::Ingress => "ingress",
            TcDirection::Egress => "egress",
        }
    }
}

/// `ingress` or `egress`.
impl fmt::Display for TcDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_clsact_s_hooks() {
        assert_eq!(TcDirection::Ingress.parent(), 0xffff_0000 | 0xfff2);
        assert_eq!(TcDirection::Egress.parent(), 0xffff_0000 | 0xfff3);
        assert_eq!(TcDirection::Egress.to_string(), "egress");
    }
}
