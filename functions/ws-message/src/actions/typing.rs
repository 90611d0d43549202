//! `typing`: tell the others someone is writing. Ephemeral (never stored) and
//! throttled per connection and room; throttled frames are dropped silently.

use sideline_domain::room::Capability;
use sideline_ports::{Ports, RoomStore};
use sideline_protocol::{FrameError, ServerFrame, Typing, UserView};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Typing {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Typing { room } = self;

        let (member, _) = ctx.member_may(&room, Capability::Write).await?;
        let gap_ms = ctx.deps.limits.typing_throttle.as_millis() as i64;
        if !ctx
            .deps
            .typing
            .allow(ctx.connection, &room, ctx.now_ms, gap_ms)
        {
            return Ok(());
        }
        let members = ctx
            .store()
            .room_members(&ctx.identity.tenant, &room)
            .await
            .map_err(client_error)?;
        let frame = ServerFrame::Typing {
            room,
            user: UserView {
                id: ctx.identity.user.clone(),
                name: ctx.identity.name.clone(),
                role: member.role,
                tier: member.tier,
            },
        };
        ctx.broadcaster()
            .to_members(&members, &frame, Some(ctx.connection))
            .await;
        Ok(())
    }
}
