//! [`RoomStore`]: the room's `META` item, memberships, and the rooms noted on the
//! connection.

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use sideline_domain::connection::Member;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId};
use sideline_domain::room::{RoomInfo, RoomMode, RoomProfile};
use sideline_ports::{BackendError, RoomError, RoomStore};

use super::codec::{member_from, member_item, n, room_info, room_profile, s};
use super::{
    build_error, cancelled_conditions, is_conditional_failure, keys, unavailable, DynamoStore,
};

impl RoomStore for DynamoStore {
    async fn claim_presence_count(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        now_ms: i64,
        every_ms: i64,
    ) -> Result<bool, RoomError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::room_presence(tenant, room)))
            .update_expression("SET sentAt = :now, #ttl = :ttl, kind = :kind")
            .condition_expression("attribute_not_exists(sentAt) OR sentAt <= :due")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":due", n(now_ms.saturating_sub(every_ms)))
            .expression_attribute_values(":ttl", n(now_ms / 1000 + 3600))
            .expression_attribute_values(":kind", s("presence_count"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err).into()),
        }
    }

    async fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> Result<RoomInfo, RoomError> {
        let meta = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::room_meta(tenant, room)))
            .update_expression(
                "SET #mode = if_not_exists(#mode, :open), createdAt = if_not_exists(createdAt, :now), kind = :kind, tenant = :tenant, room = :room",
            )
            .expression_attribute_names("#mode", "mode")
            .expression_attribute_values(":open", s(RoomMode::Open.as_str()))
            .expression_attribute_values(":now", n(member.joined_at_ms))
            .expression_attribute_values(":kind", s("room"))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":room", s(room.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(unavailable)?;
        let info = room_info(
            meta.attributes
                .as_ref()
                .ok_or_else(|| BackendError::corrupt("room update returned nothing"))?,
        )?;

        let note_room = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::connection(tenant, &member.connection_id)))
            .update_expression("ADD rooms :rooms")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(rooms) OR contains(rooms, :room) OR size(rooms) < :max)",
            )
            .expression_attribute_values(":rooms", AttributeValue::Ss(vec![room.as_str().to_owned()]))
            .expression_attribute_values(":room", s(room.as_str()))
            .expression_attribute_values(":max", n(max_rooms))
            .build()
            .map_err(build_error)?;
        let put_member = Put::builder()
            .table_name(&self.table)
            .set_item(Some(member_item(tenant, room, member)))
            .build()
            .map_err(build_error)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(note_room).build())
            .transact_items(TransactWriteItem::builder().put(put_member).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(info),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => {
                    let recorded = self
                        .get(keys::connection(tenant, &member.connection_id))
                        .await?;
                    if recorded.is_none() {
                        Err(RoomError::ConnectionNotFound)
                    } else {
                        Err(RoomError::RoomLimit { max: max_rooms })
                    }
                }
                _ => Err(unavailable(err).into()),
            },
        }
    }

    async fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> Result<bool, RoomError> {
        let member_key = keys::member(tenant, room, id);
        if let Some(correlation) = correlation_id {
            // A delete cannot write attributes, so the leave's request id goes on the
            // item first; the stream's removal then carries it. No member, no write.
            self.set_existing(member_key.clone(), "correlationId", s(correlation))
                .await?;
        }
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(member_key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::connection(tenant, id)))
            .update_expression("DELETE rooms :rooms")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(
                ":rooms",
                AttributeValue::Ss(vec![room.as_str().to_owned()]),
            )
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(err) if is_conditional_failure(&err) => {}
            Err(err) => return Err(unavailable(err).into()),
        }
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> Result<Option<(Member, RoomInfo)>, RoomError> {
        let (member, meta) = tokio::try_join!(
            self.get(keys::member(tenant, room, id)),
            self.get(keys::room_meta(tenant, room))
        )?;
        match (member, meta) {
            (Some(member), Some(meta)) => Ok(Some((member_from(&member)?, room_info(&meta)?))),
            _ => Ok(None),
        }
    }

    async fn room_members(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Vec<Member>, RoomError> {
        let items = self
            .query_prefix(keys::room_pk(tenant, room), "MEMBER#")
            .await?;
        Ok(items.iter().map(member_from).collect::<Result<_, _>>()?)
    }

    async fn set_room_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        mode: RoomMode,
    ) -> Result<(), RoomError> {
        self.set_room_setting(tenant, room, "mode", s(mode.as_str()))
            .await
    }

    async fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> Result<(), RoomError> {
        self.set_room_setting(tenant, room, "slowModeS", n(seconds))
            .await
    }

    async fn put_room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        profile: &RoomProfile,
        now_ms: i64,
    ) -> Result<RoomInfo, RoomError> {
        let mut sets = vec![
            "#mode = if_not_exists(#mode, :open)",
            "createdAt = if_not_exists(createdAt, :now)",
            "kind = :kind",
            "tenant = :tenant",
            "room = :room",
        ];
        let mut removes = Vec::new();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::room_meta(tenant, room)))
            .expression_attribute_names("#mode", "mode")
            .expression_attribute_values(":open", s(RoomMode::Open.as_str()))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":kind", s("room"))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":room", s(room.as_str()));
        let fields = [
            ("#title", "title", ":title", profile.title.clone().map(s)),
            (
                "#object",
                "object",
                ":object",
                profile.object.clone().map(s),
            ),
            ("#opens", "opensAt", ":opens", profile.opens_at_ms.map(n)),
            (
                "#closes",
                "closesAt",
                ":closes",
                profile.closes_at_ms.map(n),
            ),
        ];
        for (name, attr, placeholder, value) in fields {
            update = update.expression_attribute_names(name, attr);
            match value {
                Some(v) => {
                    sets.push(match name {
                        "#title" => "#title = :title",
                        "#object" => "#object = :object",
                        "#opens" => "#opens = :opens",
                        _ => "#closes = :closes",
                    });
                    update = update.expression_attribute_values(placeholder, v);
                }
                None => removes.push(name),
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let out = update
            .update_expression(expression)
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(room_info(&out.attributes.unwrap_or_default())?)
    }

    async fn room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Option<(RoomInfo, RoomProfile)>, RoomError> {
        let Some(item) = self.get(keys::room_meta(tenant, room)).await? else {
            return Ok(None);
        };
        Ok(Some((room_info(&item)?, room_profile(&item)?)))
    }
}

impl DynamoStore {
    /// Sets one attribute of a room's `META` item; `RoomNotFound` if nobody ever
    /// joined it.
    async fn set_room_setting(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        attr: &str,
        value: AttributeValue,
    ) -> Result<(), RoomError> {
        if self
            .set_existing(keys::room_meta(tenant, room), attr, value)
            .await?
        {
            Ok(())
        } else {
            Err(RoomError::RoomNotFound)
        }
    }
}
