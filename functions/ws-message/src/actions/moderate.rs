//! `moderate`: moderators and admins decide on held messages. `approve` sends a
//! held message to the room; `reject` removes it and tells its author's connections
//! (`message_removed`). The change is one conditional write, so two moderators
//! deciding at once cannot both win (`conflict`).

use sideline_shared::message::{MessageId, Visibility};
use sideline_shared::ports::{Clock, CommunityStore, Connections};
use sideline_shared::protocol::{FrameError, MessageView, ModerateOp, ServerFrame};
use sideline_shared::room::{Capability, RoomId};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    op: ModerateOp,
    message_id: MessageId,
) -> Result<(), FrameError>
where
    S: CommunityStore,
    C: Connections,
    K: Clock,
{
    let store = &ctx.deps.store;
    let tenant = &ctx.identity.tenant;
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Moderate)?;
    let to = match op {
        ModerateOp::Approve => Visibility::Public,
        ModerateOp::Reject => Visibility::Removed,
    };
    let message = store
        .set_visibility(tenant, &room, &message_id, Visibility::Held, to)
        .await
        .map_err(store_error)?;
    tracing::info!(message_id = %message_id, op = ?op, moderator = %ctx.identity.user, "moderated");
    ctx.reply(&ServerFrame::Moderated {
        room: room.clone(),
        op,
        message_id,
        request_id: ctx.request_id.clone(),
    })
    .await;
    let mut members = store
        .room_members(tenant, &room)
        .await
        .map_err(store_error)?;
    let frame = match op {
        ModerateOp::Approve => ServerFrame::Message {
            message: MessageView::from(&message),
        },
        ModerateOp::Reject => {
            members.retain(|m| m.user == message.author.id);
            ServerFrame::MessageRemoved { room, message_id }
        }
    };
    ctx.broadcaster().to_members(&members, &frame, None).await;
    Ok(())
}
