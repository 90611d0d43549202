//! `poll`: create a poll in a room (speakers, moderators, admins, and members
//! whose tier's privileges include `poll`), vote in one (whoever may react; one
//! vote per user, changed until close, a repeat changes nothing), or close one
//! (moderators, admins, its creator). The caller gets a `poll` frame with their
//! own choices; the room gets `poll` frames on create and close, and the results
//! at most twice a second (a hot room: in its `batch` frames, at most once a
//! window). Muted and banned users may not create or vote; a
//! shadow-banned user's vote is shown to them and counts for nothing.

use sideline_app::polls::PollRoom;
use sideline_domain::identity::Role;
use sideline_domain::moderation::{strongest, SanctionKind};
use sideline_domain::poll::{check_choices, Poll as StoredPoll, PollActor, Vote};
use sideline_domain::room::{can, Capability};
use sideline_ports::{PollStore, Ports};
use sideline_protocol::{ErrorCode, FrameError, Poll, PollOp, PollView, ServerFrame};

use crate::actions::Action;
use crate::{client_error, require, Context};

impl Action for Poll {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Poll { room, op } = self;
        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let (joined, sanctions) = tokio::join!(ctx.joined(&room), ctx.sanctions());
        let (member, info) = joined?;
        let sanctions = sanctions?;
        let polls = PollRoom {
            ports: &ctx.deps.ports,
            limits: &ctx.deps.limits,
            tenant,
        };
        let me = PollActor::User {
            id: ctx.identity.user.clone(),
            role: member.role,
        };
        let reply = |poll: &StoredPoll, mine: Option<Vec<u8>>| ServerFrame::Poll {
            poll: PollView::of(poll, ctx.now_ms, mine),
            request_id: ctx.request_id.clone(),
        };
        match op {
            create @ PollOp::Create { .. } => {
                ctx.refuse_if_sanctioned(
                    &sanctions,
                    &room,
                    &[SanctionKind::Ban, SanctionKind::Mute],
                )?;
                require(&member, &info, Capability::Write)?;
                if member.role < Role::Speaker {
                    let (tier, current) = ctx.tier().await?;
                    if !current
                        .config
                        .privileges
                        .of(tier)
                        .capabilities
                        .contains("poll")
                    {
                        return Err(FrameError::new(
                            ErrorCode::Forbidden,
                            "polls are created by speakers, moderators, admins and members whose tier allows it",
                        ));
                    }
                }
                let poll =
                    create.new_poll(tenant, &room, me, ctx.now_ms, ctx.request_id.clone())?;
                polls
                    .create(&poll, Some(ctx.connection))
                    .await
                    .map_err(client_error)?;
                ctx.reply(&reply(&poll, None)).await;
                Ok(())
            }
            PollOp::Vote { poll_id, choices } => {
                ctx.refuse_if_sanctioned(
                    &sanctions,
                    &room,
                    &[SanctionKind::Ban, SanctionKind::Mute],
                )?;
                require(&member, &info, Capability::React)?;
                let poll = store
                    .poll(tenant, &room, &poll_id)
                    .await
                    .map_err(client_error)?
                    .ok_or_else(|| FrameError::new(ErrorCode::NotFound, "poll not found"))?;
                if poll.lapsed(ctx.now_ms) {
                    polls.close_lapsed(&poll).await.map_err(client_error)?;
                }
                if !poll.is_open(ctx.now_ms) {
                    return Err(FrameError::new(ErrorCode::Conflict, "the poll is closed"));
                }
                let choices = check_choices(&poll, &choices)?;
                if strongest(&sanctions, SanctionKind::ShadowBan, &room, ctx.now_ms).is_some() {
                    ctx.reply(&reply(&poll, Some(choices))).await;
                    return Ok(());
                }
                // In a hot room the tally reaches the room in the coalesced
                // fan-out's next `batch` frame (`sideline_app::coalesce`).
                let batched = ctx.deps.hot.interaction_batched(
                    tenant,
                    &room,
                    ctx.now_ms,
                    ctx.deps.limits.batch_above,
                );
                let outcome = store
                    .vote(&Vote {
                        tenant: tenant.clone(),
                        room: room.clone(),
                        poll: poll_id,
                        user: ctx.identity.user.clone(),
                        role: member.role,
                        choices: choices.clone(),
                        at_ms: ctx.now_ms,
                        version: 0,
                        correlation_id: ctx.request_id.clone(),
                        batched,
                    })
                    .await
                    .map_err(client_error)?;
                ctx.reply(&reply(&outcome.poll, Some(choices))).await;
                if outcome.changed && !batched {
                    // The vote is answered: a failed update is logged (the next
                    // vote's update, or the close, shows it), never a second answer.
                    if let Err(err) = polls.results_after_vote(&outcome.poll).await {
                        tracing::warn!(error = %err, poll = %poll_id, "results update failed");
                    }
                }
                Ok(())
            }
            PollOp::Close { poll_id } => {
                let poll = store
                    .poll(tenant, &room, &poll_id)
                    .await
                    .map_err(client_error)?
                    .ok_or_else(|| FrameError::new(ErrorCode::NotFound, "poll not found"))?;
                let creator = poll.created_by.is(&ctx.identity.user);
                if !(creator || can(member.role, info.mode, Capability::Moderate)) {
                    return Err(FrameError::new(
                        ErrorCode::Forbidden,
                        "a poll is closed by moderators, admins or its creator",
                    ));
                }
                let closed = polls
                    .close(&poll, &me, Some(ctx.connection))
                    .await
                    .map_err(client_error)?;
                ctx.reply(&reply(&closed, None)).await;
                Ok(())
            }
        }
    }
}
