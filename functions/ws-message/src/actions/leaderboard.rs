//! `leaderboard`: a page of the tenant's board, or a room's, with the caller's
//! place; answered by a `leaderboard` frame.

use sideline_app::standing::{leaderboard, BoardError, StandingError};
use sideline_ports::{Board, Ports};
use sideline_protocol::{ErrorCode, FrameError, Leaderboard, ServerFrame};

use crate::actions::Action;
use crate::errors::client_error;
use crate::Context;

impl Action for Leaderboard {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let board = match (self.room, self.window) {
            (Some(room), _) => Board::Room(room),
            (None, Some(window)) => Board::Window {
                window,
                period: match self.period {
                    Some(period) => period,
                    None => {
                        let tenant = &ctx.identity.tenant;
                        let settings = ctx.deps.settings.current(ctx.store(), tenant, ctx.now_ms);
                        let current = settings
                            .await
                            .map_err(|e| client_error(StandingError::from(e)))?;
                        current.config.period(window, ctx.now_ms).ok_or_else(|| {
                            FrameError::new(ErrorCode::NotFound, "no season has started yet")
                        })?
                    }
                },
            },
            (None, None) => Board::Tenant,
        };
        let view = leaderboard(
            &ctx.deps.ports,
            &ctx.deps.settings,
            &ctx.identity.tenant,
            &board,
            self.limit,
            self.cursor.as_deref(),
            Some(&ctx.identity.user),
        )
        .await
        .map_err(|e| match e {
            BoardError::BadCursor => FrameError::new(ErrorCode::BadRequest, e.to_string()),
            BoardError::Standing(e) => client_error(e),
        })?;
        ctx.reply(&ServerFrame::Leaderboard {
            board: view,
            request_id: ctx.request_id.clone(),
        })
        .await;
        Ok(())
    }
}
