//! `send`: post a message. Order: membership and capability, reply target, rate
//! limit, the inline moderation stage, then one conditional write that also makes
//! `clientMsgId` idempotent; only a newly stored message is broadcast, to the room
//! when public, to its author's connections when shadowed or held.

use std::collections::BTreeMap;

use sideline_shared::message::{
    Author, ClientMsgId, MessageId, MessageText, StoredMessage, Visibility,
};
use sideline_shared::moderation::{Action, AuthorStanding};
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

    let verdict = ctx.deps.moderator.moderate(
        text.as_str(),
        &AuthorStanding {
            role: member.role,
            reputation: 0.5,
        },
    );
    let status = match verdict.action {
        Action::Block => {
            tracing::info!(categories = ?verdict.categories, "message blocked");
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                message_id: None,
                status: AckStatus::Blocked,
                duplicate: false,
                reason: verdict.reason,
                request_id: ctx.request_id.clone(),
            })
            .await;
            return Ok(());
        }
        Action::Allow => AckStatus::Delivered,
        Action::Mask => AckStatus::Masked,
        Action::Shadow => AckStatus::Shadowed,
        Action::Hold => AckStatus::Held,
    };
    let visibility = match verdict.action {
        Action::Shadow => Visibility::Shadowed,
        Action::Hold => Visibility::Held,
        _ => Visibility::Public,
    };
    let message = StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id: MessageId::new_v7(),
        author: Author {
            id: ctx.identity.user.clone(),
            name: ctx.identity.name.clone(),
            role: member.role,
        },
        text: MessageText::from_stored(verdict.stored),
        created_at_ms: ctx.now_ms,
        reply_to,
        client_msg_id: client_msg_id.clone(),
        correlation_id: ctx.request_id.clone(),
        reactions: BTreeMap::new(),
        visibility,
    };
    match store.put_message(&message).await.map_err(store_error)? {
        PutMessage::Duplicate { existing } => {
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                message_id: Some(existing),
                status,
                duplicate: true,
                reason: None,
                request_id: ctx.request_id.clone(),
            })
            .await;
        }
        PutMessage::Created => {
            ctx.reply(&ServerFrame::Ack {
                client_msg_id,
                message_id: Some(message.id),
                status,
                duplicate: false,
                reason: verdict.reason,
                request_id: ctx.request_id.clone(),
            })
            .await;
            let mut members = store
                .room_members(tenant, &room)
                .await
                .map_err(store_error)?;
            // Everyone, the sender's own connections included, gets a public message;
            // a shadowed or held one reaches the author's connections only.
            members.retain(|m| visibility == Visibility::Public || m.user == ctx.identity.user);
            let frame = ServerFrame::Message {
                message: MessageView::from(&message),
            };
            ctx.broadcaster().to_members(&members, &frame, None).await;
        }
    }
    Ok(())
}
