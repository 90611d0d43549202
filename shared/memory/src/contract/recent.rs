//! The contract of recent messages.

use super::*;

pub async fn recent_messages_keep_the_latest<S: RecentMessages>(store: &S) {
    let t = fresh_tenant("recent");
    let user = UserId::derive(&t, "ada");
    let entry = |at: i64| RecentMessage {
        room: room("chat"),
        message: MessageId::at(NOW_MS),
        fingerprint: u64::MAX - at as u64,
        at_ms: at,
    };
    let first = entry(1);
    store
        .remember_message(&t, &user, &first, 2)
        .await
        .expect("1");
    store
        .remember_message(&t, &user, &first, 2)
        .await
        .expect("same again");
    let second = entry(2);
    let third = entry(3);
    store
        .remember_message(&t, &user, &second, 2)
        .await
        .expect("2");
    let kept = store
        .remember_message(&t, &user, &third, 2)
        .await
        .expect("3");
    assert_eq!(kept, vec![third, second]);
}
