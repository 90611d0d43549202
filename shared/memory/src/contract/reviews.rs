//! The contract of reports and the review queue.

use super::*;

pub async fn reports_count_distinct_users<
    S: ConnectionRegistry + RoomStore + MessageStore + ReviewQueue,
>(
    store: &S,
) {
    let t = fresh_tenant("report");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let m = message(&t, &r, &a, "m1", "a message");
    store.put_message(&m).await.expect("put");
    let report = |who: &str| Report {
        tenant: t.clone(),
        room: r.clone(),
        message: m.id,
        author: a.user.clone(),
        reporter: UserId::derive(&t, who),
        reporter_role: Role::Member,
        reason: "spam".into(),
        at_ms: NOW_MS,
        correlation_id: None,
    };
    let first = store.report(&report("bob")).await.expect("report");
    assert_eq!(
        first,
        ReportOutcome {
            reports: 1,
            new: true
        }
    );
    let repeat = store.report(&report("bob")).await.expect("again");
    assert_eq!(
        repeat,
        ReportOutcome {
            reports: 1,
            new: false
        }
    );
    let second = store.report(&report("cy")).await.expect("another");
    assert_eq!(
        second,
        ReportOutcome {
            reports: 2,
            new: true
        }
    );
    let missing = Report {
        message: MessageId::at(NOW_MS),
        ..report("dee")
    };
    let err = store.report(&missing).await.expect_err("no message");
    assert!(matches!(err, ReviewError::MessageNotFound), "{err:?}");
}

pub async fn review_queue_filters_pages_and_closes<
    S: ConnectionRegistry + RoomStore + MessageStore + ReviewQueue,
>(
    store: &S,
) {
    let t = fresh_tenant("review");
    let author = UserId::derive(&t, "ada");
    let item = |room_name: &str, priority: Priority| ReviewItem {
        tenant: t.clone(),
        room: room(room_name),
        message_id: MessageId::at(NOW_MS),
        author_id: author.clone(),
        text: "held text".into(),
        status: ReviewStatus::Pending,
        priority,
        reason: "held for review".into(),
        categories: vec!["harassment".into()],
        reports: 0,
        due_at_ms: NOW_MS + 4 * 3_600_000,
        created_at_ms: NOW_MS,
        decided_by: None,
    };
    let items = [
        item("a", Priority::High),
        item("b", Priority::Normal),
        item("a", Priority::Normal),
        item("a", Priority::High),
    ];
    for i in &items {
        store.put_review(i).await.expect("queue");
    }
    let pending = ReviewFilter {
        status: Some(ReviewStatus::Pending),
        ..ReviewFilter::default()
    };
    let page = store
        .review_queue(&t, &pending, None, 3)
        .await
        .expect("page");
    assert_eq!(page.items, items[..3].to_vec(), "oldest first");
    let rest = store
        .review_queue(&t, &pending, page.next.as_ref(), 3)
        .await
        .expect("next page");
    assert_eq!(rest.items, items[3..].to_vec());
    assert_eq!(rest.next, None);
    let room_a_high = ReviewFilter {
        room: Some(room("a")),
        priority: Some(Priority::High),
        ..pending.clone()
    };
    let ids: Vec<MessageId> = store
        .review_queue(&t, &room_a_high, None, 10)
        .await
        .expect("filtered")
        .items
        .iter()
        .map(|i| i.message_id)
        .collect();
    assert_eq!(ids, vec![items[0].message_id, items[3].message_id]);
    assert!(store
        .close_review(
            &t,
            &items[0].message_id,
            ReviewStatus::Approved,
            "u_mod",
            NOW_MS
        )
        .await
        .expect("close"));
    assert!(!store
        .close_review(
            &t,
            &items[0].message_id,
            ReviewStatus::Rejected,
            "u_mod",
            NOW_MS
        )
        .await
        .expect("closed already"));
    let decided = store
        .review_item(&t, &items[0].message_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(decided.status, ReviewStatus::Approved);
    // Everything about the author's messages, decided or not; nothing of another's.
    let mut about: Vec<(MessageId, ReviewStatus)> = store
        .reviews_about(&t, &author)
        .await
        .expect("about")
        .iter()
        .map(|i| (i.message_id, i.status))
        .collect();
    about.sort_by_key(|(m, _)| *m);
    let mut expected: Vec<(MessageId, ReviewStatus)> =
        items.iter().map(|i| (i.message_id, i.status)).collect();
    expected[0].1 = ReviewStatus::Approved;
    expected.sort_by_key(|(m, _)| *m);
    assert_eq!(about, expected);
    assert!(store
        .reviews_about(&t, &UserId::derive(&t, "bob"))
        .await
        .expect("none")
        .is_empty());
    assert!(store
        .review_item(&t, &MessageId::at(NOW_MS))
        .await
        .expect("read")
        .is_none());
    // A decided item stays decided when queued again.
    store.put_review(&items[0]).await.expect("requeue");
    let left = store
        .review_queue(&t, &pending, None, 10)
        .await
        .expect("left");
    assert_eq!(left.items.len(), 3);
    let approved = ReviewFilter {
        status: Some(ReviewStatus::Approved),
        ..ReviewFilter::default()
    };
    let done = store
        .review_queue(&t, &approved, None, 10)
        .await
        .expect("done");
    assert_eq!(done.items.len(), 1);
    assert_eq!(done.items[0].decided_by.as_deref(), Some("u_mod"));
}

/// A refresh that read the item before others' reports does not take the count
/// back (the moderation function and `report` refresh the same item).
pub async fn a_stale_refresh_keeps_the_reports_counted<S: ReviewQueue>(store: &S) {
    let t = fresh_tenant("review-stale");
    let item = ReviewItem {
        tenant: t.clone(),
        room: room("r"),
        message_id: MessageId::at(NOW_MS),
        author_id: UserId::derive(&t, "ada"),
        text: "held text".into(),
        status: ReviewStatus::Pending,
        priority: Priority::Normal,
        reason: "reported by 3".into(),
        categories: vec!["reported".into()],
        reports: 3,
        due_at_ms: NOW_MS + 4 * 3_600_000,
        created_at_ms: NOW_MS,
        decided_by: None,
    };
    store.put_review(&item).await.expect("put");
    let stale = ReviewItem {
        reports: 1,
        priority: Priority::High,
        categories: vec!["toxicity".into()],
        reason: "looked at again".into(),
        ..item.clone()
    };
    store.put_review(&stale).await.expect("stale refresh");
    let stored = store
        .review_item(&t, &item.message_id)
        .await
        .expect("read")
        .expect("queued");
    assert_eq!(stored.reports, 3, "{stored:?}");
    assert_eq!(
        stored.priority,
        Priority::High,
        "the refresh's priority is kept"
    );
    assert!(stored.categories.contains(&"toxicity".to_owned()));
}
