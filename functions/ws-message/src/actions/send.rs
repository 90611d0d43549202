//! `send`: post a message. Order: membership and capability, reply target, rate
//! limit, then one conditional write that also makes `clientMsgId` idempotent;
//! only a newly stored message is broadcast.

use std::collections::BTreeMap;

use sideline_shared::message::{Author, ClientMsgId, MessageId, MessageText, StoredMessage};
use sideline_shared::ports::{Clock, CommunityStore, Connections, PutMessage};
use sideline_shared::protocol::{AckStatus, ErrorCode, FrameError, MessageView, ServerFrame};
use sideline_shared::room::{Capability, RoomId};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    text: MessageText,
    client_msg_id: ClientMsgId,
    reply_to: Option<MessageId>,
) -> Result<(), FrameError>
where
    S: CommunityStore,
    C: Connections,
    K: Clock,
{
    let store = &ctx.deps.store;
    let tenant = &ctx.identity.tenant;
    let limits = &ctx.deps.limits;
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Write)?;
    if let Some(target) = &reply_to {
        if store
            .message(tenant, &room, target)
            .await
            .map_err(store_error)?
            .is_none()
        {
            return Err(FrameError::new(
                ErrorCode::NotFound,
                "replyTo: message not found",
            ));
        }
    }

    let window_ms = limits.rate_limit_window.as_millis() as i64;
    let window_start = ctx.now_ms - ctx.now_ms.rem_euclid(window_ms);
    let window_end = window_start + window_ms;
    let sent = store
        .count_send(
            tenant,
            &room,
            &ctx.identity.user,
            window_start,
            window_end / 1000 + 1,
        )
        .await
        .map_err(store_error)?;
    if sent > limits.rate_limit_messages {
        let mut err = FrameError::new(
            ErrorCode::RateLimited,
            format!(
                "at most {} messages per {} s in one room",
                limits.rate_limit_messages,
                limits.rate_limit_window.as_secs()
            ),
        );
        err.retry_after_ms = Some((window_end - ctx.now_ms).max(0) as u64);
        return Err(err);
    }

    let message = StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id: MessageId::new_v7(),
        author: Author {
            id: ctx.identity.user.clone(),
            name: ctx.identity.name.clone(),
            role: member.role,
        },
        text,
        created_at_ms: ctx.now_ms,
        reply_to,
        client_msg_id: client_msg_id.clone(),
        correlation_id: ctx.request_id.clone(),
        reactions: BTreeMap::new(),
    };
    match store.put_message(&message).await.map_err(store_error)? {
        PutMessage::Duplicate { existing } => {
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                message_id: existing,
                status: AckStatus::Delivered,
                duplicate: true,
                reason: None,
                request_id: ctx.request_id.clone(),
            })
            .await;
        }
        PutMessage::Created => {
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                message_id: message.id,
                status: AckStatus::Delivered,
                duplicate: false,
                reason: None,
                request_id: ctx.request_id.clone(),
            })
            .await;
            let members = store
                .room_members(tenant, &room)
                .await
                .map_err(store_error)?;
            let frame = ServerFrame::Message {
                message: MessageView::from(&message),
            };
            // Everyone, the sender's own connections included, gets the message.
            ctx.broadcaster().to_members(&members, &frame, None).await;
        }
    }
    Ok(())
}
