//! The contract of sanctions and standing.

use super::*;

pub async fn sanctions_are_scoped_timed_and_lifted<S: Sanctions + Counters>(store: &S) {
    let t = fresh_tenant("sanction");
    let user = UserId::derive(&t, "ada");
    let r = room("chat");
    let mute = Sanction {
        user: user.clone(),
        kind: SanctionKind::Mute,
        scope: Scope::Room(r.clone()),
        until_ms: Some(NOW_MS + 60_000),
        reason: Some("calm down".into()),
        by: "u_mod".into(),
        by_role: Some(Role::Moderator),
        at_ms: NOW_MS,
    };
    let ban = Sanction {
        kind: SanctionKind::Ban,
        scope: Scope::Tenant,
        until_ms: None,
        reason: None,
        ..mute.clone()
    };
    store.put_sanction(&t, &mute).await.expect("mute");
    store.put_sanction(&t, &ban).await.expect("ban");
    let mut now = store.sanctions(&t, &user, NOW_MS).await.expect("read");
    now.sort_by_key(|s| s.kind);
    assert_eq!(now, vec![mute.clone(), ban.clone()]);
    // A longer mute replaces the first; an expired one is not in force.
    let longer = Sanction {
        until_ms: Some(NOW_MS + 120_000),
        ..mute.clone()
    };
    store.put_sanction(&t, &longer).await.expect("replace");
    let later = store
        .sanctions(&t, &user, NOW_MS + 90_000)
        .await
        .expect("read");
    assert!(later.contains(&longer) && later.len() == 2, "{later:?}");
    let much_later = store
        .sanctions(&t, &user, NOW_MS + 200_000)
        .await
        .expect("read");
    assert_eq!(much_later, vec![ban.clone()]);
    assert!(store
        .lift_sanction(&t, &user, SanctionKind::Ban, &Scope::Tenant)
        .await
        .expect("lift"));
    assert!(!store
        .lift_sanction(&t, &user, SanctionKind::Ban, &Scope::Tenant)
        .await
        .expect("lift again"));
    let other = fresh_tenant("sanction");
    assert!(store
        .sanctions(&other, &user, NOW_MS)
        .await
        .expect("other tenant")
        .is_empty());
}
