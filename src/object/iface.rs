//! Network interfaces by name or index.

use std::ffi::CString;
use std::fmt;

use crate::error::{Error, Result};
use crate::sys;

/// A network interface, by name (`"eth0"`) or by index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Interface {
    /// By name.
    Name(String),
    /// By index.
    Index(u32),
}

impl Interface {
    /// The interface's index, looked up by name if needed. A name that no
    /// interface has is [`Error::NoSuchInterface`].
    pub fn index(&self) -> Result<u32> {
        match self {
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
            Interface::Name(name) => Ok(name.clone()),
            Interface::Index(i) => sys::net::if_indextoname(*i)
                .ok_or_else(|| Error::NoSuchInterface { name: format!("index {i}") }),
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Name(name) => f.write_str(name),
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
