//! The contract of seen events.

use super::*;

pub async fn repeated_events_are_seen_once_per_window<S: SeenEvents>(store: &S) {
    let t = fresh_tenant("seen");
    let other = fresh_tenant("seen-b");
    let now = NOW_MS / 1000;
    assert!(store
        .first_sighting(&t, "moderation", "e1", now, 300)
        .await
        .expect("first"));
    assert!(!store
        .first_sighting(&t, "moderation", "e1", now + 10, 300)
        .await
        .expect("repeat"));
    assert!(store
        .first_sighting(&t, "scoring", "e1", now + 10, 300)
        .await
        .expect("other consumer"));
    assert!(store
        .first_sighting(&other, "moderation", "e1", now + 10, 300)
        .await
        .expect("other tenant"));
    assert!(store
        .first_sighting(&t, "moderation", "e2", now + 10, 300)
        .await
        .expect("other event"));
    assert!(
        store
            .first_sighting(&t, "moderation", "e1", now + 301, 300)
            .await
            .expect("after the window"),
        "a repeat after the window is handled again"
    );
    // `seen` only looks.
    assert!(!store
        .seen(&t, "moderation", "e3", now)
        .await
        .expect("unseen"));
    assert!(!store
        .seen(&t, "moderation", "e3", now)
        .await
        .expect("still unseen"));
    assert!(store
        .first_sighting(&t, "moderation", "e3", now, 300)
        .await
        .expect("record"));
    assert!(store
        .seen(&t, "moderation", "e3", now + 10)
        .await
        .expect("seen"));
    assert!(!store
        .seen(&t, "moderation", "e3", now + 301)
        .await
        .expect("expired"));
}
