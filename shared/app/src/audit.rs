//! The host's acts in the moderation record: erasures and legal holds are
//! decisions like any other (`community.moderation.user_erased`,
//! `legal_hold_set`, `legal_hold_lifted`), made by the host's backend through the
//! server API (`actorRole` `host`, stage `human`). Their ids derive from what
//! they record, so writing one again is a no-op.

use sideline_domain::ids::{DecisionId, RoomId, TenantId, UserId};
use sideline_domain::moderation::{Decision, DecisionKind, Stage};
use sideline_domain::retention::LegalHold;
use sideline_ports::{DecisionError, DecisionLog};

/// A decision of the host's, named by `name` (unique per tenant).
pub fn host_decision(
    tenant: &TenantId,
    kind: DecisionKind,
    name: &str,
    at_ms: i64,
    reason: String,
) -> Decision {
    let mut decision = Decision::automatic(tenant, kind, Stage::Human, at_ms);
    decision.id = DecisionId::derived(&format!("{tenant}\u{1f}{name}"));
    decision.actor_role = "host".into();
    decision.rule_version = "host".into();
    decision.reason = Some(reason);
    decision
}

/// Records a decision; one already recorded is fine.
pub async fn record<S: DecisionLog>(store: &S, decision: &Decision) -> Result<(), DecisionError> {
    match store.record_decision(decision).await {
        Ok(()) | Err(DecisionError::AlreadyRecorded { .. }) => Ok(()),
        Err(err) => Err(err),
    }
}

/// The decisions a settings document's new version makes of its legal holds:
/// one per hold put on or lifted (the tenant, each room, each user).
pub fn hold_changes(
    tenant: &TenantId,
    before: &LegalHold,
    after: &LegalHold,
    version: u64,
    at_ms: i64,
) -> Vec<Decision> {
    let mut made = Vec::new();
    let mut change = |set: bool, what: &str, room: Option<&String>, user: Option<&String>| {
        let kind = if set {
            DecisionKind::LegalHoldSet
        } else {
            DecisionKind::LegalHoldLifted
        };
        let mut decision = host_decision(
            tenant,
            kind,
            &format!("hold\u{1f}{version}\u{1f}{}\u{1f}{what}", kind.as_str()),
            at_ms,
            format!(
                "legal hold on {what} {} (settings version {version})",
                if set { "set" } else { "lifted" }
            ),
        );
        decision.room = room.and_then(|r| RoomId::parse(r).ok());
        decision.subject = user.and_then(|u| UserId::parse(u).ok());
        made.push(decision);
    };
    if before.tenant != after.tenant {
        change(after.tenant, "the tenant", None, None);
    }
    for room in after.rooms.difference(&before.rooms) {
        change(true, &format!("room {room}"), Some(room), None);
    }
    for room in before.rooms.difference(&after.rooms) {
        change(false, &format!("room {room}"), Some(room), None);
    }
    for user in after.users.difference(&before.users) {
        change(true, "a user", None, Some(user));
    }
    for user in before.users.difference(&after.users) {
        change(false, "a user", None, Some(user));
    }
    made
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hold_put_on_or_lifted_is_one_decision_made_once() {
        let t = TenantId::parse("acme").unwrap();
        let ada = UserId::derive(&t, "ada").to_string();
        let before = LegalHold {
            tenant: false,
            rooms: ["r1".to_owned()].into(),
            users: Default::default(),
        };
        let after = LegalHold {
            tenant: true,
            rooms: ["r2".to_owned()].into(),
            users: [ada.clone()].into(),
        };
        let made = hold_changes(&t, &before, &after, 4, 10);
        let kinds: Vec<(&str, Option<String>, Option<String>)> = made
            .iter()
            .map(|d| {
                (
                    d.kind.as_str(),
                    d.room.as_ref().map(|r| r.to_string()),
                    d.subject.as_ref().map(|u| u.to_string()),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("legal_hold_set", None, None),
                ("legal_hold_set", Some("r2".into()), None),
                ("legal_hold_lifted", Some("r1".into()), None),
                ("legal_hold_set", None, Some(ada)),
            ]
        );
        assert!(made.iter().all(|d| d.actor_role == "host"));
        // The same version's changes are the same decisions; nothing changed, none.
        assert_eq!(hold_changes(&t, &before, &after, 4, 99)[0].id, made[0].id);
        assert!(hold_changes(&t, &after, &after, 5, 10).is_empty());
    }
}
