//! The contract of window counters and slow-mode slots.

use super::*;

pub async fn send_counter_counts_per_window<S: ConnectionRegistry + RoomStore + Counters>(
    store: &S,
) {
    let t = fresh_tenant("rate");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let exp = NOW_MS / 1000 + 60;
    for expected in 1..=3 {
        assert_eq!(
            store
                .count_send(&t, &r, &a.user, NOW_MS, exp)
                .await
                .expect("count"),
            expected
        );
    }
    assert_eq!(
        store
            .count_send(&t, &r, &b.user, NOW_MS, exp)
            .await
            .expect("other user"),
        1
    );
    assert_eq!(
        store
            .count_send(&t, &room("other"), &a.user, NOW_MS, exp)
            .await
            .expect("other room"),
        1
    );
    assert_eq!(
        store
            .count_send(&t, &r, &a.user, NOW_MS + 10_000, exp)
            .await
            .expect("next window"),
        1
    );
}

pub async fn violations_count_per_window<S: Counters + Sanctions>(store: &S) {
    let t = fresh_tenant("viol");
    let user = UserId::derive(&t, "ada");
    assert_eq!(store.violations(&t, &user, 0).await.expect("none"), 0);
    for expected in 1..=3 {
        let n = store
            .count_violation(&t, &user, 0, NOW_MS / 1000)
            .await
            .expect("count");
        assert_eq!(n, expected);
    }
    assert_eq!(store.violations(&t, &user, 0).await.expect("read"), 3);
    let mute = Sanction {
        user: user.clone(),
        kind: SanctionKind::Mute,
        scope: Scope::Tenant,
        until_ms: None,
        reason: None,
        by: "system".into(),
        by_role: None,
        at_ms: NOW_MS,
    };
    store.put_sanction(&t, &mute).await.expect("mute");
    let standing = store
        .standing(&t, &user, NOW_MS, 0)
        .await
        .expect("standing");
    assert_eq!(standing.sanctions, vec![mute]);
    assert_eq!(standing.violations, 3);
    assert_eq!(
        store
            .count_violation(&t, &user, 600_000, NOW_MS / 1000)
            .await
            .expect("next window"),
        1
    );
}

pub async fn slow_mode_spaces_messages_per_user<S: ConnectionRegistry + RoomStore + Counters>(
    store: &S,
) {
    let t = fresh_tenant("slow");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let err = store.set_slow_mode(&t, &r, 5).await.expect_err("no room");
    assert!(matches!(err, RoomError::RoomNotFound));
    store.put_connection(&a).await.expect("conn");
    store
        .join_room(&t, &r, &member_of(&a), 10)
        .await
        .expect("join");
    store.set_slow_mode(&t, &r, 5).await.expect("slow");
    let (_, info) = store
        .membership(&t, &r, &a.connection_id)
        .await
        .expect("read")
        .expect("member");
    assert_eq!(info.slow_mode_s, 5);
    for (user, at, expected) in [
        (&a.user, NOW_MS, None),
        (&a.user, NOW_MS + 2_000, Some(3_000)),
        (&b.user, NOW_MS + 2_000, None),
        (&a.user, NOW_MS + 5_000, None),
    ] {
        let got = store
            .claim_slow_slot(&t, &r, user, at, 5_000)
            .await
            .expect("claim");
        assert_eq!(got, expected, "at {at}");
    }
}
