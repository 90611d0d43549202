//! The contract of rooms, settings and memberships.

use super::*;

pub async fn a_presence_count_is_claimed_once_per_interval<S: RoomStore>(store: &S) {
    let t = fresh_tenant("presence");
    let (r, other) = (room("match:1"), room("match:2"));
    let every = 5_000;
    assert!(store
        .claim_presence_count(&t, &r, NOW_MS, every)
        .await
        .expect("first claim"));
    assert!(!store
        .claim_presence_count(&t, &r, NOW_MS + 1, every)
        .await
        .expect("second claim"));
    assert!(!store
        .claim_presence_count(&t, &r, NOW_MS + every - 1, every)
        .await
        .expect("just before"));
    assert!(
        store
            .claim_presence_count(&t, &other, NOW_MS + 1, every)
            .await
            .expect("another room"),
        "each room has its own"
    );
    assert!(store
        .claim_presence_count(&t, &r, NOW_MS + every, every)
        .await
        .expect("due again"));
    assert!(!store
        .claim_presence_count(&t, &r, NOW_MS + every + 10, every)
        .await
        .expect("claimed again"));
}

pub async fn join_creates_room_and_lists_members<S: ConnectionRegistry + RoomStore>(store: &S) {
    let t = fresh_tenant("join");
    let r = room("match:1");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    store.put_connection(&a).await.expect("put a");
    store.put_connection(&b).await.expect("put b");
    let info = store
        .join_room(&t, &r, &member_of(&a), 10)
        .await
        .expect("join a");
    assert_eq!(info.mode, RoomMode::Open);
    store
        .join_room(&t, &r, &member_of(&b), 10)
        .await
        .expect("join b");
    // Joining twice refreshes, it does not duplicate.
    store
        .join_room(&t, &r, &member_of(&b), 10)
        .await
        .expect("join b again");
    let mut ids: Vec<String> = store
        .room_members(&t, &r)
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.connection_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["ca", "cb"]);
    let (m, room_info) = store
        .membership(&t, &r, &a.connection_id)
        .await
        .expect("membership")
        .expect("is member");
    assert_eq!(m, member_of(&a));
    assert_eq!(room_info.mode, RoomMode::Open);
    let record = store
        .connection(&t, &a.connection_id)
        .await
        .expect("get")
        .expect("exists");
    assert!(
        record.rooms.contains(&r),
        "the connection remembers its rooms"
    );
    assert!(store
        .membership(&t, &room("match:2"), &a.connection_id)
        .await
        .expect("membership")
        .is_none());
}

pub async fn join_needs_a_connection_and_respects_the_room_limit<
    S: ConnectionRegistry + RoomStore,
>(
    store: &S,
) {
    let t = fresh_tenant("limit");
    let ghost = connection(&t, "ghost", "nobody");
    let err = store
        .join_room(&t, &room("r1"), &member_of(&ghost), 10)
        .await
        .expect_err("no connection");
    assert!(matches!(err, RoomError::ConnectionNotFound), "{err:?}");
    assert!(store
        .room_members(&t, &room("r1"))
        .await
        .expect("members")
        .is_empty());

    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    store
        .join_room(&t, &room("r1"), &member_of(&a), 2)
        .await
        .expect("first");
    store
        .join_room(&t, &room("r2"), &member_of(&a), 2)
        .await
        .expect("second");
    store
        .join_room(&t, &room("r2"), &member_of(&a), 2)
        .await
        .expect("rejoin is not a new room");
    let err = store
        .join_room(&t, &room("r3"), &member_of(&a), 2)
        .await
        .expect_err("third");
    assert!(matches!(err, RoomError::RoomLimit { max: 2 }), "{err:?}");
    assert!(store
        .room_members(&t, &room("r3"))
        .await
        .expect("members")
        .is_empty());
}

pub async fn leave_and_remove_connection_clear_memberships<S: ConnectionRegistry + RoomStore>(
    store: &S,
) {
    let t = fresh_tenant("leave");
    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    for r in ["r1", "r2", "r3"] {
        store
            .join_room(&t, &room(r), &member_of(&a), 10)
            .await
            .expect("join");
    }
    assert!(store
        .leave_room(&t, &room("r1"), &a.connection_id, Some("leave-1"))
        .await
        .expect("leave"));
    assert!(!store
        .leave_room(&t, &room("r1"), &a.connection_id, Some("leave-1"))
        .await
        .expect("leave again"));
    assert!(store
        .room_members(&t, &room("r1"))
        .await
        .expect("members")
        .is_empty());
    let record = store
        .connection(&t, &a.connection_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(record.rooms, BTreeSet::from([room("r2"), room("r3")]));

    let removed = store
        .remove_connection(&t, &a.connection_id)
        .await
        .expect("remove")
        .expect("was there");
    assert_eq!(removed.rooms, BTreeSet::from([room("r2"), room("r3")]));
    for r in ["r2", "r3"] {
        assert!(
            store
                .room_members(&t, &room(r))
                .await
                .expect("members")
                .is_empty(),
            "{r} emptied"
        );
    }
}

pub async fn room_mode_changes_only_existing_rooms<S: ConnectionRegistry + RoomStore>(store: &S) {
    let t = fresh_tenant("mode");
    let err = store
        .set_room_mode(&t, &room("nowhere"), RoomMode::Stage)
        .await
        .expect_err("no room");
    assert!(matches!(err, RoomError::RoomNotFound), "{err:?}");
    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    store
        .join_room(&t, &room("stage:1"), &member_of(&a), 10)
        .await
        .expect("join");
    store
        .set_room_mode(&t, &room("stage:1"), RoomMode::Stage)
        .await
        .expect("set");
    let (_, info) = store
        .membership(&t, &room("stage:1"), &a.connection_id)
        .await
        .expect("get")
        .expect("member");
    assert_eq!(info.mode, RoomMode::Stage);
    // A later join keeps the mode.
    let info = store
        .join_room(&t, &room("stage:1"), &member_of(&a), 10)
        .await
        .expect("rejoin");
    assert_eq!(info.mode, RoomMode::Stage);
}

pub async fn the_host_sets_a_room_up_ahead_and_joins_keep_it<S: ConnectionRegistry + RoomStore>(
    store: &S,
) {
    use sideline_domain::room::RoomProfile;
    let t = fresh_tenant("roomprofile");
    let r = room("match:77");
    assert_eq!(store.room_profile(&t, &r).await.expect("read"), None);
    let profile = RoomProfile {
        title: Some("Ajax – PSV".into()),
        object: Some("match:77".into()),
        opens_at_ms: Some(NOW_MS + 60_000),
        closes_at_ms: Some(NOW_MS + 7_200_000),
    };
    let info = store
        .put_room_profile(&t, &r, &profile, NOW_MS)
        .await
        .expect("set up");
    assert_eq!(info.mode, RoomMode::Open);
    assert_eq!(
        (info.opens_at_ms, info.closes_at_ms),
        (profile.opens_at_ms, profile.closes_at_ms)
    );
    assert!(!info.in_schedule(NOW_MS));
    assert!(info.in_schedule(NOW_MS + 60_000));
    assert_eq!(info.mode_at(NOW_MS), RoomMode::Readonly);

    let ada = connection(&t, "ada-1", "ada");
    store.put_connection(&ada).await.expect("ada");
    let joined = store
        .join_room(&t, &r, &member_of(&ada), 10)
        .await
        .expect("join");
    assert_eq!(
        joined.opens_at_ms, profile.opens_at_ms,
        "a join keeps the schedule"
    );
    store
        .set_room_mode(&t, &r, RoomMode::Stage)
        .await
        .expect("mode");

    // An update replaces the profile; what it leaves out is gone, the mode stays.
    let later = RoomProfile {
        title: Some("Ajax – PSV (2nd half)".into()),
        ..RoomProfile::default()
    };
    let info = store
        .put_room_profile(&t, &r, &later, NOW_MS + 1)
        .await
        .expect("update");
    assert_eq!(info.mode, RoomMode::Stage);
    assert_eq!(info.created_at_ms, NOW_MS);
    let (info, stored) = store
        .room_profile(&t, &r)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, later);
    assert_eq!((info.opens_at_ms, info.closes_at_ms), (None, None));
}
