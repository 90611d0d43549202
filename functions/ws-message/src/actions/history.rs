//! `history`: a page of older messages, newest first, or with `after` the
//! messages after one the client saw, oldest first; `next` is the cursor for the
//! page after it.

use sideline_domain::room::Capability;
use sideline_ports::{MessageStore, Ports};
use sideline_protocol::{FrameError, History, MessageView, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for History {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let History {
            room,
            before,
            after,
            limit,
        } = self;

        ctx.member_may(&room, Capability::Read).await?;
        let limit = limit.unwrap_or(ctx.deps.limits.history_default);
        let tenant = &ctx.identity.tenant;
        let page = match &after {
            Some(after) => ctx.store().history_after(tenant, &room, after, limit).await,
            None => {
                ctx.store()
                    .history(tenant, &room, before.as_ref(), limit)
                    .await
            }
        }
        .map_err(client_error)?;
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
}
