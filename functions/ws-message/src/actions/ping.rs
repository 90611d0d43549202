//! `ping`: liveness and clock check; answers `pong` with the connection id.

use sideline_domain::time::format_time;
use sideline_ports::Ports;
use sideline_protocol::{FrameError, Ping, ServerFrame};

use crate::actions::Action;
use crate::Context;

impl Action for Ping {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        ctx.reply(&ServerFrame::Pong {
            connection_id: ctx.connection.clone(),
            server_time: format_time(ctx.now_ms),
            request_id: ctx.request_id.clone(),
        })
        .await;
        Ok(())
    }
}
