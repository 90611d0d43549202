//! The contract of messages, visibility and reactions.

use super::*;

pub async fn messages_are_idempotent_per_author_and_client_id<
    S: ConnectionRegistry + RoomStore + MessageStore,
>(
    store: &S,
) {
    let t = fresh_tenant("idem");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let first = message(&t, &r, &a, "c1", "hello");
    assert_eq!(
        store.put_message(&first).await.expect("put"),
        PutMessage::Created
    );
    let retry = message(&t, &r, &a, "c1", "hello");
    assert_eq!(
        store.put_message(&retry).await.expect("retry"),
        PutMessage::Duplicate { existing: first.id }
    );
    // The same client id from someone else, or in another room, is a new message.
    assert_eq!(
        store
            .put_message(&message(&t, &r, &b, "c1", "hi"))
            .await
            .expect("other author"),
        PutMessage::Created
    );
    assert_eq!(
        store
            .put_message(&message(&t, &room("chat2"), &a, "c1", "hi"))
            .await
            .expect("other room"),
        PutMessage::Created
    );
    assert_eq!(
        store.message(&t, &r, &first.id).await.expect("get"),
        Some(first.clone())
    );
    assert_eq!(
        store.message(&t, &r, &retry.id).await.expect("get"),
        None,
        "the retry stored nothing"
    );
    let c1 = ClientMsgId::parse("c1").expect("id");
    assert_eq!(
        store
            .stored_client_msg(&t, &r, &a.user, &c1)
            .await
            .expect("look up"),
        Some(first.id),
        "a client id names the message it was stored as"
    );
    assert_eq!(
        store
            .stored_client_msg(&t, &room("chat3"), &a.user, &c1)
            .await
            .expect("look up elsewhere"),
        None
    );
    let page = store.history(&t, &r, None, 10).await.expect("history");
    assert_eq!(page.messages.len(), 2);
}

pub async fn history_pages_newest_first<S: ConnectionRegistry + RoomStore + MessageStore>(
    store: &S,
) {
    let t = fresh_tenant("hist");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let empty = store.history(&t, &r, None, 10).await.expect("empty");
    assert!(empty.messages.is_empty() && empty.next.is_none());
    let mut ids = Vec::new();
    for i in 0..7 {
        let m = message(&t, &r, &a, &format!("c{i}"), &format!("m{i}"));
        ids.push(m.id);
        store.put_message(&m).await.expect("put");
    }
    ids.reverse(); // newest first
    let p1 = store.history(&t, &r, None, 3).await.expect("p1");
    assert_eq!(
        p1.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[0..3]
    );
    assert_eq!(p1.next, Some(ids[2]));
    let p2 = store
        .history(&t, &r, p1.next.as_ref(), 3)
        .await
        .expect("p2");
    assert_eq!(
        p2.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[3..6]
    );
    let p3 = store
        .history(&t, &r, p2.next.as_ref(), 3)
        .await
        .expect("p3");
    assert_eq!(
        p3.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[6..7]
    );
    assert_eq!(p3.next, None);
    let exact = store.history(&t, &r, None, 7).await.expect("exact");
    assert_eq!(exact.messages.len(), 7);
    assert_eq!(exact.next, None, "no next page when everything fit");
}

/// Catching up: the messages after one a client saw, oldest first, in pages.
pub async fn history_after_catches_up_oldest_first<
    S: ConnectionRegistry + RoomStore + MessageStore,
>(
    store: &S,
) {
    let t = fresh_tenant("after");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let mut ids = Vec::new();
    for i in 0..8 {
        let m = message(&t, &r, &a, &format!("c{i}"), &format!("m{i}"));
        ids.push(m.id);
        store.put_message(&m).await.expect("put");
    }
    // Seen up to the third: the five after it, in two pages.
    let p1 = store.history_after(&t, &r, &ids[2], 3).await.expect("p1");
    assert_eq!(
        p1.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[3..6]
    );
    assert_eq!(p1.next, Some(ids[5]));
    let p2 = store.history_after(&t, &r, &ids[5], 3).await.expect("p2");
    assert_eq!(
        p2.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[6..8]
    );
    assert_eq!(p2.next, None, "caught up");
    let none = store
        .history_after(&t, &r, &ids[7], 3)
        .await
        .expect("nothing after the last");
    assert!(none.messages.is_empty() && none.next.is_none());
    let elsewhere = store
        .history_after(&t, &room("other"), &ids[0], 3)
        .await
        .expect("another room");
    assert!(elsewhere.messages.is_empty());
}

pub async fn reactions_count_once_per_user<S: ConnectionRegistry + RoomStore + MessageStore>(
    store: &S,
) {
    let t = fresh_tenant("react");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let m = message(&t, &r, &a, "c1", "react to me");
    store.put_message(&m).await.expect("put");
    let fire = Emoji::parse("🔥").expect("emoji");
    let up = Emoji::parse("👍").expect("emoji");

    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, true))
        .await
        .expect("a on");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, true))
        .await
        .expect("a on again");
    assert_eq!((c.count, c.changed), (1, false));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &b.user, true))
        .await
        .expect("b on");
    assert_eq!((c.count, c.changed), (2, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &up, &b.user, true))
        .await
        .expect("b up");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, false))
        .await
        .expect("a off");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, false))
        .await
        .expect("a off again");
    assert_eq!((c.count, c.changed), (1, false));

    let stored = store
        .message(&t, &r, &m.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        stored.reactions,
        BTreeMap::from([("🔥".to_owned(), 1), ("👍".to_owned(), 1)])
    );
    let page = store.history(&t, &r, None, 5).await.expect("history");
    assert_eq!(
        page.messages[0].reactions, stored.reactions,
        "history carries counts"
    );

    let unknown = MessageId::at(NOW_MS);
    let err = store
        .set_reaction(&t, &r, &react(&unknown, &fire, &a.user, true))
        .await
        .expect_err("unknown");
    assert!(matches!(err, MessageError::NotFound), "{err:?}");
    assert!(
        store
            .message(&t, &r, &unknown)
            .await
            .expect("get")
            .is_none(),
        "nothing created"
    );
}

pub async fn held_messages_are_approved_or_rejected_once<
    S: ConnectionRegistry + RoomStore + MessageStore,
>(
    store: &S,
) {
    let t = fresh_tenant("held");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let mut held = message(&t, &r, &a, "h1", "pending text");
    held.visibility = Visibility::Held;
    store.put_message(&held).await.expect("put");
    let approved = store
        .set_visibility(&t, &r, &held.id, Visibility::Held, Visibility::Public)
        .await
        .expect("approve");
    assert_eq!(approved.visibility, Visibility::Public);
    assert_eq!(approved.text, held.text);
    let err = store
        .set_visibility(&t, &r, &held.id, Visibility::Held, Visibility::Removed)
        .await
        .expect_err("no longer held");
    assert!(
        matches!(
            err,
            MessageError::VisibilityChanged {
                current: Visibility::Public,
                expected: Visibility::Held
            }
        ),
        "{err:?}"
    );
    let err = store
        .set_visibility(
            &t,
            &r,
            &MessageId::at(NOW_MS),
            Visibility::Held,
            Visibility::Public,
        )
        .await
        .expect_err("unknown");
    assert!(matches!(err, MessageError::NotFound), "{err:?}");
    let stored = store
        .message(&t, &r, &held.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.visibility, Visibility::Public);
}

pub async fn public_messages_are_numbered_per_room<S: MessageStore>(store: &S) {
    let t = fresh_tenant("seq");
    let other = fresh_tenant("seq");
    let r = room("chat");
    for expected in 1..=3 {
        assert_eq!(store.next_seq(&t, &r).await.expect("seq"), expected);
    }
    // Each room, and each tenant's room of the same name, counts alone.
    assert_eq!(store.next_seq(&t, &room("chat2")).await.expect("seq"), 1);
    assert_eq!(store.next_seq(&other, &r).await.expect("seq"), 1);
    assert_eq!(store.next_seq(&t, &r).await.expect("seq"), 4);
    // A message stored with its number reads back with it.
    let a = connection(&t, "ca", "ada");
    let mut numbered = message(&t, &r, &a, "n1", "numbered");
    numbered.seq = Some(5);
    store.put_message(&numbered).await.expect("put");
    let read = store
        .message(&t, &r, &numbered.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read.seq, Some(5));
    let page = store.history(&t, &r, None, 10).await.expect("history");
    assert_eq!(page.messages[0].seq, Some(5));
}
