//! `join`: enter a room (created on first join). The joiner gets `joined` with its
//! role, capabilities, presence, the latest messages and the open polls (with the
//! joiner's votes); the others get `presence`.
//! A user banned from the room (or the tenant) is refused.

use sideline_app::fanout::presence_view;
use sideline_app::polls::PollRoom;
use sideline_domain::connection::{Member, CONNECTION_TTL_SECS};
use sideline_domain::moderation::SanctionKind;
use sideline_domain::room::capabilities;
use sideline_domain::time::format_time;
use sideline_ports::{MessageStore, PollStore, Ports, RoomStore};
use sideline_protocol::{FrameError, Join, MessageView, PollView, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Join {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Join { room } = self;

        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let role = ctx.identity.role_in(&room);
        // A banned user may not (re)join: the ban closed their sockets, and a new
        // connection is refused here (tenant-wide bans already at `$connect`).
        let sanctions = ctx.sanctions().await?;
        ctx.refuse_if_sanctioned(&sanctions, &room, &[SanctionKind::Ban])?;
        let (tier, _) = ctx.tier().await?;
        let member = Member {
            connection_id: ctx.connection.clone(),
            user: ctx.identity.user.clone(),
            name: ctx.identity.name.clone(),
            role,
            joined_at_ms: ctx.now_ms,
            expires_at_s: ctx.now_ms / 1000 + CONNECTION_TTL_SECS,
            correlation_id: ctx.request_id.clone(),
            tier,
        };
        let info = store
            .join_room(
                tenant,
                &room,
                &member,
                ctx.deps.limits.max_rooms_per_connection,
            )
            .await
            .map_err(client_error)?;
        let members = store
            .room_members(tenant, &room)
            .await
            .map_err(client_error)?;
        let (history, next) = if ctx.deps.limits.join_history > 0 {
            let page = store
                .history(tenant, &room, None, ctx.deps.limits.join_history)
                .await
                .map_err(client_error)?;
            (
                page.messages
                    .iter()
                    .filter(|m| m.visible_to(&ctx.identity.user))
                    .map(MessageView::from)
                    .collect(),
                page.next,
            )
        } else {
            (Vec::new(), None)
        };
        let open = PollRoom {
            ports: &ctx.deps.ports,
            limits: &ctx.deps.limits,
            tenant,
        }
        .open_polls(&room)
        .await
        .map_err(client_error)?;
        let mut polls = Vec::with_capacity(open.len());
        for poll in &open {
            let mine = store
                .user_vote(tenant, &room, &poll.id, &ctx.identity.user)
                .await
                .map_err(client_error)?;
            polls.push(PollView::of(poll, ctx.now_ms, mine.map(|v| v.choices)));
        }
        let profile = store
            .room_profile(tenant, &room)
            .await
            .map_err(client_error)?
            .map(|(_, profile)| profile)
            .unwrap_or_default();
        let mode = info.mode_at(ctx.now_ms);
        ctx.reply(&ServerFrame::Joined {
            room: room.clone(),
            role,
            mode,
            slow_mode_s: info.slow_mode_s,
            capabilities: capabilities(role, mode),
            title: profile.title,
            object: profile.object,
            opens_at: info.opens_at_ms.map(format_time),
            closes_at: info.closes_at_ms.map(format_time),
            tier,
            presence: presence_view(&members, ctx.deps.limits.presence_list_max),
            history,
            next,
            polls,
            request_id: ctx.request_id.clone(),
        })
        .await;
        // Presence is per user: a second tab of someone already here changes nothing.
        let already_here = members
            .iter()
            .any(|m| m.user == ctx.identity.user && &m.connection_id != ctx.connection);
        if !already_here {
            ctx.broadcaster()
                .presence(&room, &members, Some(ctx.connection), ctx.now_ms)
                .await;
        }
        Ok(())
    }
}
