//! Where the kernel runs an XDP program: the mode bits of `XDP_FLAGS_*`.

/// Where the kernel runs an XDP program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum XdpMode {
    /// Let the kernel choose: native when the driver supports it, else generic.
    #[default]
    Auto,
    /// Generic XDP (`XDP_FLAGS_SKB_MODE`): after the skb is built; works on every device.
    Skb,
    /// Native XDP (`XDP_FLAGS_DRV_MODE`): in the driver, before any allocation.
    Driver,
    /// Offloaded XDP (`XDP_FLAGS_HW_MODE`): on the NIC itself.
    Hardware,
}

impl XdpMode {
    /// The mode bits of `XDP_FLAGS_*`.
    pub(crate) fn flags(self) -> u32 {
        match self {
            XdpMode::Auto => 0,
            XdpMode::Skb => 1 << 1,
            XdpMode::Driver => 1 << 2,
            XdpMode::Hardware => 1 << 3,
        }
    }

    /// The name used by `ip link` and bpftool: `auto`, `skb`, `drv`, `hw`.
    pub fn name(self) -> &'static str {
        match self {
            XdpMode::Auto => "auto",
            XdpMode::Skb => "skb",
            XdpMode::Driver => "drv",
            XdpMode::Hardware => "hw",
        }
    }

    /// The mode named `name` (`auto`, `skb`/`generic`, `drv`/`native`, `hw`/`offload`).
    pub fn from_name(name: &str) -> Option<XdpMode> {
        Some(match name {
            "auto" => XdpMode::Auto,
            "skb" | "generic" => XdpMode::Skb,
            "drv" | "native" | "driver" => XdpMode::Driver,
            "hw" | "offload" | "hardware" => XdpMode::Hardware,
            _ => return None,
        })
    }
}

impl std::fmt::Display for XdpMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
