//! [`PollStore`] on the table: the poll (with its tally as `c0`…`c9` and
//! `voters`) and each vote in the room's partition. A vote is one transaction —
//! the vote, conditional on the version read before it, and the tally,
//! conditional on the poll being open — so counts always equal the votes stored.
//! Transactions on one poll that collide (`TransactionConflict`) are tried again
//! after a short jittered wait. The result-update slot is an item of its own, so
//! claiming it never collides with votes.

use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem, Update};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::poll::{Poll, PollActor, PollId, Vote, VoteOutcome};
use sideline_ports::{PollError, PollStore};

use super::codec::{count_attr, n, poll_from, poll_item, s, vote_from, vote_item};
use super::{
    build_error, cancelled_conditions, is_conditional_failure, is_put_conditional_failure, keys,
    unavailable, DynamoStore,
};

/// Tries of a vote whose earlier vote changed under it, or whose transaction
/// collided with another on the poll.
const VOTE_TRIES: u32 = 6;
/// How long a result-update slot item is kept (it only matters for a second).
const SLOT_TTL_S: i64 = 3_600;

impl DynamoStore {
    async fn read_poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
    ) -> Result<Option<Poll>, PollError> {
        self.get(keys::poll(tenant, room, id))
            .await?
            .map(|item| poll_from(&item))
            .transpose()
            .map_err(PollError::from)
    }

    /// One try of a vote: `None` when the earlier vote changed meanwhile.
    async fn try_vote(&self, vote: &Vote) -> Result<Option<VoteOutcome>, PollError> {
        let (tenant, room) = (&vote.tenant, &vote.room);
        let poll = self
            .read_poll(tenant, room, &vote.poll)
            .await?
            .ok_or(PollError::NotFound)?;
        if !poll.is_open(vote.at_ms) {
            return Err(PollError::Closed);
        }
        let previous = self.user_vote(tenant, room, &vote.poll, &vote.user).await?;
        if let Some(p) = previous.as_ref().filter(|p| p.choices == vote.choices) {
            return Ok(Some(VoteOutcome {
                poll,
                previous: Some(p.choices.clone()),
                changed: false,
            }));
        }
        let stored = Vote {
            version: previous.as_ref().map_or(1, |p| p.version + 1),
            ..vote.clone()
        };
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(vote_item(&stored)));
        put = match &previous {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(p) => put
                .condition_expression("ver = :prev")
                .expression_attribute_values(":prev", n(p.version)),
        };
        let mut deltas = vec![0i64; poll.options.len()];
        for &c in previous.iter().flat_map(|p| p.choices.iter()) {
            deltas[usize::from(c)] -= 1;
        }
        for &c in &vote.choices {
            deltas[usize::from(c)] += 1;
        }
        let mut adds: Vec<String> = Vec::new();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::poll(tenant, room, &vote.poll)))
            .condition_expression(
                "attribute_exists(PK) AND attribute_not_exists(closedAt) \
                 AND (attribute_not_exists(closesAt) OR closesAt > :now)",
            )
            .expression_attribute_values(":now", n(vote.at_ms));
        for (i, delta) in deltas.iter().enumerate().filter(|(_, d)| **d != 0) {
            adds.push(format!("#c{i} :d{i}"));
            update = update
                .expression_attribute_names(format!("#c{i}"), count_attr(i))
                .expression_attribute_values(format!(":d{i}"), n(delta));
        }
        if previous.is_none() {
            adds.push("voters :one".to_owned());
            update = update.expression_attribute_values(":one", n(1));
        }
        let update = update
            .update_expression(format!("ADD {}", adds.join(", ")))
            .build()
            .map_err(build_error)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(put.build().map_err(build_error)?)
                    .build(),
            )
            .transact_items(TransactWriteItem::builder().update(update).build())
            .send()
            .await;
        if let Err(err) = result {
            return match cancelled_conditions(&err) {
                Some(reasons) if reasons.get(1) == Some(&true) => {
                    match self.read_poll(tenant, room, &vote.poll).await? {
                        None => Err(PollError::NotFound),
                        Some(_) => Err(PollError::Closed),
                    }
                }
                // The vote changed meanwhile, or another transaction on the
                // poll collided with this one: try again.
                Some(_) => Ok(None),
                None => Err(PollError::Backend(unavailable(err))),
            };
        }
        let poll = self
            .read_poll(tenant, room, &vote.poll)
            .await?
            .ok_or(PollError::NotFound)?;
        Ok(Some(VoteOutcome {
            poll,
            previous: previous.map(|p| p.choices),
            changed: true,
        }))
    }
}

impl PollStore for DynamoStore {
    async fn create_poll(
        &self,
        poll: &Poll,
        max_open: usize,
        now_ms: i64,
    ) -> Result<(), PollError> {
        // Counted, then written: two creators racing may pass the limit by one.
        let open = self
            .unclosed_polls(&poll.tenant, &poll.room)
            .await?
            .iter()
            .filter(|p| p.is_open(now_ms))
            .count();
        if open >= max_open {
            return Err(PollError::TooMany { max: max_open });
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(poll_item(poll)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The same poll again (a retried request): it stands.
            Err(err) if is_put_conditional_failure(&err) => Ok(()),
            Err(err) => Err(PollError::Backend(unavailable(err))),
        }
    }

    async fn poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
    ) -> Result<Option<Poll>, PollError> {
        self.read_poll(tenant, room, id).await
    }

    async fn unclosed_polls(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Vec<Poll>, PollError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :p)")
            .filter_expression("attribute_not_exists(closedAt)")
            .expression_attribute_values(":pk", s(keys::room_pk(tenant, room)))
            .expression_attribute_values(":p", s("POLL#"))
            .consistent_read(true);
        self.all_pages(query)
            .await?
            .iter()
            .map(|item| poll_from(item).map_err(PollError::from))
            .collect()
    }

    async fn vote(&self, vote: &Vote) -> Result<VoteOutcome, PollError> {
        for attempt in 0..VOTE_TRIES {
            if attempt > 0 {
                // Spread colliding retries apart (any varying bits will do).
                let jitter = u64::from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.subsec_nanos())
                        % 20,
                );
                tokio::time::sleep(std::time::Duration::from_millis(
                    (5 << attempt.min(4)) + jitter,
                ))
                .await;
            }
            if let Some(outcome) = self.try_vote(vote).await? {
                return Ok(outcome);
            }
        }
        Err(PollError::Contended)
    }

    async fn user_vote(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        poll: &PollId,
        user: &UserId,
    ) -> Result<Option<Vote>, PollError> {
        self.get(keys::vote(tenant, room, poll, user))
            .await?
            .map(|item| vote_from(&item))
            .transpose()
            .map_err(PollError::from)
    }

    async fn close_poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        by: Option<&PollActor>,
        at_ms: i64,
    ) -> Result<Poll, PollError> {
        let poll = self
            .read_poll(tenant, room, id)
            .await?
            .ok_or(PollError::NotFound)?;
        let closed_at = poll.closing_at(by, at_ms);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::poll(tenant, room, id)))
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(closedAt)")
            .expression_attribute_values(":at", n(closed_at))
            .return_values(ReturnValue::AllNew);
        update = match by {
            Some(actor) => update
                .update_expression("SET closedAt = :at, closedBy = :by, closedRole = :role")
                .expression_attribute_values(":by", s(actor.id()))
                .expression_attribute_values(":role", s(actor.role())),
            None => update.update_expression("SET closedAt = :at"),
        };
        match update.send().await {
            Ok(out) => Ok(poll_from(&out.attributes.unwrap_or_default())?),
            Err(err) if is_conditional_failure(&err) => Err(PollError::Closed),
            Err(err) => Err(PollError::Backend(unavailable(err))),
        }
    }

    async fn claim_results_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        slot_ms: i64,
    ) -> Result<bool, PollError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::poll_slot(tenant, room, id)))
            .update_expression("SET slot = :slot, kind = :kind, #ttl = :ttl")
            .condition_expression("attribute_not_exists(slot) OR slot < :slot")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":slot", n(slot_ms))
            .expression_attribute_values(":kind", s("poll_slot"))
            .expression_attribute_values(":ttl", n(slot_ms / 1000 + SLOT_TTL_S))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(false),
            Err(err) => Err(PollError::Backend(unavailable(err))),
        }
    }
}
