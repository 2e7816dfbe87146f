//! Who counts as one actor: an account, an ip, a network prefix, a user
//! agent, a session, or a `+` combination. A leaf of the model: the config
//! validates with it and the batch builder keys events by it.

use crate::error::{Error, Result};

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
