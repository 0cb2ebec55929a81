//! Network interfaces by name or index.

use std::ffi::CString;
use std::fmt;

use crate::error::{Error, Result};
use crate::sys;

/// A network interface, by name (`"eth0"`), by index, or both
/// ([`resolve`](Interface::resolve)d once).
///
/// A name is looked up (a socket, an `ioctl` and a close) each time an
/// attach or query needs the index; code that attaches and detaches often
/// resolves the name once and passes the [`Resolved`](Interface::Resolved)
/// interface, which costs nothing more.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Interface {
    /// By name.
    Name(String),
    /// By index.
    Index(u32),
    /// Both, as [`resolve`](Interface::resolve) found them.
    Resolved {
        /// The name.
        name: String,
        /// Its index when it was resolved.
        index: u32,
    },
}

impl Interface {
    /// Looks `name` up once: the result carries the index, and names the
    /// interface in errors without further lookups.
    ///
    /// ```no_run
    /// use bpfkit::link::Interface;
    /// let lo = Interface::resolve("lo")?;
    /// assert_eq!(lo.index()?, 1);
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    pub fn resolve(name: &str) -> Result<Interface> {
        let index = Interface::Name(name.to_string()).index()?;
        Ok(Interface::Resolved { name: name.to_string(), index })
    }

    /// The interface's index, looked up by name if needed. A name that no
    /// interface has is [`Error::NoSuchInterface`].
    pub fn index(&self) -> Result<u32> {
        match self {
            Interface::Resolved { index, .. } => Ok(*index),
            Interface::Index(i) => match sys::net::if_indextoname(*i) {
                Some(_) => Ok(*i),
                None => Err(Error::NoSuchInterface { name: format!("index {i}") }),
            },
            Interface::Name(name) => {
                let c = CString::new(name.as_str())
                    .map_err(|_| Error::NoSuchInterface { name: name.clone() })?;
                sys::net::if_nametoindex(&c)
                    .ok_or_else(|| Error::NoSuchInterface { name: name.clone() })
            }
        }
    }

    /// The interface's name, looked up by index if needed.
    pub fn name(&self) -> Result<String> {
        match self {
            Interface::Name(name) | Interface::Resolved { name, .. } => Ok(name.clone()),
            Interface::Index(i) => sys::net::if_indextoname(*i)
                .ok_or_else(|| Error::NoSuchInterface { name: format!("index {i}") }),
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Name(name) | Interface::Resolved { name, .. } => f.write_str(name),
            Interface::Index(i) => match sys::net::if_indextoname(*i) {
                Some(name) => f.write_str(&name),
                None => write!(f, "index {i}"),
            },
        }
    }
}

impl From<&str> for Interface {
    fn from(name: &str) -> Interface {
        Interface::Name(name.to_string())
    }
}

impl From<String> for Interface {
    fn from(name: String) -> Interface {
        Interface::Name(name)
    }
}

impl From<u32> for Interface {
    fn from(index: u32) -> Interface {
        Interface::Index(index)
    }
}
