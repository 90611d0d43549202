//! `history`: a page of older messages, newest first; `next` is the cursor for the
//! page after it.

use sideline_shared::message::MessageId;
use sideline_shared::ports::{Clock, Connections, Store};
use sideline_shared::protocol::{FrameError, MessageView, ServerFrame};
use sideline_shared::room::{Capability, RoomId};

use crate::{store_error, Context};

pub async fn apply<S, C, K>(
    ctx: &Context<'_, S, C, K>,
    room: RoomId,
    before: Option<MessageId>,
    limit: Option<usize>,
) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    let (member, info) = ctx.joined(&room).await?;
    Context::<S, C, K>::require(&member, &info, Capability::Read)?;
    let limit = limit.unwrap_or(ctx.deps.limits.history_default);
    let page = ctx
        .deps
        .store
        .history(&ctx.identity.tenant, &room, before.as_ref(), limit)
        .await
        .map_err(store_error)?;
    ctx.reply(&ServerFrame::History {
        room,
        messages: page
            .messages
            .iter()
            .filter(|m| m.visible_to(&ctx.identity.user))
            .map(MessageView::from)
            .collect(),
        next: page.next,
        request_id: ctx.request_id.clone(),
    })
    .await;
    Ok(())
}
