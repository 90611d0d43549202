//! Export (GDPR Art. 15 and 20): everything the store holds about one user as one
//! machine-readable JSON document, `sideline.user-export` version 1
//! (`docs/user-export.schema.json`).

use serde_json::{json, Map, Value};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::moderation::{Scope, SANCTION_KEPT_AFTER_END_SECS};
use sideline_domain::outbox::Stored;
use sideline_domain::scoring::BucketKey;
use sideline_domain::time::format_time;
use sideline_ports::{
    ConnectionRegistry, ErasureError, Pseudonyms, RegistryError, ReviewError, ReviewQueue,
    SanctionError, Sanctions, ScoreError, ScoreRecords, ScoreStore, UserData, UserDataError,
};

/// The document's `format`.
pub const EXPORT_FORMAT: &str = "sideline.user-export";
/// The document's `version`.
pub const EXPORT_VERSION: u32 = 1;
/// The `format` of the answer that links to an export kept as a file.
pub const EXPORT_LINK_FORMAT: &str = "sideline.user-export-link";

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("profile")]
    Profile(#[from] RegistryError),
    #[error("the user's items")]
    Items(#[from] UserDataError),
    #[error("sanctions")]
    Sanctions(#[from] SanctionError),
    #[error("score")]
    Score(#[from] ScoreError),
    #[error("pseudonym")]
    Pseudonym(#[from] ErasureError),
    #[error("review items")]
    Reviews(#[from] ReviewError),
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

/// The export of `user` at `now_ms`; `None` when the store holds nothing of them
/// (no profile, no score, no sanction, nothing they made or that is about them).
pub async fn export_user<S>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    now_ms: i64,
) -> Result<Option<Value>, ExportError>
where
    S: ConnectionRegistry + UserData + Sanctions + ScoreStore + Pseudonyms + ReviewQueue,
{
    let profile = store.user_profile(tenant, user).await?;
    let pseudonym = store.stored_pseudonym(tenant, user).await?;
    let mut connections = Vec::new();
    for id in store.user_connections(tenant, user).await? {
        if let Some(c) = store.connection(tenant, &id).await? {
            connections.push(json!({
                "connectionId": c.connection_id.as_str(),
                "connectedAt": format_time(c.connected_at_ms),
                "rooms": c.rooms.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            }));
        }
    }
    // What each day's contributions of each kind were (credit given to others,
    // which caps what one user may give another, names them, and is left out).
    let mut buckets: Vec<Value> = store
        .buckets(tenant, user)
        .await?
        .into_iter()
        .filter_map(|(key, bucket)| match key {
            BucketKey::Own { kind, day, .. } => Some(json!({
                "kind": kind.as_str(),
                "day": day,
                "points": bucket.raw,
            })),
            BucketKey::Uncapped { .. } => Some(json!({
                "kind": "penalties_and_reversals",
                "points": bucket.raw,
            })),
            BucketKey::Given { .. } => None,
        })
        .collect();
    buckets.sort_by_key(|b| (b["day"].as_i64().unwrap_or(i64::MAX), b["kind"].to_string()));
    let owned = store.owned_by(tenant, user).await?;
    let standing = store.user_score(tenant, user).await?;
    // Sanctions in force and those ended within the day they are kept after
    // (their decisions say the rest).
    let kept_since = now_ms.saturating_sub(SANCTION_KEPT_AFTER_END_SECS * 1000);
    let sanctions = store.sanctions(tenant, user, kept_since).await?;
    let records = store.score_records(tenant, user).await?;
    let mut reviews = store.reviews_about(tenant, user).await?;
    reviews.sort_by_key(|r| (r.created_at_ms, r.message_id));
    if profile.is_none()
        && standing.is_none()
        && pseudonym.is_none()
        && connections.is_empty()
        && buckets.is_empty()
        && owned.is_empty()
        && sanctions.is_empty()
        && reviews.is_empty()
        && records == ScoreRecords::default()
    {
        return Ok(None);
    }

    let (mut messages, mut reactions, mut reports, mut decisions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut votes, mut polls) = (Vec::new(), Vec::new());
    for stored in owned {
        match stored {
            Stored::Message(m) => {
                let mut entry = Map::new();
                entry.insert("roomId".into(), json!(m.room.as_str()));
                entry.insert("messageId".into(), json!(m.id.to_string()));
                entry.insert("text".into(), json!(m.text.as_str()));
                entry.insert("createdAt".into(), json!(format_time(m.created_at_ms)));
                entry.insert("visibility".into(), json!(m.visibility.as_str()));
                insert_some(
                    &mut entry,
                    "replyTo",
                    m.reply_to.map(|r| json!(r.to_string())),
                );
                entry.insert("reactions".into(), json!(m.reactions));
                messages.push(Value::Object(entry));
            }
            Stored::Reaction(r) => reactions.push(json!({
                "roomId": r.room.as_str(),
                "messageId": r.message.to_string(),
                "emoji": r.emoji.as_str(),
                "at": format_time(r.at_ms),
            })),
            Stored::Report(r) => reports.push(json!({
                "roomId": r.room.as_str(),
                "messageId": r.message.to_string(),
                "reason": r.reason,
                "at": format_time(r.at_ms),
            })),
            Stored::Poll(p) => polls.push(json!({
                "roomId": p.room.as_str(),
                "pollId": p.id.to_string(),
                "question": p.question,
                "options": p.options,
                "createdAt": format_time(p.created_at_ms),
            })),
            Stored::Vote(v) => votes.push(json!({
                "roomId": v.room.as_str(),
                "pollId": v.poll.to_string(),
                "choices": v.choices,
                "at": format_time(v.at_ms),
            })),
            Stored::Decision(d) => {
                let mut entry = Map::new();
                entry.insert("decisionId".into(), json!(d.id.to_string()));
                entry.insert("decision".into(), json!(d.kind.as_str()));
                entry.insert("stage".into(), json!(d.stage.as_str()));
                entry.insert("at".into(), json!(format_time(d.at_ms)));
                insert_some(&mut entry, "roomId", d.room.map(|r| json!(r.as_str())));
                insert_some(
                    &mut entry,
                    "messageId",
                    d.message.map(|m| json!(m.to_string())),
                );
                insert_some(&mut entry, "reason", d.reason.map(|r| json!(r)));
                entry.insert("categories".into(), json!(d.categories));
                insert_some(&mut entry, "durationS", d.duration_s.map(|s| json!(s)));
                decisions.push(Value::Object(entry));
            }
            _ => {}
        }
    }
    let sanctions: Vec<Value> = sanctions
        .into_iter()
        .map(|s| {
            let mut entry = Map::new();
            entry.insert("sanction".into(), json!(s.kind.as_str()));
            match &s.scope {
                Scope::Tenant => {
                    entry.insert("scope".into(), json!("tenant"));
                }
                Scope::Room(room) => {
                    entry.insert("scope".into(), json!("room"));
                    entry.insert("roomId".into(), json!(room.as_str()));
                }
            }
            insert_some(
                &mut entry,
                "until",
                s.until_ms.map(|u| json!(format_time(u))),
            );
            insert_some(&mut entry, "reason", s.reason.clone().map(|r| json!(r)));
            entry.insert("at".into(), json!(format_time(s.at_ms)));
            entry.insert("inForce".into(), json!(s.in_force(now_ms)));
            Value::Object(entry)
        })
        .collect();
    // What moderators were asked to review of theirs (who decided is left out:
    // another person).
    let reviews: Vec<Value> = reviews
        .into_iter()
        .map(|r| {
            json!({
                "roomId": r.room.as_str(),
                "messageId": r.message_id.to_string(),
                "text": r.text,
                "status": r.status.as_str(),
                "reason": r.reason,
                "categories": r.categories,
                "reports": r.reports,
                "createdAt": format_time(r.created_at_ms),
            })
        })
        .collect();
    let room_scores: Vec<Value> = records
        .rooms
        .iter()
        .map(|(room, score)| {
            json!({
                "roomId": room.as_str(),
                "value": score.value,
                "at": format_time(score.at_ms),
            })
        })
        .collect();
    let windows: Vec<Value> = records
        .windows
        .iter()
        .map(|(window, period, points)| {
            json!({"window": window.as_str(), "period": period, "points": points})
        })
        .collect();
    let tier_history: Vec<Value> = records
        .tier_changes
        .iter()
        .map(|c| {
            json!({
                "from": c.from.as_str(),
                "to": c.to.as_str(),
                "score": c.score,
                "at": format_time(c.at_ms),
            })
        })
        .collect();
    Ok(Some(json!({
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "tenantId": tenant.as_str(),
        "userId": user.as_str(),
        "exportedAt": format_time(now_ms),
        "profile": profile.map(|p| json!({
            "name": p.name,
            "role": p.role.as_str(),
            "lastSeen": format_time(p.last_seen_ms),
        })),
        "messages": messages,
        "reactions": reactions,
        "reports": reports,
        "votes": votes,
        "polls": polls,
        "decisions": decisions,
        "sanctions": sanctions,
        "pseudonym": pseudonym.map(|p| p.pseudonym),
        "connections": connections,
        "scoreBuckets": buckets,
        "roomScores": room_scores,
        "windowPoints": windows,
        "tierHistory": tier_history,
        "reviews": reviews,
        "score": standing.map(|s| json!({
            "value": s.score.value,
            "at": format_time(s.score.at_ms),
            "tier": s.tier.tier.as_str(),
            "promotedAt": format_time(s.tier.promoted_at_ms),
        })),
    })))
}
