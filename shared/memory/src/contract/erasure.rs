//! The contract of erasure's storage: requests stored once, a mark that refuses
//! the user's connections, everything of the user found through them and erased
//! in bounded, resumable steps — tombstones keep threads, counts are corrected,
//! decisions keep their fact under the keyed hash — and nothing of anyone else
//! touched; the receipt chain moves only from the head it was read at.

use sideline_domain::erasure::{
    erased_author, kinds, ChainHead, ErasureRequest, ErasureStatus, Receipt, GENESIS_HASH,
};
use sideline_ports::{ErasureError, RegistryError};

use super::*;

fn at(mut m: StoredMessage, at_ms: i64) -> StoredMessage {
    m.id = MessageId::at(at_ms);
    m.created_at_ms = at_ms;
    m
}

/// Runs every erasure check.
pub async fn run_all<S: Store>(store: &S) {
    the_secret_is_made_once(store).await;
    a_user_is_erased_in_bounded_steps(store).await;
}

pub async fn the_secret_is_made_once<S: Store>(store: &S) {
    let t = fresh_tenant("secret");
    let first = store.tenant_secret(&t, &[1; 32]).await.expect("secret");
    assert_eq!(first, vec![1; 32]);
    let again = store.tenant_secret(&t, &[2; 32]).await.expect("secret");
    assert_eq!(again, first, "a stored secret is never replaced");
}

pub async fn a_user_is_erased_in_bounded_steps<S: Store>(store: &S) {
    let t = fresh_tenant("erasure");
    let lobby = room("lobby");
    let side = room("side");
    let ada = connection(&t, "ada-1", "ada");
    let bob = connection(&t, "bob-1", "bob");
    store.put_connection(&ada).await.expect("ada");
    store.put_connection(&bob).await.expect("bob");
    for (who, r) in [(&ada, &lobby), (&bob, &lobby), (&ada, &side)] {
        store
            .join_room(&t, r, &member_of(who), 10)
            .await
            .expect("join");
    }
    let ada_first = at(message(&t, &lobby, &ada, "a1", "ada's secret"), NOW_MS);
    let mut bob_reply = at(message(&t, &lobby, &bob, "b1", "bob replies"), NOW_MS + 1);
    bob_reply.reply_to = Some(ada_first.id);
    let ada_side = at(message(&t, &side, &ada, "a2", "ada elsewhere"), NOW_MS + 2);
    for m in [&ada_first, &bob_reply, &ada_side] {
        store.put_message(m).await.expect("put");
    }
    let fire = Emoji::parse("🔥").expect("emoji");
    for (message, user) in [(&bob_reply.id, &ada.user), (&ada_first.id, &bob.user)] {
        store
            .set_reaction(&t, &lobby, &react(message, &fire, user, true))
            .await
            .expect("react");
    }
    for (reporter, message) in [(&ada, &bob_reply), (&bob, &ada_first)] {
        store
            .report(&Report {
                tenant: t.clone(),
                room: lobby.clone(),
                message: message.id,
                author: message.author.id.clone(),
                reporter: reporter.user.clone(),
                reporter_role: Role::Member,
                reason: "spam".into(),
                at_ms: NOW_MS + 3,
                correlation_id: None,
            })
            .await
            .expect("report");
    }
    let mut about_ada = Decision::automatic(&t, DecisionKind::UserMuted, Stage::Async, NOW_MS + 4);
    about_ada.subject = Some(ada.user.clone());
    about_ada.reason = Some("ada said something".into());
    store.record_decision(&about_ada).await.expect("decision");
    store
        .put_sanction(
            &t,
            &Sanction {
                user: ada.user.clone(),
                kind: SanctionKind::Mute,
                scope: Scope::Tenant,
                until_ms: None,
                reason: Some("muted".into()),
                by: "system".into(),
                by_role: None,
                at_ms: NOW_MS + 4,
            },
        )
        .await
        .expect("sanction");
    store
        .count_violation(&t, &ada.user, NOW_MS, NOW_MS / 1000 + 600)
        .await
        .expect("violation");
    store
        .count_send(&t, &lobby, &ada.user, NOW_MS, NOW_MS / 1000 + 60)
        .await
        .expect("send");
    store
        .put_review(&ReviewItem {
            tenant: t.clone(),
            room: lobby.clone(),
            message_id: ada_first.id,
            author_id: ada.user.clone(),
            text: "ada's secret".into(),
            status: ReviewStatus::Pending,
            priority: Priority::Normal,
            reason: "reported".into(),
            categories: vec![],
            reports: 1,
            due_at_ms: NOW_MS + 100,
            created_at_ms: NOW_MS,
            decided_by: None,
        })
        .await
        .expect("review");
    // Ada, as a moderator, muted Bob in the lobby over his reply and closed its
    // review item.
    let mut by_ada = Decision::automatic(&t, DecisionKind::UserMuted, Stage::Human, NOW_MS + 5);
    by_ada.actor = Some(ada.user.clone());
    by_ada.actor_role = "moderator".into();
    by_ada.subject = Some(bob.user.clone());
    by_ada.room = Some(lobby.clone());
    by_ada.message = Some(bob_reply.id);
    store.record_decision(&by_ada).await.expect("decision");
    store
        .put_sanction(
            &t,
            &Sanction {
                user: bob.user.clone(),
                kind: SanctionKind::Mute,
                scope: Scope::Room(lobby.clone()),
                until_ms: None,
                reason: None,
                by: ada.user.to_string(),
                by_role: Some(Role::Moderator),
                at_ms: NOW_MS + 5,
            },
        )
        .await
        .expect("sanction by ada");
    store
        .put_review(&ReviewItem {
            tenant: t.clone(),
            room: lobby.clone(),
            message_id: bob_reply.id,
            author_id: bob.user.clone(),
            text: "bob replies".into(),
            status: ReviewStatus::Pending,
            priority: Priority::Normal,
            reason: "reported".into(),
            categories: vec![],
            reports: 1,
            due_at_ms: NOW_MS + 100,
            created_at_ms: NOW_MS,
            decided_by: None,
        })
        .await
        .expect("review");
    store
        .close_review(
            &t,
            &bob_reply.id,
            ReviewStatus::Approved,
            ada.user.as_str(),
            NOW_MS + 6,
        )
        .await
        .expect("closed by ada");
    // Ada's thread scored: her score (and its tenant and week boards), her
    // score in the lobby, the day's bucket.
    let scoring = sideline_domain::tenant::TenantConfig::default();
    let thread = sideline_domain::scoring::contributions(
        &sideline_domain::scoring::Activity::MessageSent {
            author: ada.user.clone(),
            parent: sideline_domain::scoring::Parent::None,
        },
        NOW_MS,
        &scoring.scoring,
    );
    store
        .score_event(&t, "ada-thread", Some(&lobby), &thread, &scoring, NOW_MS)
        .await
        .expect("scored");
    let bob_before = store.owned_by(&t, &bob.user).await.expect("bob's").len();
    // A legal hold once on Ada and Bob, now on Bob alone: the old version names her.
    let mut settings = sideline_domain::tenant::TenantConfig::default();
    let held = &mut settings.retention.legal_hold.users;
    held.insert(ada.user.to_string());
    held.insert(bob.user.to_string());
    store
        .put_tenant_config(&t, 0, &settings, NOW_MS)
        .await
        .expect("held");
    settings
        .retention
        .legal_hold
        .users
        .remove(ada.user.as_str());
    store
        .put_tenant_config(&t, 1, &settings, NOW_MS + 1)
        .await
        .expect("lifted for ada");

    // The request: stored once, listed as due, and the mark refuses ada.
    let request = ErasureRequest::new(t.clone(), ada.user.clone(), "h_ada".into(), 0, NOW_MS, None);
    store.open_erasure(&request).await.expect("open");
    assert!(matches!(
        store.open_erasure(&request).await,
        Err(ErasureError::Conflict)
    ));
    assert_eq!(
        store
            .erasure_request(&t, &request.request_id)
            .await
            .expect("read"),
        Some(request.clone())
    );
    assert!(store
        .due_erasures(1000)
        .await
        .expect("due")
        .contains(&(t.clone(), request.request_id.clone())));
    let mut again = connection(&t, "ada-2", "ada");
    again.connected_at_ms += 10;
    assert!(matches!(
        store.put_connection(&again).await,
        Err(RegistryError::Erasing)
    ));
    store
        .put_connection(&connection(&t, "bob-2", "bob"))
        .await
        .expect("bob still connects");

    // A stale save is refused.
    let mut stale = request.clone();
    stale.version = 5;
    assert!(matches!(
        store.save_erasure(&stale).await,
        Err(ErasureError::Conflict)
    ));

    let (counts, rooms) = store
        .erasure_inventory(&t, &ada.user)
        .await
        .expect("inventory");
    assert_eq!(counts.get(kinds::MESSAGES), Some(&2), "{counts:?}");
    assert_eq!(counts.get(kinds::REACTIONS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::REPORTS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::DECISIONS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::ACTS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::REVIEWS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::SANCTIONS), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::CONNECTIONS), Some(&1), "{counts:?}");
    // Every store counts as the table keeps items, so receipts agree.
    assert_eq!(counts.get(kinds::PROFILE), Some(&1), "{counts:?}");
    assert_eq!(counts.get(kinds::COUNTERS), Some(&4), "{counts:?}");
    assert_eq!(counts.get(kinds::SCORES), Some(&3), "{counts:?}");
    assert_eq!(counts.get(kinds::SETTINGS), Some(&1), "{counts:?}");
    assert_eq!(rooms, vec![lobby.clone(), side.clone()]);
    let total: u64 = counts.values().sum();

    // Bounded steps, each finding what is left.
    let mut erased = 0;
    let mut steps = 0;
    loop {
        let step = store
            .erase_items(&t, &ada.user, "h_ada", &rooms, 3)
            .await
            .expect("step");
        assert_eq!(step.failed, 0);
        assert!(step.total() <= 3);
        erased += step.total();
        steps += 1;
        if !step.more {
            break;
        }
        assert!(steps < 50, "erasure does not converge");
    }
    assert_eq!(erased, total, "every piece counted once");
    assert!(steps > 2, "the limit bounds each step");
    let (left, _) = store.erasure_inventory(&t, &ada.user).await.expect("left");
    assert_eq!(left.values().sum::<u64>(), 0, "{left:?}");
    assert!(store
        .owned_by(&t, &ada.user)
        .await
        .expect("ada's")
        .is_empty());
    assert!(store
        .user_profile(&t, &ada.user)
        .await
        .expect("profile")
        .is_none());
    assert!(store
        .user_connections(&t, &ada.user)
        .await
        .expect("conns")
        .is_empty());
    assert!(store
        .sanctions(&t, &ada.user, NOW_MS)
        .await
        .expect("sanctions")
        .is_empty());

    // The old settings version no longer names her; Bob's hold stands in both.
    let bob_only: std::collections::BTreeSet<String> = [bob.user.to_string()].into();
    for version in [Some(1), None] {
        let kept = store
            .tenant_config(&t, version)
            .await
            .expect("settings")
            .expect("kept");
        assert_eq!(
            kept.config.retention.legal_hold.users, bob_only,
            "{version:?}"
        );
    }

    // Threads keep their shape: ada's message is a tombstone bob's reply points at.
    let page = store.history(&t, &lobby, None, 10).await.expect("history");
    let tomb = page
        .messages
        .iter()
        .find(|m| m.id == ada_first.id)
        .expect("tombstone kept");
    assert_eq!(tomb.author.id, erased_author());
    assert_eq!(tomb.text.as_str(), "");
    assert_eq!(tomb.author.name, "");
    assert_eq!(tomb.visibility, Visibility::Removed);
    let reply = page
        .messages
        .iter()
        .find(|m| m.id == bob_reply.id)
        .expect("bob's reply");
    assert_eq!(reply.reply_to, Some(ada_first.id));
    assert_eq!(reply.text.as_str(), "bob replies");
    assert!(
        reply.reactions.get("🔥").is_none_or(|&n| n == 0),
        "ada's reaction taken off the count"
    );
    assert_eq!(tomb.reactions.get("🔥"), Some(&1), "bob's reaction stays");
    let review = store
        .review_item(&t, &ada_first.id)
        .await
        .expect("review")
        .expect("kept");
    assert_eq!(review.text, "");
    assert_ne!(review.author_id, ada.user);

    // Bob's data is intact; his report of ada's message no longer names her,
    // nor does what she did to him as a moderator.
    let bobs = store.owned_by(&t, &bob.user).await.expect("bob's");
    assert_eq!(bobs.len(), bob_before);
    for stored in &bobs {
        match stored {
            sideline_domain::outbox::Stored::Report(r) => assert_eq!(r.author, erased_author()),
            sideline_domain::outbox::Stored::Decision(d) => assert_eq!(d.actor, None),
            _ => {}
        }
    }
    let bobs_sanctions = store
        .sanctions(&t, &bob.user, NOW_MS)
        .await
        .expect("sanctions");
    assert_eq!(bobs_sanctions.len(), 1, "bob's mute stands");
    assert_eq!(bobs_sanctions[0].by, "h_ada");
    let closed = store
        .review_item(&t, &bob_reply.id)
        .await
        .expect("review")
        .expect("kept");
    assert_eq!(closed.decided_by.as_deref(), Some("h_ada"));
    assert_eq!(
        closed.text, "bob replies",
        "bob's review item keeps its text"
    );
    assert!(store
        .user_profile(&t, &bob.user)
        .await
        .expect("bob")
        .is_some());

    // Completion: the chain moves from the head read, the ledger records the
    // subject, the mark is lifted.
    assert_eq!(store.chain_head(&t).await.expect("head"), None);
    let mut done = request.clone();
    done.version = 1;
    done.status = ErasureStatus::Completed;
    done.completed_at_ms = Some(NOW_MS + 50);
    done.user = None;
    done.receipt = Some(Receipt {
        request_id: done.request_id.clone(),
        tenant_id: t.as_str().into(),
        seq: 1,
        requested_at: "a".into(),
        started_at: "b".into(),
        completed_at: "c".into(),
        counts,
        previous_hash: GENESIS_HASH.into(),
        hash: "h1".into(),
    });
    let moved = ChainHead {
        seq: 7,
        hash: "other".into(),
    };
    assert!(matches!(
        store.complete_erasure(&done, &ada.user, Some(&moved)).await,
        Err(ErasureError::Conflict)
    ));
    store
        .complete_erasure(&done, &ada.user, None)
        .await
        .expect("complete");
    assert_eq!(
        store.chain_head(&t).await.expect("head"),
        Some(ChainHead {
            seq: 1,
            hash: "h1".into()
        })
    );
    assert_eq!(
        store.erased_at(&t, "h_ada").await.expect("ledger"),
        Some(NOW_MS + 50)
    );
    assert_eq!(store.erased_at(&t, "h_bob").await.expect("ledger"), None);
    let stored = store
        .erasure_request(&t, &request.request_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(stored.user, None);
    store
        .put_connection(&again)
        .await
        .expect("the mark is lifted once completed");
    // Still due until the re-check is saved.
    assert!(store
        .due_erasures(1000)
        .await
        .expect("due")
        .contains(&(t.clone(), request.request_id.clone())));
    let mut rechecked = stored;
    rechecked.version += 1;
    rechecked.rechecked_at_ms = Some(NOW_MS + 100);
    store.save_erasure(&rechecked).await.expect("recheck");
    assert!(!store
        .due_erasures(1000)
        .await
        .expect("due")
        .contains(&(t.clone(), request.request_id.clone())));
}
