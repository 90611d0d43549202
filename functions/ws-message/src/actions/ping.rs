//! `ping`: liveness and clock check; answers `pong` with the connection id.

use sideline_shared::ports::{Clock, Connections, Store};
use sideline_shared::protocol::{format_time, FrameError, ServerFrame};

use crate::Context;

pub async fn apply<S, C, K>(ctx: &Context<'_, S, C, K>) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    ctx.reply(&ServerFrame::Pong {
        connection_id: ctx.connection.clone(),
        server_time: format_time(ctx.now_ms),
        request_id: ctx.request_id.clone(),
    })
    .await;
    Ok(())
}
