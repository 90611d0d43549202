//! `moderate`: moderators and admins act on a room, its messages and its users.
//!
//! - `approve` / `reject` a held (or report-hidden) message: one conditional write,
//!   so two moderators deciding at once cannot both win (`conflict`); approve sends
//!   it to the room, reject tells its author's connections (`message_removed`). A
//!   visible message waiting for review (flagged, reported) is kept by approve and
//!   retracted from the room by reject; either closes its review item.
//! - `delete` any message: retracted from everyone (`message_removed`).
//! - `mute`, `ban`, `shadow_ban` (and `unmute`, `unban`, `unshadow_ban`) a user in
//!   the room or, for tenant-level moderators, the whole tenant, for `durationS` or
//!   until lifted. A banned user's connections are closed. Nobody acts on a user of
//!   their own rank or above: moderators not on moderators or admins, admins not on
//!   admins.
//! - `slow_mode` and `mode` change the room and tell everyone in it.
//! - `review_queue` lists the review queue of the room (or, `allRooms`, the tenant).
//!
//! Every action is recorded as an immutable decision.

use sideline_app::enforce::impose;
use sideline_domain::connection::Member;
use sideline_domain::identity::Role;
use sideline_domain::ids::{RoomId, UserId};
use sideline_domain::message::{MessageId, Visibility};
use sideline_domain::moderation::{
    Decision, DecisionKind, ReviewFilter, ReviewStatus, Sanction, SanctionKind, Scope,
};
use sideline_domain::room::{Capability, RoomInfo};
use sideline_domain::time::format_time;
use sideline_ports::{
    ConnectionRegistry, DecisionLog, MessageStore, Ports, ReviewQueue, RoomStore, Sanctions,
};
use sideline_protocol::{
    ErrorCode, FrameError, MessageView, Moderate, ModerateOp, SanctionScope, ServerFrame,
};

use crate::actions::configure;
use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Moderate {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Moderate { room, op } = self;

        let (member, info) = ctx.member_may(&room, Capability::Moderate).await?;
        let name = op.name();
        tracing::info!(op = name, room = %room, moderator = %ctx.identity.user, "moderate");
        match op {
            ModerateOp::Approve { message_id } => {
                decide_held(ctx, &member, room, message_id, true).await
            }
            ModerateOp::Reject { message_id } => {
                decide_held(ctx, &member, room, message_id, false).await
            }
            ModerateOp::Delete { message_id, reason } => {
                delete(ctx, &member, room, message_id, reason).await
            }
            ModerateOp::Sanction {
                kind,
                user,
                scope,
                duration_s,
                reason,
            } => {
                let scope = scope_of(ctx, &room, scope)?;
                check_rank(ctx, &member, &room, &user, &scope, name).await?;
                check_imposer(ctx, &member, &user, kind, &scope, name).await?;
                let by_role = Some(actor_role(ctx, &member, &scope));
                let sanction = Sanction {
                    user: user.clone(),
                    kind,
                    scope,
                    until_ms: duration_s.map(|s| ctx.now_ms + i64::from(s) * 1000),
                    reason: reason.clone(),
                    by: ctx.identity.user.as_str().to_owned(),
                    by_role,
                    at_ms: ctx.now_ms,
                };
                let mut decision = human(ctx, &member, kind.decision(), &room);
                decision.subject = Some(user.clone());
                decision.reason = reason;
                decision.duration_s = duration_s.map(i64::from);
                if sanction.scope == Scope::Tenant {
                    decision.categories.push("tenant".into());
                }
                impose(&ctx.deps.ports, &ctx.identity.tenant, &sanction, &decision)
                    .await
                    .map_err(client_error)?;
                reply(ctx, room, name, None, Some(user), sanction.until_ms).await;
                Ok(())
            }
            ModerateOp::Lift { kind, user, scope } => {
                let scope = scope_of(ctx, &room, scope)?;
                check_rank(ctx, &member, &room, &user, &scope, name).await?;
                check_imposer(ctx, &member, &user, kind, &scope, name).await?;
                let lifted = ctx
                    .store()
                    .lift_sanction(&ctx.identity.tenant, &user, kind, &scope)
                    .await
                    .map_err(client_error)?;
                if !lifted {
                    return Err(FrameError::new(
                        ErrorCode::NotFound,
                        format!("that user has no {} here to lift", kind.as_str()),
                    ));
                }
                let mut decision = human(ctx, &member, DecisionKind::SanctionLifted, &room);
                decision.subject = Some(user.clone());
                decision.reason = Some(name.to_owned());
                record(ctx, &decision).await?;
                reply(ctx, room, name, None, Some(user), None).await;
                Ok(())
            }
            ModerateOp::SlowMode { seconds } => {
                ctx.store()
                    .set_slow_mode(&ctx.identity.tenant, &room, seconds)
                    .await
                    .map_err(client_error)?;
                let mut decision = human(ctx, &member, DecisionKind::RoomSlowModeSet, &room);
                decision.duration_s = Some(i64::from(seconds));
                record(ctx, &decision).await?;
                configure::announce(
                    ctx,
                    room,
                    RoomInfo {
                        slow_mode_s: seconds,
                        ..info
                    },
                )
                .await
            }
            ModerateOp::Mode { mode } => configure::set_mode(ctx, &member, info, room, mode).await,
            ModerateOp::ReviewQueue {
                all_rooms,
                status,
                priority,
                after,
                limit,
            } => {
                if all_rooms && ctx.identity.role < Role::Moderator {
                    return Err(FrameError::new(
                        ErrorCode::Forbidden,
                        "only tenant moderators and admins may list every room's queue",
                    ));
                }
                let filter = ReviewFilter {
                    room: (!all_rooms).then(|| room.clone()),
                    status,
                    priority,
                };
                let page = ctx
                    .store()
                    .review_queue(&ctx.identity.tenant, &filter, after.as_ref(), limit)
                    .await
                    .map_err(client_error)?;
                ctx.reply(&ServerFrame::ReviewQueue {
                    room,
                    items: page.items,
                    next: page.next,
                    request_id: ctx.request_id.clone(),
                })
                .await;
                Ok(())
            }
        }
    }
}

fn human<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    kind: DecisionKind,
    room: &RoomId,
) -> Decision {
    let mut d = Decision::human(
        &ctx.identity.tenant,
        kind,
        &ctx.identity.user,
        member.role,
        ctx.now_ms,
    );
    d.room = Some(room.clone());
    d.correlation_id = ctx.request_id.clone();
    d
}

async fn record<P: Ports>(ctx: &Context<'_, P>, decision: &Decision) -> Result<(), FrameError> {
    ctx.store()
        .record_decision(decision)
        .await
        .map_err(client_error)
}

async fn reply<P: Ports>(
    ctx: &Context<'_, P>,
    room: RoomId,
    op: &'static str,
    message_id: Option<MessageId>,
    user_id: Option<UserId>,
    until_ms: Option<i64>,
) {
    ctx.reply(&ServerFrame::Moderated {
        room,
        op,
        message_id,
        user_id,
        until: until_ms.map(format_time),
        request_id: ctx.request_id.clone(),
    })
    .await;
}

/// Tenant-wide sanctions need a tenant-level moderator (the token's role), not a
/// moderator of this room only.
fn scope_of<P: Ports>(
    ctx: &Context<'_, P>,
    room: &RoomId,
    scope: SanctionScope,
) -> Result<Scope, FrameError> {
    match scope {
        SanctionScope::Room => Ok(Scope::Room(room.clone())),
        SanctionScope::Tenant if ctx.identity.role >= Role::Moderator => Ok(Scope::Tenant),
        SanctionScope::Tenant => Err(FrameError::new(
            ErrorCode::Forbidden,
            "only tenant moderators and admins may act tenant-wide",
        )),
    }
}

/// Refuses acting on oneself, on a user never seen (their rank is unknown), or on
/// a user of the same rank or above. The target's rank is the higher of their last
/// token's role and their role in this room; the actor's is their role in this room,
/// or their token's role for tenant-wide actions (a room override does not reach
/// beyond its room).
async fn check_rank<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    room: &RoomId,
    target: &UserId,
    scope: &Scope,
    op: &str,
) -> Result<(), FrameError> {
    if target == &ctx.identity.user {
        return Err(FrameError::bad_request(format!("you cannot {op} yourself")));
    }
    let store = ctx.store();
    let tenant = &ctx.identity.tenant;
    let (profile, members) = tokio::join!(
        store.user_profile(tenant, target),
        store.room_members(tenant, room)
    );
    let profile_role = profile.map_err(client_error)?.map(|p| p.role);
    let room_role = members
        .map_err(client_error)?
        .into_iter()
        .filter(|m| &m.user == target)
        .map(|m| m.role)
        .max();
    let Some(target_role) = profile_role.max(room_role) else {
        return Err(FrameError::new(
            ErrorCode::NotFound,
            "no such user here: they have never connected",
        ));
    };
    let actor_role = actor_role(ctx, member, scope);
    if actor_role <= target_role {
        return Err(FrameError::new(
            ErrorCode::Forbidden,
            format!(
                "a {} may not {op} a {}",
                actor_role.as_str(),
                target_role.as_str()
            ),
        ));
    }
    Ok(())
}

/// The actor's rank for an action in `scope`.
fn actor_role<P: Ports>(ctx: &Context<'_, P>, member: &Member, scope: &Scope) -> Role {
    match scope {
        Scope::Tenant => ctx.identity.role,
        Scope::Room(_) => member.role,
    }
}

/// Refuses replacing or lifting a sanction imposed by a higher rank (an admin's
/// ban stands against a moderator).
async fn check_imposer<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    target: &UserId,
    kind: SanctionKind,
    scope: &Scope,
    op: &str,
) -> Result<(), FrameError> {
    let actor = actor_role(ctx, member, scope);
    let existing = ctx
        .store()
        .sanctions(&ctx.identity.tenant, target, ctx.now_ms)
        .await
        .map_err(client_error)?;
    if let Some(by) = existing
        .iter()
        .filter(|x| x.kind == kind && &x.scope == scope)
        .filter_map(|x| x.by_role)
        .find(|by| *by > actor)
    {
        return Err(FrameError::new(
            ErrorCode::Forbidden,
            format!(
                "a {}'s {} stands: a {} may not {op} it",
                by.as_str(),
                kind.as_str(),
                actor.as_str()
            ),
        ));
    }
    Ok(())
}

async fn decide_held<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    room: RoomId,
    message_id: MessageId,
    approve: bool,
) -> Result<(), FrameError> {
    let store = ctx.store();
    let tenant = &ctx.identity.tenant;
    let current = ctx.message(&room, &message_id).await?;
    // A held message changes visibility; a visible one in the queue (flagged or
    // reported) is kept (approve) or retracted from everyone (reject).
    let queued = current.visibility != Visibility::Held
        && store
            .review_item(tenant, &message_id)
            .await
            .map_err(client_error)?
            .is_some_and(|r| r.status == ReviewStatus::Pending);
    if current.visibility == Visibility::Removed
        || (current.visibility != Visibility::Held && !queued)
    {
        return Err(FrameError::new(
            ErrorCode::Conflict,
            format!(
                "the message is {}, not held or waiting for review",
                current.visibility.as_str()
            ),
        ));
    }
    let message = if approve && queued {
        current
    } else {
        let to = if approve {
            Visibility::Public
        } else {
            Visibility::Removed
        };
        store
            .set_visibility(tenant, &room, &message_id, current.visibility, to)
            .await
            .map_err(client_error)?
    };
    let (kind, status, op) = if approve {
        (
            DecisionKind::MessageApproved,
            ReviewStatus::Approved,
            "approve",
        )
    } else {
        (
            DecisionKind::MessageRejected,
            ReviewStatus::Rejected,
            "reject",
        )
    };
    let mut decision = human(ctx, member, kind, &room);
    decision.subject = Some(message.author.id.clone());
    decision.message = Some(message_id);
    record(ctx, &decision).await?;
    store
        .close_review(
            tenant,
            &message_id,
            status,
            ctx.identity.user.as_str(),
            ctx.now_ms,
        )
        .await
        .map_err(client_error)?;
    reply(ctx, room.clone(), op, Some(message_id), None, None).await;
    if approve && queued {
        // It stays as everyone already sees it.
        return Ok(());
    }
    let mut members = store
        .room_members(tenant, &room)
        .await
        .map_err(client_error)?;
    let frame = if approve {
        ServerFrame::Message {
            message: MessageView::from(&message),
        }
    } else {
        if !queued {
            // Only its author ever saw a held message.
            members.retain(|m| m.user == message.author.id);
        }
        ServerFrame::MessageRemoved { room, message_id }
    };
    ctx.broadcaster().to_members(&members, &frame, None).await;
    Ok(())
}

async fn delete<P: Ports>(
    ctx: &Context<'_, P>,
    member: &Member,
    room: RoomId,
    message_id: MessageId,
    reason: Option<String>,
) -> Result<(), FrameError> {
    let store = ctx.store();
    let tenant = &ctx.identity.tenant;
    let message = ctx.message(&room, &message_id).await?;
    if message.author.id != ctx.identity.user && member.role <= message.author.role {
        return Err(FrameError::new(
            ErrorCode::Forbidden,
            format!(
                "a {} may not delete a {}'s message",
                member.role.as_str(),
                message.author.role.as_str()
            ),
        ));
    }
    if message.visibility == Visibility::Removed {
        return Err(FrameError::new(
            ErrorCode::Conflict,
            "the message is already removed",
        ));
    }
    store
        .set_visibility(
            tenant,
            &room,
            &message_id,
            message.visibility,
            Visibility::Removed,
        )
        .await
        .map_err(client_error)?;
    let mut decision = human(ctx, member, DecisionKind::MessageRemoved, &room);
    decision.subject = Some(message.author.id.clone());
    decision.message = Some(message_id);
    decision.reason = reason;
    record(ctx, &decision).await?;
    store
        .close_review(
            tenant,
            &message_id,
            ReviewStatus::Removed,
            ctx.identity.user.as_str(),
            ctx.now_ms,
        )
        .await
        .map_err(client_error)?;
    reply(ctx, room.clone(), "delete", Some(message_id), None, None).await;
    ctx.retract(room, message_id, |_| true).await
}
