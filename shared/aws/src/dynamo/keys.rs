//! The table's keys: every item's partition and sort key, tenant first.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | connection | `T#{tenant}#C#{connectionId}` | `CONN` |
//! | room | `T#{tenant}#R#{room}` | `META` |
//! | membership | `T#{tenant}#R#{room}` | `MEMBER#{connectionId}` |
//! | message | `T#{tenant}#R#{room}` | `MSG#{messageId}` |
//! | public-message number | `T#{tenant}#R#{room}` | `SEQ` |
//! | idempotency key | `T#{tenant}#R#{room}` | `CMID#{userId}#{clientMsgId}` |
//! | reaction | `T#{tenant}#R#{room}` | `RX#{messageId}#{emoji}#{userId}` |
//! | rate counter | `T#{tenant}#R#{room}` | `RL#{userId}#{windowStart}` |
//! | report | `T#{tenant}#R#{room}` | `REPORT#{messageId}#{userId}` |
//! | slow-mode slot | `T#{tenant}#R#{room}` | `SLOW#{userId}` |
//! | poll (and its tally) | `T#{tenant}#R#{room}` | `POLL#{pollId}` |
//! | vote | `T#{tenant}#R#{room}` | `VOTE#{pollId}#{userId}` |
//! | poll's last result update | `T#{tenant}#R#{room}` | `POLLSLOT#{pollId}` |
//! | user profile | `T#{tenant}#U#{userId}` | `PROFILE` |
//! | user's connection | `T#{tenant}#U#{userId}` | `CONN#{connectionId}` |
//! | sanction | `T#{tenant}#U#{userId}` | `SANCTION#{kind}#TENANT` or `SANCTION#{kind}#R#{room}` |
//! | violation counter | `T#{tenant}#U#{userId}` | `VIOL#{windowStart}` |
//! | recent messages | `T#{tenant}#U#{userId}` | `RECENT` |
//! | decision (audit) | `T#{tenant}#MODLOG` | `D#{decisionId}` |
//! | review item | `T#{tenant}#REVIEW` | `ITEM#{messageId}` |
//! | pseudonym | `T#{tenant}#U#{userId}` | `PSEUDO` |
//! | pseudonym's user | `T#{tenant}#P#{pseudonym}` | `USER` |
//! | erasure mark | `T#{tenant}#U#{userId}` | `ERASING` |
//! | erasure request | `T#{tenant}#ERASURE` | `REQ#{requestId}` |
//! | erasure's completion note | `T#{tenant}#ERASURE` | `DONE#{requestId}` |
//! | receipt chain head | `T#{tenant}#ERASURE` | `HEAD` |
//! | erasure ledger | `T#{tenant}#ERASED` | `H#{keyed hash}` |
//! | erasures due | `ERASURES` | `{tenant}#{requestId}` |
//! | tenant secret | `T#{tenant}#CONFIG` | `SECRET` |
//! | seen event | `T#{tenant}#EVT#{consumer}#{eventId}` | `SEEN` |
//! | post budget (deployment-wide; `gateway::TableBudget`) | `POSTBUDGET#{second}#{shard}` | `BUDGET` |
//! | a big room's last presence count (expires after an hour) | `PRESENCE#{tenant}#R#{room}` | `COUNT` |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use sideline_domain::ids::{ConnectionId, DecisionId, RoomId, TenantId, UserId};
use sideline_domain::message::{Emoji, MessageId};
use sideline_domain::moderation::{SanctionKind, Scope};
use sideline_domain::poll::PollId;

use super::codec::s;
use super::Item;

/// A key item.
pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

pub fn connection(tenant: &TenantId, id: &ConnectionId) -> Item {
    key(format!("T#{tenant}#C#{id}"), "CONN")
}

pub fn room_pk(tenant: &TenantId, room: &RoomId) -> String {
    format!("T#{tenant}#R#{room}")
}

pub fn room_meta(tenant: &TenantId, room: &RoomId) -> Item {
    key(room_pk(tenant, room), "META")
}

pub fn member(tenant: &TenantId, room: &RoomId, id: &ConnectionId) -> Item {
    key(room_pk(tenant, room), format!("MEMBER#{id}"))
}

pub fn room_seq(tenant: &TenantId, room: &RoomId) -> Item {
    key(room_pk(tenant, room), "SEQ")
}

/// Under a prefix of its own, so `ws-disconnect` may write it and nothing else of
/// the tenant's.
pub fn room_presence(tenant: &TenantId, room: &RoomId) -> Item {
    key(format!("PRESENCE#{tenant}#R#{room}"), "COUNT")
}

pub fn message(tenant: &TenantId, room: &RoomId, id: &MessageId) -> Item {
    key(room_pk(tenant, room), format!("MSG#{id}"))
}

pub fn client_msg_id(tenant: &TenantId, room: &RoomId, user: &UserId, client_id: &str) -> Item {
    key(room_pk(tenant, room), format!("CMID#{user}#{client_id}"))
}

pub fn reaction(
    tenant: &TenantId,
    room: &RoomId,
    message: &MessageId,
    emoji: &Emoji,
    user: &UserId,
) -> Item {
    key(
        room_pk(tenant, room),
        format!("RX#{message}#{}#{user}", emoji.as_str()),
    )
}

pub fn send_counter(tenant: &TenantId, room: &RoomId, user: &UserId, window_start_ms: i64) -> Item {
    key(
        room_pk(tenant, room),
        format!("RL#{user}#{window_start_ms}"),
    )
}

pub fn report(tenant: &TenantId, room: &RoomId, message: &MessageId, reporter: &UserId) -> Item {
    key(
        room_pk(tenant, room),
        format!("REPORT#{message}#{reporter}"),
    )
}

pub fn slow_slot(tenant: &TenantId, room: &RoomId, user: &UserId) -> Item {
    key(room_pk(tenant, room), format!("SLOW#{user}"))
}

pub fn poll(tenant: &TenantId, room: &RoomId, id: &PollId) -> Item {
    key(room_pk(tenant, room), format!("POLL#{id}"))
}

pub fn poll_slot(tenant: &TenantId, room: &RoomId, id: &PollId) -> Item {
    key(room_pk(tenant, room), format!("POLLSLOT#{id}"))
}

pub fn vote(tenant: &TenantId, room: &RoomId, poll: &PollId, user: &UserId) -> Item {
    key(room_pk(tenant, room), format!("VOTE#{poll}#{user}"))
}

pub fn user_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("T#{tenant}#U#{user}")
}

pub fn profile(tenant: &TenantId, user: &UserId) -> Item {
    key(user_pk(tenant, user), "PROFILE")
}

pub fn user_connection(tenant: &TenantId, user: &UserId, id: &ConnectionId) -> Item {
    key(user_pk(tenant, user), format!("CONN#{id}"))
}

pub fn sanction(tenant: &TenantId, user: &UserId, kind: SanctionKind, scope: &Scope) -> Item {
    let sk = match scope {
        Scope::Tenant => format!("SANCTION#{}#TENANT", kind.as_str()),
        Scope::Room(room) => format!("SANCTION#{}#R#{room}", kind.as_str()),
    };
    key(user_pk(tenant, user), sk)
}

pub fn violations_sk(window_start_ms: i64) -> String {
    format!("VIOL#{window_start_ms}")
}

pub fn violations(tenant: &TenantId, user: &UserId, window_start_ms: i64) -> Item {
    key(user_pk(tenant, user), violations_sk(window_start_ms))
}

pub fn recent(tenant: &TenantId, user: &UserId) -> Item {
    key(user_pk(tenant, user), "RECENT")
}

pub fn decision(tenant: &TenantId, id: &DecisionId) -> Item {
    key(format!("T#{tenant}#MODLOG"), format!("D#{id}"))
}

pub fn review_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#REVIEW")
}

pub fn review(tenant: &TenantId, message: &MessageId) -> Item {
    key(review_pk(tenant), format!("ITEM#{message}"))
}

pub fn seen(tenant: &TenantId, consumer: &str, event_id: &str) -> Item {
    key(format!("T#{tenant}#EVT#{consumer}#{event_id}"), "SEEN")
}

/// An item's identity as event ids derive from it: `PK`, a unit separator, `SK`.
pub fn item_key(item: &Item) -> Option<String> {
    match (item.get("PK"), item.get("SK")) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
            Some(format!("{pk}\u{1f}{sk}"))
        }
        _ => None,
    }
}

pub fn erasing(tenant: &TenantId, user: &UserId) -> Item {
    key(user_pk(tenant, user), "ERASING")
}

pub fn erasure_request(tenant: &TenantId, id: &str) -> Item {
    key(format!("T#{tenant}#ERASURE"), format!("REQ#{id}"))
}

pub fn receipt_head(tenant: &TenantId) -> Item {
    key(format!("T#{tenant}#ERASURE"), "HEAD")
}

pub fn ledger(tenant: &TenantId, subject: &str) -> Item {
    key(format!("T#{tenant}#ERASED"), format!("H#{subject}"))
}

pub fn erasure_due(tenant: &TenantId, id: &str) -> Item {
    key("ERASURES".to_owned(), format!("{tenant}#{id}"))
}

pub fn tenant_secret(tenant: &TenantId) -> Item {
    key(format!("T#{tenant}#CONFIG"), "SECRET")
}

pub fn score_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("T#{tenant}#S#{user}")
}

pub fn pseudonym(tenant: &TenantId, user: &UserId) -> Item {
    key(user_pk(tenant, user), "PSEUDO")
}

pub fn pseudonym_user(tenant: &TenantId, pseudonym: &str) -> Item {
    key(format!("T#{tenant}#P#{pseudonym}"), "USER")
}

pub fn erasure_done(tenant: &TenantId, id: &str) -> Item {
    key(format!("T#{tenant}#ERASURE"), format!("DONE#{id}"))
}
