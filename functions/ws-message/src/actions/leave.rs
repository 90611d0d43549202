//! `leave`: exit a room. Idempotent; the others get `presence` when the user is no
//! longer there in any tab.

use sideline_ports::{Ports, RoomStore};
use sideline_protocol::{FrameError, Leave, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Leave {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Leave { room } = self;

        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let was_member = store
            .leave_room(tenant, &room, ctx.connection, ctx.request_id.as_deref())
            .await
            .map_err(client_error)?;
        ctx.reply(&ServerFrame::Left {
            room: room.clone(),
            request_id: ctx.request_id.clone(),
        })
        .await;
        if was_member {
            let members = store
                .room_members(tenant, &room)
                .await
                .map_err(client_error)?;
            if !members.iter().any(|m| m.user == ctx.identity.user) {
                ctx.broadcaster()
                    .presence(&room, &members, None, ctx.now_ms)
                    .await;
            }
        }
        Ok(())
    }
}
