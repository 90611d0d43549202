//! One module per client action: each implements [`Action`] for the protocol's
//! struct of that action, as mini-redis's commands carry their own `apply`.

use std::future::Future;

use sideline_ports::Ports;
use sideline_protocol::{Command, FrameError};

use crate::Context;

pub mod configure;
pub mod history;
pub mod join;
pub mod leaderboard;
pub mod leave;
pub mod moderate;
pub mod ping;
pub mod poll;
pub mod presence;
pub mod react;
pub mod report;
pub mod score;
pub mod send;
pub mod typing;

/// A client action: applied with its context, answered with frames; an error
/// becomes the `error` frame the client gets.
pub trait Action {
    fn apply<P: Ports>(
        self,
        ctx: &Context<'_, P>,
    ) -> impl Future<Output = Result<(), FrameError>> + Send;
}

/// Runs one command.
pub async fn apply<P: Ports>(ctx: &Context<'_, P>, command: Command) -> Result<(), FrameError> {
    match command {
        Command::Join(c) => c.apply(ctx).await,
        Command::Leave(c) => c.apply(ctx).await,
        Command::Send(c) => c.apply(ctx).await,
        Command::React(c) => c.apply(ctx).await,
        Command::Typing(c) => c.apply(ctx).await,
        Command::History(c) => c.apply(ctx).await,
        Command::Presence(c) => c.apply(ctx).await,
        Command::Ping(c) => c.apply(ctx).await,
        Command::Configure(c) => c.apply(ctx).await,
        Command::Moderate(c) => c.apply(ctx).await,
        Command::Report(c) => c.apply(ctx).await,
        Command::Score(c) => c.apply(ctx).await,
        Command::Leaderboard(c) => c.apply(ctx).await,
        Command::Poll(c) => c.apply(ctx).await,
    }
}
