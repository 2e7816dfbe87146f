//! Who counts as one actor: an account, an ip, a network prefix, a user
//! agent, a session, or a `+` combination. A leaf of the model: the config
//! validates with it and the batch builder keys events by it.

use crate::error::{Error, Result};
use std::net::IpAddr;

/// One part of an identity key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The account (falls back to the ip when absent).
    Account,
    /// The ip address.
    Ip,
    /// The ip's network prefix of this many bits (IPv6 uses /64 when N <= 32).
    IpPrefix(u8),
    /// The user agent.
    UserAgent,
    /// The session.
    Session,
}

/// What counts as one actor: one or more parts joined by `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySpec {
    parts: Vec<Part>,
}

impl IdentitySpec {
    /// Parses `account`, `ip`, `ip/24`, `user_agent`, `session` or a `+`
    /// combination.
    pub fn parse(spec: &str) -> Result<IdentitySpec> {
        let mut parts = Vec::new();
        for word in spec.split('+').map(str::trim) {
            let part = match word {
                "account" => Part::Account,
                "ip" => Part::Ip,
                "user_agent" | "ua" => Part::UserAgent,
                "session" => Part::Session,
                w => match w.strip_prefix("ip/").and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=128).contains(&n) => Part::IpPrefix(n),
                    _ => {
                        return Err(Error::config(format!(
                        "identity: `{word}` is not one of account, ip, ip/N, user_agent, session"
                    )))
                    }
                },
            };
            parts.push(part);
        }
        Ok(IdentitySpec { parts })
    }

    /// The parts, in the order they were written.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }
}

/// An address block of `input.trusted_proxies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network, IPv4 as its 32 bits.
    net: u128,
    bits: u8,
    v4: bool,
}

impl Cidr {
    /// `10.0.0.0/8`, `2001:db8::/32`, or one address.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = match text.trim().split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let (value, v4, max) = match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => (u32::from(a) as u128, true, 32),
            IpAddr::V6(a) => (u128::from(a), false, 128),
        };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return None;
        }
        Some(Cidr {
            net: value & mask(bits, max),
            bits,
            v4,
        })
    }

    /// Whether `ip` is in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) if self.v4 => (u32::from(a) as u128) & mask(self.bits, 32) == self.net,
            IpAddr::V6(a) if !self.v4 => u128::from(a) & mask(self.bits, 128) == self.net,
            _ => false,
        }
    }
}

/// The mask of the first `bits` of a `max`-bit address.
fn mask(bits: u8, max: u8) -> u128 {
    let all = u128::MAX >> (128 - max as u32);
    all & !all.checked_shr(bits as u32).unwrap_or(0)
}
