//! What `bpftool net show` lists, gathered as bpftool gathers it: the
//! flow dissector, one link dump for the devices and their XDP programs,
//! then the tc filters device by device in bpftool's order ([`super::tc`]).

use bpfkit::link::Interface;
use bpfkit::netlink::{BlockingNetlink, XdpAttachment, flow_dissector_id};

use super::tc::{self, TcFilter};

/// The three sections of the listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The devices with an XDP program, in link dump order.
    pub xdp: Vec<XdpAttachment>,
    /// The tc BPF filters, device by device in link dump order.
    pub tc: Vec<TcFilter>,
    /// The namespace's flow dissector (never filtered by device).
    pub flow_dissector: Option<u32>,
}

/// Gathers the listing, of the device `dev` alone when given (its flow
/// dissector is the namespace's all the same). An unknown `dev` is
/// reported before anything is queried, and a flow dissector that cannot
/// be queried before the dumps, as before.
pub fn collect(netlink: &BlockingNetlink, dev: Option<Interface>) -> bpfkit::Result<Listing> {
    let only = dev.map(|iface| iface.index()).transpose()?;
    let flow_dissector = flow_dissector_id()?;
    let devices = netlink.devices(only.map(Interface::from))?;
    let mut tc = Vec::new();
    for device in &devices {
        let devname = device.name.as_deref().unwrap_or_default();
        // bpftool stops listing a device's filters at a failed dump and
        // goes on with the next device without a word (show_dev_tc_bpf
        // returns 0 whatever happened): the filters found before the
        // failure are listed, the error is not.
        let _skipped = tc::filters_of(netlink, device.ifindex, devname, &mut tc);
    }
    let xdp = devices.into_iter().filter_map(|device| device.xdp).collect();
    Ok(Listing { xdp, tc, flow_dissector })
}
