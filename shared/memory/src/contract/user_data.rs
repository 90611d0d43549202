//! The contract of a user's data: what they made and what is about them, found
//! through them, in time order, and nothing of anyone else's.

use sideline_domain::outbox::Stored;

use super::*;

fn at(mut m: StoredMessage, at_ms: i64) -> StoredMessage {
    m.id = MessageId::at(at_ms);
    m.created_at_ms = at_ms;
    m
}

/// What kind each record is, and when.
fn shape(owned: &[Stored]) -> Vec<(&'static str, String)> {
    owned
        .iter()
        .map(|s| match s {
            Stored::Message(m) => ("message", m.text.as_str().to_owned()),
            Stored::Reaction(r) => ("reaction", r.emoji.as_str().to_owned()),
            Stored::Report(r) => ("report", r.reason.clone()),
            Stored::Decision(d) => ("decision", d.kind.as_str().to_owned()),
            _ => ("other", String::new()),
        })
        .collect()
}

pub async fn a_users_data_is_found_through_them<S: Store>(store: &S) {
    let t = fresh_tenant("user-data");
    let r = room("lobby");
    let ada = connection(&t, "ada-1", "ada");
    let bob = connection(&t, "bob-1", "bob");
    store.put_connection(&ada).await.expect("ada");
    store.put_connection(&bob).await.expect("bob");
    let first = at(message(&t, &r, &ada, "a1", "ada's first"), NOW_MS);
    let theirs = at(message(&t, &r, &bob, "b1", "bob's"), NOW_MS + 1_000);
    let second = at(message(&t, &r, &ada, "a2", "ada's second"), NOW_MS + 2_000);
    for m in [&first, &theirs, &second] {
        store.put_message(m).await.expect("put");
    }
    let fire = Emoji::parse("🔥").expect("emoji");
    let mut by_ada = react(&theirs.id, &fire, &ada.user, true);
    by_ada.at_ms = NOW_MS + 3_000;
    store.set_reaction(&t, &r, &by_ada).await.expect("react");
    let mut by_bob = react(&first.id, &fire, &bob.user, true);
    by_bob.at_ms = NOW_MS + 3_500;
    store.set_reaction(&t, &r, &by_bob).await.expect("react");
    for (reporter, message, reason, at_ms) in [
        (&ada, &theirs, "ada reports", NOW_MS + 4_000),
        (&bob, &first, "bob reports", NOW_MS + 4_500),
    ] {
        store
            .report(&Report {
                tenant: t.clone(),
                room: r.clone(),
                message: message.id,
                author: message.author.id.clone(),
                reporter: reporter.user.clone(),
                reporter_role: Role::Member,
                reason: reason.into(),
                at_ms,
                correlation_id: None,
            })
            .await
            .expect("report");
    }
    let mut about_ada =
        Decision::automatic(&t, DecisionKind::UserMuted, Stage::Async, NOW_MS + 5_000);
    about_ada.subject = Some(ada.user.clone());
    store.record_decision(&about_ada).await.expect("decision");
    let mut about_bob =
        Decision::automatic(&t, DecisionKind::UserBanned, Stage::Async, NOW_MS + 6_000);
    about_bob.subject = Some(bob.user.clone());
    store.record_decision(&about_bob).await.expect("decision");

    let owned = store.owned_by(&t, &ada.user).await.expect("ada's");
    assert_eq!(
        shape(&owned),
        vec![
            ("message", "ada's first".to_owned()),
            ("message", "ada's second".to_owned()),
            ("reaction", "🔥".to_owned()),
            ("report", "ada reports".to_owned()),
            ("decision", "user_muted".to_owned()),
        ]
    );
    let other = fresh_tenant("user-data-other");
    assert!(store
        .owned_by(&other, &UserId::derive(&other, "ada"))
        .await
        .expect("none")
        .is_empty());
}
