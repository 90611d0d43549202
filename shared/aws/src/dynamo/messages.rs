//! [`MessageStore`]: messages (with their `clientMsgId` claims) and reactions.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::message::{ClientMsgId, MessageId, Reaction, StoredMessage, Visibility};
use sideline_ports::{
    BackendError, HistoryPage, MessageError, MessageStore, PutMessage, ReactionChange,
    ReactionRequest,
};

use super::codec::{message_from, message_item, n, reaction_item, s, Attrs};
use super::{
    build_error, cancelled_conditions, is_conditional_failure, keys, unavailable, DynamoStore, Item,
};

/// How long a `clientMsgId` is remembered: retries later than this post again.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

impl DynamoStore {
    /// A page of a room's messages with sort keys in `range` (inclusive; `skip`,
    /// the cursor itself, is dropped), newest first or, `forward`, oldest first.
    async fn message_page(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        range: (String, String),
        forward: bool,
        skip: Option<&MessageId>,
        limit: usize,
    ) -> Result<HistoryPage, MessageError> {
        let mut messages = Vec::new();
        let mut start: Option<Item> = None;
        let mut more = false;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(keys::room_pk(tenant, room)))
                .expression_attribute_values(":lo", s(range.0.clone()))
                .expression_attribute_values(":hi", s(range.1.clone()))
                .scan_index_forward(forward)
                .consistent_read(true)
                .limit(i32::try_from(limit.saturating_add(2)).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                let message = message_from(item)?;
                if Some(&message.id) == skip {
                    continue;
                }
                if messages.len() == limit {
                    more = true;
                    break;
                }
                messages.push(message);
            }
            match out.last_evaluated_key {
                Some(k) if !more && !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        let next = if more {
            messages.last().map(|m| m.id)
        } else {
            None
        };
        Ok(HistoryPage { messages, next })
    }
}

impl MessageStore for DynamoStore {
    async fn next_seq(&self, tenant: &TenantId, room: &RoomId) -> Result<u64, MessageError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::room_seq(tenant, room)))
            .update_expression("ADD seq :one SET kind = :kind")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":kind", s("seq"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        let seq = out
            .attributes()
            .map(|item| Attrs(item).num("seq"))
            .transpose()?
            .ok_or_else(|| BackendError::corrupt("no seq in the answer"))?;
        u64::try_from(seq).map_err(|_| BackendError::corrupt("bad seq").into())
    }

    async fn put_message(&self, message: &StoredMessage) -> Result<PutMessage, MessageError> {
        let id_key = keys::client_msg_id(
            &message.tenant,
            &message.room,
            &message.author.id,
            message.client_msg_id.as_str(),
        );
        let mut id_item = id_key.clone();
        id_item.insert("kind".into(), s("client_msg_id"));
        id_item.insert("messageId".into(), s(message.id.to_string()));
        id_item.insert(
            "ttl".into(),
            n(message.created_at_ms / 1000 + IDEMPOTENCY_TTL_SECS),
        );
        let claim_id = Put::builder()
            .table_name(&self.table)
            .set_item(Some(id_item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(build_error)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(message)))
            .build()
            .map_err(build_error)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(claim_id).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutMessage::Created),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => {
                    let existing = self
                        .get(id_key)
                        .await?
                        .ok_or_else(|| BackendError::corrupt("idempotency key vanished"))?;
                    Ok(PutMessage::Duplicate {
                        existing: Attrs(&existing).message_id("messageId")?,
                    })
                }
                _ => Err(unavailable(err).into()),
            },
        }
    }

    async fn stored_client_msg(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        author: &UserId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<MessageId>, MessageError> {
        let key = keys::client_msg_id(tenant, room, author, client_msg_id.as_str());
        match self.get(key).await? {
            Some(item) => Ok(Some(Attrs(&item).message_id("messageId")?)),
            None => Ok(None),
        }
    }

    async fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> Result<StoredMessage, MessageError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::message(tenant, room, message)))
            .update_expression("SET visibility = :to")
            .condition_expression("visibility = :from")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":from", s(from.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                Ok(message_from(out.attributes.as_ref().ok_or_else(|| {
                    BackendError::corrupt("update returned nothing")
                })?)?)
            }
            Err(err) if is_conditional_failure(&err) => {
                match self.message(tenant, room, message).await? {
                    None => Err(MessageError::NotFound),
                    Some(m) => Err(MessageError::VisibilityChanged {
                        current: m.visibility,
                        expected: from,
                    }),
                }
            }
            Err(err) => Err(unavailable(err).into()),
        }
    }

    async fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<Option<StoredMessage>, MessageError> {
        self.get(keys::message(tenant, room, id))
            .await?
            .as_ref()
            .map(message_from)
            .transpose()
            .map_err(Into::into)
    }

    async fn history(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> Result<HistoryPage, MessageError> {
        let upper = match before {
            Some(b) => format!("MSG#{b}"),
            None => "MSG#~".to_owned(),
        };
        self.message_page(
            tenant,
            room,
            ("MSG#".to_owned(), upper),
            false,
            before,
            limit,
        )
        .await
    }

    async fn history_after(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        after: &MessageId,
        limit: usize,
    ) -> Result<HistoryPage, MessageError> {
        let lower = format!("MSG#{after}");
        self.message_page(
            tenant,
            room,
            (lower, "MSG#~".to_owned()),
            true,
            Some(after),
            limit,
        )
        .await
    }

    async fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> Result<ReactionChange, MessageError> {
        let (message, emoji, user, on) =
            (reaction.message, reaction.emoji, reaction.user, reaction.on);
        let marker_key = keys::reaction(tenant, room, message, emoji, user);
        let message_key = keys::message(tenant, room, message);
        let marker = if on {
            let item = reaction_item(&Reaction {
                tenant: tenant.clone(),
                room: room.clone(),
                message: *message,
                emoji: emoji.clone(),
                user: user.clone(),
                role: reaction.role,
                at_ms: reaction.at_ms,
                correlation_id: reaction.correlation_id.map(str::to_owned),
                batched: reaction.batched,
            });
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        } else {
            TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(marker_key))
                        .condition_expression("attribute_exists(PK)")
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        };
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(message_key.clone()))
            .update_expression(if on {
                "SET reactions.#e = if_not_exists(reactions.#e, :zero) + :one"
            } else {
                "SET reactions.#e = reactions.#e - :one"
            })
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#e", emoji.as_str())
            .expression_attribute_values(":one", n(1))
            .set_expression_attribute_values(Some(if on {
                HashMap::from([(":one".to_owned(), n(1)), (":zero".to_owned(), n(0))])
            } else {
                HashMap::from([(":one".to_owned(), n(1))])
            }))
            .build()
            .map_err(build_error)?;
        let (changed, stored) = self
            .marker_and_message_update(marker, count, message_key)
            .await?
            .ok_or(MessageError::NotFound)?;
        let count = message_from(&stored)?
            .reactions
            .get(emoji.as_str())
            .copied()
            .unwrap_or(0);
        Ok(ReactionChange { count, changed })
    }
}
