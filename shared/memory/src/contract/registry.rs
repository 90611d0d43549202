//! The contract of connections and who holds them.

use super::*;

pub async fn connections_round_trip<S: ConnectionRegistry>(store: &S) {
    let t = fresh_tenant("conn");
    let record = connection(&t, "c1", "ada");
    store.put_connection(&record).await.expect("put");
    assert_eq!(
        store
            .connection(&t, &record.connection_id)
            .await
            .expect("get"),
        Some(record.clone())
    );
    let removed = store
        .remove_connection(&t, &record.connection_id)
        .await
        .expect("remove");
    assert_eq!(removed, Some(record.clone()));
    assert_eq!(
        store
            .connection(&t, &record.connection_id)
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        store
            .remove_connection(&t, &record.connection_id)
            .await
            .expect("remove again"),
        None
    );
}

pub async fn users_connections_and_profiles_follow_connect<S: ConnectionRegistry>(store: &S) {
    let t = fresh_tenant("users");
    let mut a1 = connection(&t, "c1", "ada");
    a1.role = Role::Moderator;
    let a2 = connection(&t, "c2", "ada");
    let b = connection(&t, "c3", "bob");
    for c in [&a1, &b, &a2] {
        store.put_connection(c).await.expect("connect");
    }
    let mut ids = store.user_connections(&t, &a1.user).await.expect("list");
    ids.sort();
    assert_eq!(ids, vec![conn("c1"), conn("c2")]);
    let profile = store
        .user_profile(&t, &a1.user)
        .await
        .expect("profile")
        .expect("known");
    assert_eq!(profile.role, Role::Member, "the latest connection's role");
    store
        .remove_connection(&t, &conn("c1"))
        .await
        .expect("remove");
    assert_eq!(
        store.user_connections(&t, &a1.user).await.expect("list"),
        vec![conn("c2")]
    );
    assert!(store
        .user_profile(&t, &UserId::derive(&t, "nobody"))
        .await
        .expect("profile")
        .is_none());
}
