//! `react`: turn a reaction on or off. One per user per emoji; the room hears of a
//! change, a repeat only tells the sender the current count. Muted users may not react;
//! a shadow-banned user's reactions are shown to them only and not stored. A
//! reaction turned on in a hot room is stored `batched` and reaches the room in
//! the coalesced fan-out's `batch` frames (`sideline_app::coalesce`).

use sideline_domain::moderation::{strongest, SanctionKind};
use sideline_domain::room::Capability;
use sideline_ports::{MessageStore, Ports, ReactionRequest, RoomStore};
use sideline_protocol::{FrameError, React, ServerFrame, UserView};

use crate::actions::Action;
use crate::{client_error, require, Context};

impl Action for React {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let React {
            room,
            message_id,
            emoji,
            on,
        } = self;

        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let (joined, sanctions) = tokio::join!(ctx.joined(&room), ctx.sanctions());
        let (member, info) = joined?;
        let sanctions = sanctions?;
        ctx.refuse_if_sanctioned(&sanctions, &room, &[SanctionKind::Ban, SanctionKind::Mute])?;
        require(&member, &info, Capability::React)?;
        if strongest(&sanctions, SanctionKind::ShadowBan, &room, ctx.now_ms).is_some() {
            // A shadow-banned user sees their reaction land; nothing is stored and
            // nobody else hears of it.
            let current = ctx.visible_message(&room, &message_id).await?;
            let count = current.reactions.get(emoji.as_str()).copied().unwrap_or(0);
            ctx.reply(&ServerFrame::Reaction {
                room,
                message_id,
                emoji,
                count: if on {
                    count + 1
                } else {
                    count.saturating_sub(1)
                },
                on,
                user: UserView {
                    id: ctx.identity.user.clone(),
                    name: ctx.identity.name.clone(),
                    role: member.role,
                    tier: member.tier,
                },
                request_id: ctx.request_id.clone(),
            })
            .await;
            return Ok(());
        }
        // The sender is answered here either way; the room hears of a batched
        // reaction from the fan-out consumer.
        let hot = &ctx.deps.hot;
        let batched =
            on && hot.interaction_batched(tenant, &room, ctx.now_ms, ctx.deps.limits.batch_above);
        let change = store
            .set_reaction(
                tenant,
                &room,
                &ReactionRequest {
                    message: &message_id,
                    emoji: &emoji,
                    user: &ctx.identity.user,
                    role: member.role,
                    on,
                    at_ms: ctx.now_ms,
                    correlation_id: ctx.request_id.as_deref(),
                    batched,
                },
            )
            .await
            .map_err(client_error)?;
        let for_room = ServerFrame::Reaction {
            room: room.clone(),
            message_id,
            emoji,
            count: change.count,
            on,
            user: UserView {
                id: ctx.identity.user.clone(),
                name: ctx.identity.name.clone(),
                role: member.role,
                tier: member.tier,
            },
            request_id: None,
        };
        let mut for_sender = for_room.clone();
        if let ServerFrame::Reaction { request_id, .. } = &mut for_sender {
            request_id.clone_from(&ctx.request_id);
        }
        ctx.reply(&for_sender).await;
        if change.changed && !batched {
            let members = store
                .room_members(tenant, &room)
                .await
                .map_err(client_error)?;
            hot.note_interaction_members(tenant, &room, members.len());
            ctx.broadcaster()
                .to_members(&members, &for_room, Some(ctx.connection))
                .await;
        }
        Ok(())
    }
}
