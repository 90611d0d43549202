//! The contract of tenant isolation across ports.

use super::*;

pub async fn tenants_never_meet<S: ConnectionRegistry + RoomStore + MessageStore>(store: &S) {
    let t1 = fresh_tenant("iso-a");
    let t2 = fresh_tenant("iso-b");
    let r = room("match:7");
    let a = connection(&t1, "same-id", "ada");
    let b = connection(&t2, "same-id", "ada");
    assert_ne!(
        a.user, b.user,
        "the same host user in two tenants is two users"
    );
    store.put_connection(&a).await.expect("put a");
    store.put_connection(&b).await.expect("put b");
    store
        .join_room(&t1, &r, &member_of(&a), 10)
        .await
        .expect("join a");
    store
        .set_room_mode(&t1, &r, RoomMode::Readonly)
        .await
        .expect("mode a");
    let info = store
        .join_room(&t2, &r, &member_of(&b), 10)
        .await
        .expect("join b");
    assert_eq!(info.mode, RoomMode::Open, "tenant B's room is its own");
    let m = message(&t1, &r, &a, "c1", "secret");
    store.put_message(&m).await.expect("put");
    assert!(store
        .history(&t2, &r, None, 10)
        .await
        .expect("history b")
        .messages
        .is_empty());
    assert!(store
        .message(&t2, &r, &m.id)
        .await
        .expect("get b")
        .is_none());
    let members_b = store.room_members(&t2, &r).await.expect("members b");
    assert_eq!(members_b.len(), 1);
    assert_eq!(members_b[0].user, b.user);
    let thumbs = Emoji::parse("👍").expect("emoji");
    let err = store
        .set_reaction(&t2, &r, &react(&m.id, &thumbs, &b.user, true))
        .await
        .expect_err("cross-tenant react");
    assert!(matches!(err, MessageError::NotFound));
    store
        .remove_connection(&t2, &b.connection_id)
        .await
        .expect("remove b");
    assert!(
        store
            .connection(&t1, &a.connection_id)
            .await
            .expect("a")
            .is_some(),
        "removing B's connection leaves A's"
    );
    assert_eq!(
        store.room_members(&t1, &r).await.expect("members a").len(),
        1
    );
}
