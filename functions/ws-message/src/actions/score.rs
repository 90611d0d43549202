//! `score`: the caller's engagement score and tier now, answered by a `score`
//! frame. The read writes nothing: a tier decay has taken down shows as it is
//! now, and the demotion pass writes it (with its frame and event).

use sideline_app::standing::peek_score;
use sideline_ports::Ports;
use sideline_protocol::{FrameError, Score, ServerFrame};

use crate::actions::Action;
use crate::errors::client_error;
use crate::Context;

impl Action for Score {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let view = peek_score(
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
