//! `score`: the caller's engagement score and tier now, answered by a `score`
//! frame. A tier that decay has taken down is settled by this read.

use sideline_app::standing::read_score;
use sideline_ports::Ports;
use sideline_protocol::{FrameError, Score, ServerFrame};

use crate::actions::Action;
use crate::errors::client_error;
use crate::Context;

impl Action for Score {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let view = read_score(
            &ctx.deps.ports,
            &ctx.deps.settings,
            &ctx.identity.tenant,
            &ctx.identity.user,
        )
        .await
        .map_err(client_error)?;
        ctx.reply(&ServerFrame::Score {
            score: view,
            request_id: ctx.request_id.clone(),
        })
        .await;
        Ok(())
    }
}
