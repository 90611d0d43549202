//! Validated identifiers, and time-ordered ids made from a given time.
//!
//! Every id that reaches storage keys is checked here: `#` is the storage key
//! separator, so no id may contain it.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::{Builder, NoContext, Timestamp, Uuid};

/// Namespace for canonical user ids (UUIDv5). Changing it would split every user.
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x5d1d_e11e_0c0a_4b1e_9e3a_51de_11ee_c0de);

/// Namespace of derived ids (UUIDv5): event ids, and decisions a retry must find
/// again. Changing it would break deduplication.
const DERIVED_NAMESPACE: Uuid = Uuid::from_u128(0x5d1d_e11e_e7e0_4a11_8c0d_e7e2_75ca_7a10);

/// A deterministic id (UUIDv5) for a name that identifies one occurrence.
pub fn derived_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&DERIVED_NAMESPACE, name.as_bytes())
}

/// Longest tenant id accepted.
pub const MAX_TENANT_LEN: usize = 64;
/// Longest room id accepted.
pub const MAX_ROOM_LEN: usize = 128;
/// Longest connection id accepted (API Gateway's are 16 characters).
pub const MAX_CONNECTION_ID_LEN: usize = 128;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} may only contain letters, digits and {allowed}")]
    BadCharacter {
        what: &'static str,
        allowed: &'static str,
    },
}

/// A tenant: one host product deployment. Every stored key starts with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "tenant";
        if raw.is_empty() {
            return Err(IdError::Empty { what });
        }
        if raw.chars().count() > MAX_TENANT_LEN {
            return Err(IdError::TooLong {
                what,
                max: MAX_TENANT_LEN,
            });
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(IdError::BadCharacter {
                what,
                allowed: "'-', '_', '.'",
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The canonical user id: `u_` and 32 hex digits, derived from (tenant, host user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct UserId(String);

impl UserId {
    /// Derives the canonical id. The separator cannot occur in a tenant id, so
    /// distinct (tenant, sub) pairs never collide by concatenation.
    pub fn derive(tenant: &TenantId, host_user_id: &str) -> Self {
        let mut input = Vec::with_capacity(tenant.0.len() + 1 + host_user_id.len());
        input.extend_from_slice(tenant.0.as_bytes());
        input.push(0x1f);
        input.extend_from_slice(host_user_id.as_bytes());
        Self(format!(
            "u_{}",
            Uuid::new_v5(&USER_NAMESPACE, &input).simple()
        ))
    }

    /// Accepts an id produced by [`UserId::derive`], e.g. read back from storage.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "user id";
        let hex = raw.strip_prefix("u_").ok_or(IdError::BadCharacter {
            what,
            allowed: "a 'u_' prefix",
        })?;
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(IdError::BadCharacter {
                what,
                allowed: "32 hex digits after 'u_'",
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room, named by the host after the object on screen (`match:123`, `report:q3`).
/// Always scoped to a tenant by the keys that store it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct RoomId(String);

impl RoomId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "room";
        if raw.is_empty() {
            return Err(IdError::Empty { what });
        }
        if raw.len() > MAX_ROOM_LEN {
            return Err(IdError::TooLong {
                what,
                max: MAX_ROOM_LEN,
            });
        }
        // '#' is the key separator in storage, so it is not allowed here.
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | '@' | '/'))
        {
            return Err(IdError::BadCharacter {
                what,
                allowed: "':', '-', '_', '.', '@', '/'",
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An API Gateway connection id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct ConnectionId(String);

impl ConnectionId {
    /// API Gateway ids are short printable ASCII; '#' is refused because it is the
    /// storage key separator.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty()
            && raw.len() <= MAX_CONNECTION_ID_LEN
            && raw.bytes().all(|b| b.is_ascii_graphic() && b != b'#'))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = IdError;

    fn try_from(raw: String) -> Result<Self, IdError> {
        Self::parse(&raw).ok_or(IdError::BadCharacter {
            what: "connection id",
            allowed: "printable ASCII other than '#'",
        })
    }
}

/// The id of a moderation decision: UUIDv7 made at the decision's time, so a
/// tenant's decision record sorts by time; or derived (UUIDv5) from what makes a
/// decision unique, so a retried request finds its decision already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionId(Uuid);

impl DecisionId {
    /// A new id for a decision made at `at_ms`.
    pub fn at(at_ms: i64) -> Self {
        Self(v7_at(at_ms))
    }

    /// The id of the one decision `name` identifies.
    pub fn derived(name: &str) -> Self {
        Self(derived_uuid(name))
    }

    pub fn parse(raw: &str) -> Result<Self, IdError> {
        Uuid::try_parse(raw)
            .map(Self)
            .map_err(|_| IdError::BadCharacter {
                what: "decision id",
                allowed: "a UUID's hex digits and '-'",
            })
    }
}

/// The counters that order the ids made within each recent millisecond (a few,
/// since tests and devstack make ids for several times at once).
static V7: Mutex<Counters> = Mutex::new(Counters {
    by_ms: BTreeMap::new(),
    order: VecDeque::new(),
});

/// Each kept millisecond's last counter, and the order they were first used in
/// (the least recently started goes first, whatever its time).
struct Counters {
    by_ms: BTreeMap<u64, u64>,
    order: VecDeque<u64>,
}

/// Milliseconds whose counters are kept; the oldest goes first.
const KEPT_MS: usize = 256;

/// Bits of the counter that orders ids within one millisecond (UUIDv7's `rand_a`
/// and the top of `rand_b`); the rest of `rand_b` is random.
const COUNTER_BITS: u32 = 42;

/// A UUIDv7 stamped with exactly `at_ms` (clamped to the epoch) rather than the
/// machine's clock, so ids follow the injected clock and the time an id carries is
/// the time it was made for (retention reads it). Ids made for the same
/// millisecond increase in the order they are made: each millisecond's counter
/// starts at a random value in the lower half of its range and counts up.
pub fn v7_at(at_ms: i64) -> Uuid {
    let ms = u64::try_from(at_ms).unwrap_or(0);
    // 74 random bits, from the uuid crate's own generator.
    let random = Uuid::new_v7(Timestamp::from_unix(NoContext, 0, 0)).into_bytes();
    let counter = {
        let mut counters = V7.lock().unwrap_or_else(|e| e.into_inner());
        let counter = match counters.by_ms.get(&ms) {
            Some(last) => last.wrapping_add(1),
            None => {
                let mut start = [0u8; 8];
                start[2..8].copy_from_slice(&random[6..12]);
                u64::from_be_bytes(start) & ((1 << (COUNTER_BITS - 1)) - 1)
            }
        };
        if counters.by_ms.insert(ms, counter).is_none() {
            counters.order.push_back(ms);
            if counters.order.len() > KEPT_MS {
                if let Some(oldest) = counters.order.pop_front() {
                    counters.by_ms.remove(&oldest);
                }
            }
        }
        counter & ((1 << COUNTER_BITS) - 1)
    };
    let mut bytes = [0u8; 10];
    bytes[0] = ((counter >> 38) & 0x0f) as u8; // rand_a, under the version
    bytes[1] = ((counter >> 30) & 0xff) as u8;
    bytes[2] = ((counter >> 24) & 0x3f) as u8; // rand_b, under the variant
    bytes[3] = (counter >> 16) as u8;
    bytes[4] = (counter >> 8) as u8;
    bytes[5] = counter as u8;
    bytes[6..10].copy_from_slice(&random[12..16]);
    Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
}

macro_rules! string_id {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    )*};
}

string_id!(TenantId, UserId, RoomId, ConnectionId);

macro_rules! parsed_from_string {
    ($($name:ident),*) => {$(
        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(raw: String) -> Result<Self, IdError> {
                Self::parse(&raw)
            }
        }
    )*};
}

parsed_from_string!(TenantId, UserId, RoomId);

impl fmt::Display for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_id_is_deterministic_and_tenant_scoped() {
        let a = TenantId::parse("acme").unwrap();
        let b = TenantId::parse("globex").unwrap();
        assert_eq!(UserId::derive(&a, "42"), UserId::derive(&a, "42"));
        assert_ne!(UserId::derive(&a, "42"), UserId::derive(&b, "42"));
        assert_ne!(UserId::derive(&a, "42"), UserId::derive(&a, "43"));
        let id = UserId::derive(&a, "42");
        assert_eq!(UserId::parse(id.as_str()).unwrap(), id);
    }

    #[test]
    fn concatenation_does_not_collide() {
        let a = TenantId::parse("ab").unwrap();
        let b = TenantId::parse("a").unwrap();
        assert_ne!(UserId::derive(&a, "c"), UserId::derive(&b, "bc"));
    }

    #[test]
    fn tenant_ids_are_validated() {
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse("a#b").is_err());
        assert!(TenantId::parse(&"x".repeat(65)).is_err());
        assert!(TenantId::parse("acme-prod_1.eu").is_ok());
    }

    #[test]
    fn room_ids_are_validated() {
        assert!(RoomId::parse("match:123").is_ok());
        assert!(RoomId::parse("report:q3/eu@2026.v1").is_ok());
        assert!(RoomId::parse("").is_err());
        assert!(RoomId::parse("a#b").is_err());
        assert!(RoomId::parse("with space").is_err());
        assert!(RoomId::parse(&"r".repeat(129)).is_err());
    }

    #[test]
    fn ids_carry_the_given_time_and_keep_order_within_a_millisecond() {
        let early = v7_at(1_800_000_000_000);
        let same_ms = v7_at(1_800_000_000_000);
        let later = v7_at(1_800_000_000_001);
        assert!(early < same_ms, "ordered within one millisecond");
        assert!(same_ms < later);
        let (secs, _) = early.get_timestamp().expect("v7").to_unix();
        assert_eq!(secs, 1_800_000_000);
        // A clock that steps back yields an id of the time it was given.
        let back = v7_at(1_700_000_000_000);
        assert!(back < early);
        let (secs, _) = back.get_timestamp().expect("v7").to_unix();
        assert_eq!(secs, 1_700_000_000);
        // Ids of one millisecond made between others' still increase.
        let mut last = v7_at(1_800_000_000_500);
        for i in 0..100 {
            v7_at(1_800_000_100_000 + i);
            let next = v7_at(1_800_000_000_500);
            assert!(next > last);
            last = next;
        }
        assert!(DecisionId::at(0) != DecisionId::at(0));
    }

    proptest! {
        /// Whatever the input, parsing never panics; what parses is what was given,
        /// holds no key separator, and reads back the same through serde.
        #[test]
        fn id_parsers_accept_exactly_valid_ids(raw in "\\PC{0,150}") {
            if let Ok(t) = TenantId::parse(&raw) {
                prop_assert_eq!(t.as_str(), raw.as_str());
                prop_assert!(!raw.contains('#') && !raw.is_empty() && raw.chars().count() <= MAX_TENANT_LEN);
                let back: TenantId = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
                prop_assert_eq!(back, t);
            }
            if let Ok(r) = RoomId::parse(&raw) {
                prop_assert!(!raw.contains('#') && !raw.contains(' ') && raw.len() <= MAX_ROOM_LEN);
                let back: RoomId = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
                prop_assert_eq!(back, r);
            }
            if let Some(c) = ConnectionId::parse(&raw) {
                prop_assert!(raw.is_ascii() && !raw.contains('#') && !raw.contains(' '));
                prop_assert_eq!(c.as_str(), raw.as_str());
            }
            prop_assert!(UserId::parse(&raw).is_err() || raw.len() == 34);
            let _ = DecisionId::parse(&raw);
        }

        #[test]
        fn derived_user_ids_always_parse(tenant in "[a-z0-9._-]{1,64}", sub in "\\PC{1,40}") {
            let tenant = TenantId::parse(&tenant).unwrap();
            let id = UserId::derive(&tenant, &sub);
            prop_assert_eq!(UserId::parse(id.as_str()).unwrap(), id);
        }
    }
}
