//! One module and one `apply` per client action.

use sideline_shared::ports::{Clock, Connections, Store};
use sideline_shared::protocol::{Command, FrameError};

use crate::Context;

pub mod configure;
pub mod history;
pub mod join;
pub mod leave;
pub mod moderate;
pub mod ping;
pub mod presence;
pub mod react;
pub mod report;
pub mod send;
pub mod typing;

/// Runs one command.
pub async fn apply<S, C, K>(ctx: &Context<'_, S, C, K>, command: Command) -> Result<(), FrameError>
where
    S: Store,
    C: Connections,
    K: Clock,
{
    match command {
        Command::Join { room } => join::apply(ctx, room).await,
        Command::Leave { room } => leave::apply(ctx, room).await,
        Command::Send {
            room,
            text,
            client_msg_id,
            reply_to,
        } => send::apply(ctx, room, text, client_msg_id, reply_to).await,
        Command::React {
            room,
            message_id,
            emoji,
            on,
        } => react::apply(ctx, room, message_id, emoji, on).await,
        Command::Typing { room } => typing::apply(ctx, room).await,
        Command::History {
            room,
            before,
            limit,
        } => history::apply(ctx, room, before, limit).await,
        Command::Presence { room } => presence::apply(ctx, room).await,
        Command::Ping => ping::apply(ctx).await,
        Command::Configure { room, mode } => configure::apply(ctx, room, mode).await,
        Command::Moderate { room, op } => moderate::apply(ctx, room, op).await,
        Command::Report {
            room,
            message_id,
            reason,
        } => report::apply(ctx, room, message_id, reason).await,
    }
}
