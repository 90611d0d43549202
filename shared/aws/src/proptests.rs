//! Property tests of the item codec and the stream's records: whatever a store
//! writes reads back as it was, through an item and through a stream record.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use proptest::prelude::*;
use sideline_domain::connection::Member;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, DecisionId, RoomId, TenantId, UserId};
use sideline_domain::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, Reaction, StoredMessage, Visibility,
};
use sideline_domain::moderation::{Decision, DecisionKind, Report, Stage};
use sideline_domain::outbox::{Change, ChangeKind, Stored};

use crate::dynamo::codec::{item_of, stored_from};
use crate::stream::{decode, encode};

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Viewer),
        Just(Role::Member),
        Just(Role::Speaker),
        Just(Role::Moderator),
        Just(Role::Admin)
    ]
}

fn visibility() -> impl Strategy<Value = Visibility> {
    prop_oneof![
        Just(Visibility::Public),
        Just(Visibility::Shadowed),
        Just(Visibility::Held),
        Just(Visibility::Removed)
    ]
}

prop_compose! {
    fn ids()(tenant in "[a-z0-9._-]{1,20}", room in "[a-z0-9:_./@-]{1,30}", sub in "\\PC{1,20}")
        -> (TenantId, RoomId, UserId) {
        let tenant = TenantId::parse(&tenant).unwrap();
        let user = UserId::derive(&tenant, &sub);
        (tenant, RoomId::parse(&room).unwrap(), user)
    }
}

prop_compose! {
    fn message()((tenant, room, user) in ids(), name in "\\PC{0,30}", role in role(),
        text in "[^\\p{Cc}]{1,80}", at in 0i64..4_000_000_000_000, reply in any::<bool>(),
        client in "[!-\"$-~]{1,64}", correlation in proptest::option::of("[a-z0-9-]{1,20}"),
        reactions in proptest::collection::btree_map("[a-z:]{1,8}", 1u64..1000, 0..4),
        visibility in visibility())
        -> StoredMessage {
        StoredMessage {
            tenant, room,
            id: MessageId::at(at),
            author: Author {
                id: user,
                name,
                role,
                tier: sideline_domain::scoring::Tier::None,
            },
            text: MessageText::from_stored(text),
            created_at_ms: at,
            reply_to: reply.then(|| MessageId::at(at)),
            client_msg_id: ClientMsgId::parse(&client).unwrap(),
            correlation_id: correlation,
            reactions,
            visibility,
            seq: None,
            batched: false,
        }
    }
}

prop_compose! {
    fn decision()((tenant, room, user) in ids(), at in 0i64..4_000_000_000_000,
        human in any::<bool>(), reason in proptest::option::of("\\PC{0,40}"),
        categories in proptest::collection::vec("[a-z.]{1,12}", 0..4),
        score in 0u16..=1000, duration in proptest::option::of(0i64..1_000_000),
        enforced in any::<bool>())
        -> Decision {
        let mut d = if human {
            Decision::human(&tenant, DecisionKind::UserMuted, &user, Role::Moderator, at)
        } else {
            Decision::automatic(&tenant, DecisionKind::MessageHeld, Stage::Inline, at)
        };
        d.id = DecisionId::at(at);
        d.room = Some(room);
        d.subject = Some(user);
        d.message = Some(MessageId::at(at));
        d.reason = reason;
        d.categories = categories;
        // Scores are kept to three decimals.
        d.scores = BTreeMap::from([("toxicity".to_owned(), f32::from(score) / 1000.0)]);
        d.duration_s = duration;
        d.enforced = enforced;
        d
    }
}

fn stored() -> impl Strategy<Value = Stored> {
    prop_oneof![
        message().prop_map(Stored::Message),
        decision().prop_map(Stored::Decision),
        (ids(), "[!-\"$-~]{1,40}", role(), 0i64..4_000_000_000_000).prop_map(
            |((tenant, room, user), conn, role, at)| Stored::Member {
                tenant,
                room,
                member: Member {
                    connection_id: ConnectionId::parse(&conn).unwrap(),
                    user,
                    name: "n".into(),
                    role,
                    joined_at_ms: at,
                    expires_at_s: at / 1000 + 7800,
                    correlation_id: Some("join".into()),
                    tier: sideline_domain::scoring::Tier::None,
                },
            }
        ),
        (
            ids(),
            "[a-z:]{1,8}",
            role(),
            0i64..4_000_000_000_000,
            any::<bool>()
        )
            .prop_map(
                |((tenant, room, user), emoji, role, at, batched)| Stored::Reaction(Reaction {
                    tenant,
                    room,
                    message: MessageId::at(at),
                    emoji: Emoji::parse(&emoji).unwrap(),
                    user,
                    role,
                    at_ms: at,
                    correlation_id: None,
                    batched,
                })
            ),
        (ids(), "\\PC{1,40}", role(), 0i64..4_000_000_000_000).prop_map(
            |((tenant, room, user), reason, role, at)| Stored::Report(Report {
                tenant: tenant.clone(),
                room,
                message: MessageId::at(at),
                author: UserId::derive(&tenant, "author"),
                reporter: user,
                reporter_role: role,
                reason,
                at_ms: at,
                correlation_id: Some("r".into()),
            })
        ),
    ]
}

fn rounded(stored: Stored) -> Stored {
    match stored {
        Stored::Decision(mut d) => {
            for score in d.scores.values_mut() {
                *score = format!("{score:.3}").parse().unwrap();
            }
            Stored::Decision(d)
        }
        other => other,
    }
}

proptest! {
    #[test]
    fn records_read_back_as_written(record in stored()) {
        let item = item_of(&record).expect("an item");
        prop_assert_eq!(stored_from(&item).expect("decodes"), rounded(record));
    }

    #[test]
    fn changes_survive_the_stream(old in stored(), new in stored(), kind in 0u8..3, at_s in 0u32..4_000_000) {
        // A removal of an item whose `ttl` had passed is an expiry (retention
        // sweeping a lapsed membership); anything else is not.
        let lapsed = kind == 2
            && item_of(&old)
                .and_then(|item| match item.get("ttl") {
                    Some(AttributeValue::N(ttl)) => ttl.parse::<f64>().ok(),
                    _ => None,
                })
                .is_some_and(|ttl| ttl <= f64::from(at_s));
        let change = match kind {
            0 => Change::insert(new),
            1 => Change::modify(old, new),
            _ => Change::remove(old),
        };
        let record = encode(&change, 7, f64::from(at_s)).expect("a record");
        // Through the JSON Lambda delivers, too.
        let json = serde_json::to_string(&record).unwrap();
        let back = decode(&serde_json::from_str(&json).unwrap()).expect("decodes").expect("a change");
        prop_assert_eq!(back.change.kind, change.kind);
        prop_assert_eq!(back.change.new, change.new.map(rounded));
        prop_assert_eq!(back.change.old, change.old.map(rounded));
        prop_assert_eq!(back.at_ms, Some(i64::from(at_s) * 1000));
        prop_assert_eq!(back.expired, lapsed);
        prop_assert!(matches!(back.change.kind, ChangeKind::Insert | ChangeKind::Modify | ChangeKind::Remove));
    }
}

/// Only the image an event is made from must be readable: an edit whose old image
/// is damaged still decodes (its old text unknown), and an unknown change is none.
#[test]
fn the_other_image_of_a_change_may_be_unreadable() {
    let (tenant, room, user) = (
        TenantId::parse("acme").unwrap(),
        RoomId::parse("r").unwrap(),
        UserId::derive(&TenantId::parse("acme").unwrap(), "ada"),
    );
    let message = StoredMessage {
        tenant,
        room,
        id: MessageId::at(1_800_000_000_000),
        author: Author {
            id: user,
            name: "Ada".into(),
            role: Role::Member,
            tier: sideline_domain::scoring::Tier::None,
        },
        text: MessageText::from_stored("hello".into()),
        created_at_ms: 1_800_000_000_000,
        reply_to: None,
        client_msg_id: ClientMsgId::parse("c1").unwrap(),
        correlation_id: None,
        reactions: BTreeMap::new(),
        visibility: Visibility::Public,
        seq: None,
        batched: false,
    };
    let change = Change::modify(
        Stored::Message(message.clone()),
        Stored::Message(message.clone()),
    );
    let mut record = encode(&change, 1, 1.0).expect("a record");
    if let Some(old) = record.dynamodb.old_image.as_mut() {
        old.remove("authorId");
    }
    let decoded = decode(&record).expect("decodes").expect("a change");
    assert_eq!(decoded.change.new, Some(Stored::Message(message)));
    assert_eq!(decoded.change.old, None);
    record.event_name = "SNAPSHOT".into();
    assert!(decode(&record).expect("no error").is_none());
    // The image the event is made from must be readable.
    record.event_name = "MODIFY".into();
    if let Some(new) = record.dynamodb.new_image.as_mut() {
        new.remove("authorId");
    }
    assert!(decode(&record).is_err());
}
