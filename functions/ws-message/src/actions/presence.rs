//! `presence`: who is in a room now (users, not connections; counts only in large
//! rooms).

use sideline_app::fanout::presence_view;
use sideline_ports::{Ports, RoomStore};
use sideline_protocol::{FrameError, Presence, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Presence {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Presence { room } = self;

        ctx.joined(&room).await?;
        let members = ctx
            .store()
            .room_members(&ctx.identity.tenant, &room)
            .await
            .map_err(client_error)?;
        ctx.reply(&ServerFrame::Presence {
            room,
            presence: presence_view(&members, ctx.deps.limits.presence_list_max),
            request_id: ctx.request_id.clone(),
        })
        .await;
        Ok(())
    }
}
