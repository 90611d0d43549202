//! Rebuilding scores from events: an archive replay, or a JSON-lines file such as
//! devstack's `--events-out`. The events go through the very same rules as the
//! live function, in the order given; the messages they are about are learnt from
//! the `community.message.sent` events before them (an archive holds no table), so
//! a replay needs nothing but the events. Scores come out as [`Ledger`]s, one per
//! tenant, which reach the same values as the store did for the same events in the
//! same order.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use sideline_domain::events::{BusEvent, EventData};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::message::MessageId;
use sideline_domain::scoring::{contributions_for, Ledger};
use sideline_domain::tenant::TenantConfig;
use sideline_domain::time::parse_time;

use crate::{activities, bad, MessageFacts, Messages, ScoringError};

/// An event as a line of a file: EventBridge's shape (`detail-type`, `detail`),
/// or a PutEvents entry as devstack's `--events-out` writes it (`DetailType`,
/// `Detail` as a JSON string).
pub fn event_of_line(line: &str) -> Result<Value, ScoringError> {
    let value: Value = serde_json::from_str(line).map_err(bad)?;
    if value.get("detail-type").is_some() {
        return Ok(value);
    }
    match (
        value.get("DetailType"),
        value.get("Detail").and_then(Value::as_str),
    ) {
        (Some(detail_type), Some(detail)) => {
            let detail: Value = serde_json::from_str(detail).map_err(bad)?;
            Ok(serde_json::json!({"detail-type": detail_type, "detail": detail}))
        }
        _ => Err(ScoringError::BadEvent(
            "a line is an EventBridge event or a PutEvents entry".into(),
        )),
    }
}

/// Messages learnt from the events so far, per tenant.
struct Seen<'a> {
    tenant: &'a TenantId,
    messages: &'a HashMap<(TenantId, MessageId), MessageFacts>,
}

impl Messages for Seen<'_> {
    async fn message(&self, id: &MessageId) -> Result<Option<MessageFacts>, ScoringError> {
        Ok(self.messages.get(&(self.tenant.clone(), *id)).cloned())
    }

    async fn user(&self, named: &str) -> Result<Option<UserId>, ScoringError> {
        match stand_in(named) {
            Some(user) => Ok(Some(user)),
            None => crate::legacy_user(named),
        }
    }
}

/// The key a replay's ledgers hold a user under. Events name users by their
/// pseudonym (`p_` and 32 hex digits), which a replay cannot resolve without the
/// table: it scores the pseudonym itself, under `u_` and the same digits (map
/// back with the table's pseudonyms; an erased user's map nowhere). Ids of
/// events from before pseudonyms are kept.
pub fn stand_in(named: &str) -> Option<UserId> {
    match named.strip_prefix("p_") {
        Some(digits) => UserId::parse(&format!("u_{digits}")).ok(),
        None => UserId::parse(named).ok(),
    }
}

/// What one fed event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    Scored,
    Duplicate,
    Skipped,
}

/// A replay in progress.
pub struct Replay {
    config: TenantConfig,
    messages: HashMap<(TenantId, MessageId), MessageFacts>,
    ledgers: BTreeMap<TenantId, Ledger<TenantConfig>>,
}

impl Replay {
    /// A replay that scores every tenant with `config`.
    pub fn new(config: TenantConfig) -> Self {
        Self {
            config,
            messages: HashMap::new(),
            ledgers: BTreeMap::new(),
        }
    }

    /// Scores one event (EventBridge's shape).
    pub async fn feed(&mut self, event: &Value) -> Result<Fed, ScoringError> {
        let event: BusEvent = serde::Deserialize::deserialize(event).map_err(bad)?;
        let detail = &event.detail;
        let tenant = TenantId::parse(&detail.tenant_id).map_err(bad)?;
        if let Ok(EventData::MessageSent(sent)) = detail.typed_data() {
            let author = stand_in(&detail.actor.canonical_id)
                .ok_or_else(|| bad(format!("actor `{}`", detail.actor.canonical_id)))?;
            let at = parse_time(&detail.occurred_at)
                .ok_or_else(|| bad(format!("occurredAt `{}`", detail.occurred_at)))?;
            self.messages.insert(
                (tenant.clone(), sent.message_id),
                MessageFacts {
                    author,
                    reply_to: sent.reply_to,
                    created_at_ms: at,
                },
            );
        }
        let seen = Seen {
            tenant: &tenant,
            messages: &self.messages,
        };
        let found = match activities(&event, &seen).await? {
            Ok(found) => found,
            Err(_) => return Ok(Fed::Skipped),
        };
        let made: Vec<_> = found
            .iter()
            .flat_map(|(activity, at)| contributions_for(activity, *at, &self.config))
            .collect();
        if made.is_empty() {
            return Ok(Fed::Skipped);
        }
        let ledger = self
            .ledgers
            .entry(tenant)
            .or_insert_with(|| Ledger::with_config(self.config.clone()));
        Ok(if ledger.record_contributions(&detail.event_id, &made) {
            Fed::Scored
        } else {
            Fed::Duplicate
        })
    }

    /// The rebuilt scores, per tenant.
    pub fn ledgers(&self) -> &BTreeMap<TenantId, Ledger<TenantConfig>> {
        &self.ledgers
    }
}
