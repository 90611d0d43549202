//! Scores and tiers as handlers use them: each tenant's settings document, re-read
//! at most a minute after it changes ([`TenantSettings`]); a user's score as a view,
//! with a demotion by decay written when a read finds it due ([`read_score`]); and
//! the `tier` frame to a user whose tier changed ([`announce_tier`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::{Standing, Tier, TierCuts, TierState, DAY_MS};
use sideline_domain::tenant::TenantConfig;
use sideline_domain::time::format_time;
use sideline_ports::{
    BackendError, Board, Clock, ConfigStoreError, ConnectionRegistry, Connections, Ports,
    PostError, Rank, ScoreChange, ScoreError, ScoreStore, TenantConfigs, MAX_BOARD_DEPTH,
};
use sideline_protocol::{BoardEntryView, LeaderboardView, OwnPlace, ScoreView, ServerFrame};

/// How long a tenant's document is used before it is read again.
pub const REREAD: Duration = Duration::from_secs(60);

/// A tenant's settings in force: the stored document, or the defaults (version 0).
#[derive(Debug, Clone)]
pub struct Current {
    pub version: u64,
    pub config: Arc<TenantConfig>,
}

/// Tenants' settings documents, each re-read `reread` after it was last read (or
/// sooner, when a percentile cut comes into force).
#[derive(Debug)]
pub struct TenantSettings {
    reread_ms: i64,
    defaults: Arc<TenantConfig>,
    cache: Mutex<HashMap<TenantId, (i64, Current)>>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self::new(REREAD)
    }
}

impl TenantSettings {
    pub fn new(reread: Duration) -> Self {
        Self {
            reread_ms: i64::try_from(reread.as_millis()).unwrap_or(i64::MAX),
            defaults: Arc::new(TenantConfig::default()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, tenant: &TenantId, now_ms: i64) -> Option<Current> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (until, current) = cache.get(tenant)?;
        (now_ms < *until).then(|| current.clone())
    }

    /// The settings `tenant` runs on at `now_ms`.
    pub async fn current<S: TenantConfigs>(
        &self,
        store: &S,
        tenant: &TenantId,
        now_ms: i64,
    ) -> Result<Current, ConfigStoreError> {
        if let Some(current) = self.cached(tenant, now_ms) {
            return Ok(current);
        }
        let mut until = now_ms.saturating_add(self.reread_ms);
        let current = match store.tenant_config(tenant, None).await? {
            Some(stored) => {
                // Thresholds as percentiles: the cut in force, once there is one.
                let mut cut = None;
                if stored.config.tiers.percentiles.is_some() {
                    if let Some(cuts) = store.tier_cuts(tenant).await? {
                        cut = stored.config.with_cuts(&cuts, now_ms);
                        // A cut not yet in force: read again when it is.
                        if now_ms < cuts.from_ms {
                            until = until.min(cuts.from_ms);
                        }
                    }
                }
                Current {
                    version: stored.version,
                    config: Arc::new(cut.unwrap_or(stored.config)),
                }
            }
            None => Current {
                version: 0,
                config: self.defaults.clone(),
            },
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a process that has seen very many tenants starts over.
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(tenant.clone(), (until, current.clone()));
        Ok(current)
    }

    /// Drops a tenant's cached document (after this process changed it).
    pub fn forget(&self, tenant: &TenantId) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(tenant);
    }
}

/// A standing as clients see it at `now_ms` (`None`: never scored).
pub fn score_view(
    user: &UserId,
    standing: Option<&Standing>,
    config: &TenantConfig,
    now_ms: i64,
) -> ScoreView {
    let standing = standing.copied().unwrap_or(Standing::START);
    let score = standing.score.at(now_ms, config.scoring.decay_per_day);
    let tier = standing
        .tier_at(now_ms, &config.scoring, config.tiers_for(user))
        .tier;
    let next_tier = tier.next_up();
    ScoreView {
        user_id: user.clone(),
        score,
        tier,
        next_tier,
        points_to_next: next_tier
            .map(|t| (config.tiers_for(user).threshold_at(t, now_ms) - score).max(0.0)),
        privileges: config.privileges.of(tier).clone(),
        at: format_time(now_ms),
    }
}

/// Why a score could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StandingError {
    #[error("scores")]
    Score(#[from] ScoreError),
    #[error("tenant settings")]
    Config(#[from] ConfigStoreError),
}

/// A user's score and tier now, as a read that writes nothing: a tier decay has
/// taken down shows as it is now, and the demotion pass (or the server API's
/// read) writes it.
pub async fn peek_score<P: Ports>(
    ports: &P,
    settings: &TenantSettings,
    tenant: &TenantId,
    user: &UserId,
) -> Result<ScoreView, StandingError> {
    let now_ms = ports.clock().now_ms();
    let current = settings.current(ports.store(), tenant, now_ms).await?;
    let standing = ports.store().user_score(tenant, user).await?;
    Ok(score_view(user, standing.as_ref(), &current.config, now_ms))
}

/// A user's score and tier now. A tier that decay has taken below its floor
/// (past the wait after promotion) is written down here, so the demotion happens
/// when it is due and not only when the user next acts; the change makes its
/// event and `tier` frame as any other.
pub async fn read_score<P: Ports>(
    ports: &P,
    settings: &TenantSettings,
    tenant: &TenantId,
    user: &UserId,
) -> Result<ScoreView, StandingError> {
    let now_ms = ports.clock().now_ms();
    let current = settings.current(ports.store(), tenant, now_ms).await?;
    let config = &current.config;
    let standing = ports.store().user_score(tenant, user).await?;
    if let Some(kept) = &standing {
        let now = kept.tier_at(now_ms, &config.scoring, config.tiers_for(user));
        if now != kept.tier {
            settle(ports, tenant, user, kept, now, config, now_ms).await?;
        }
    }
    Ok(score_view(user, standing.as_ref(), config, now_ms))
}

/// Sends a `tier` frame to each live connection of a user whose tier changed.
/// Failures are logged: the change is stored and its event is on its way.
pub async fn announce_tier<P: Ports>(
    ports: &P,
    tenant: &TenantId,
    change: &ScoreChange,
    config: &TenantConfig,
    now_ms: i64,
) {
    if !change.tier_changed() {
        return;
    }
    let tier: Tier = change.standing.tier.tier;
    let frame = ServerFrame::Tier {
        tier,
        previous: change.previous,
        score: change
            .standing
            .score
            .at(now_ms, config.scoring.decay_per_day),
        privileges: config.privileges.of(tier).clone(),
    }
    .to_bytes();
    let targets = match ports.store().user_connections(tenant, &change.user).await {
        Ok(targets) => targets,
        Err(err) => {
            tracing::warn!(error = %err, user = %change.user, "could not list a user's connections for a tier frame");
            return;
        }
    };
    for id in &targets {
        match ports.connections().post(id, &frame).await {
            Ok(()) | Err(PostError::Gone) => {}
            Err(err) => {
                tracing::warn!(connection_id = %id, error = %err, "could not send a tier frame")
            }
        }
    }
}

/// A board cursor: the offset of the next page, opaque to clients.
fn cursor_of(offset: u32) -> String {
    format!("o{offset}")
}

/// Reads a cursor; `None` if it is not one this server made.
pub fn parse_cursor(raw: &str) -> Option<u32> {
    let offset: u32 = raw.strip_prefix('o')?.parse().ok()?;
    (offset < MAX_BOARD_DEPTH && raw == cursor_of(offset)).then_some(offset)
}

/// Why a board could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("the cursor is not one this server made")]
    BadCursor,
    #[error(transparent)]
    Standing(#[from] StandingError),
}

impl From<ScoreError> for BoardError {
    fn from(e: ScoreError) -> Self {
        BoardError::Standing(e.into())
    }
}

/// A page of a board as clients see it, with `me`'s place.
pub async fn leaderboard<P: Ports>(
    ports: &P,
    settings: &TenantSettings,
    tenant: &TenantId,
    board: &Board,
    limit: u32,
    cursor: Option<&str>,
    me: Option<&UserId>,
) -> Result<LeaderboardView, BoardError> {
    let offset = match cursor {
        None => 0,
        Some(raw) => parse_cursor(raw).ok_or(BoardError::BadCursor)?,
    };
    let now_ms = ports.clock().now_ms();
    let current = settings
        .current(ports.store(), tenant, now_ms)
        .await
        .map_err(StandingError::from)?;
    let lambda = current.config.scoring.decay_per_day;
    let limit = limit.min(MAX_BOARD_DEPTH - offset);
    // One more than the page: whether there is a next one.
    let mut entries = ports
        .store()
        .leaderboard(tenant, board, offset, limit.saturating_add(1))
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next = (more && offset + limit < MAX_BOARD_DEPTH).then(|| cursor_of(offset + limit));
    let own = match me {
        Some(user) => ports.store().rank(tenant, board, user).await?,
        None => None,
    };
    // Windowed boards hold plain points; the others decay.
    let value = |score: &sideline_domain::scoring::Decayed| {
        if board.decays() {
            score.at(now_ms, lambda)
        } else {
            score.value
        }
    };
    Ok(LeaderboardView {
        room: match board {
            Board::Room(room) => Some(room.clone()),
            _ => None,
        },
        window: match board {
            Board::Window { window, .. } => Some(window.as_str()),
            _ => None,
        },
        period: match board {
            Board::Window { period, .. } => Some(period.clone()),
            _ => None,
        },
        entries: entries
            .into_iter()
            .zip(offset + 1..)
            .map(|(e, rank)| BoardEntryView {
                rank,
                score: value(&e.score),
                user_id: e.user,
            })
            .collect(),
        next,
        me: own.map(|(rank, score)| OwnPlace {
            rank: match rank {
                Rank::Exact(n) => Some(n),
                Rank::Beyond(_) => None,
            },
            rank_beyond: match rank {
                Rank::Exact(_) => None,
                Rank::Beyond(n) => Some(n),
            },
            score: value(&score),
        }),
        at: format_time(now_ms),
    })
}

/// What one scheduled tier pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Tenants whose percentile thresholds were cut again.
    pub recut: usize,
    /// Tiers moved because new cuts moved them (up or down).
    pub moved: usize,
    /// Tenants whose percentile thresholds could not be cut (logged; the next
    /// pass tries again).
    pub failed: usize,
    /// Checks looked at.
    pub checked: usize,
    /// Tiers taken down.
    pub demoted: usize,
    /// Checks filed again for later (the user scored meanwhile, or still holds a
    /// tier after the demotion).
    pub refiled: usize,
}

/// Checks filed at most this many per pass.
pub const PASS_LIMIT: usize = 1_000;

/// Percentile thresholds are cut again this long after the last cut.
pub const RECUT_AFTER_MS: i64 = 3_600_000;
/// Most tiers one re-cut moves per tenant; the rest move when their holders are
/// next read or scored.
pub const MOVE_LIMIT: usize = 1_000;

/// Writes a tier that moved without an event (decay, or new thresholds) if the
/// standing is still the one read, files the check for when decay may undo it,
/// and announces it. False if the standing changed meanwhile.
async fn settle<P: Ports>(
    ports: &P,
    tenant: &TenantId,
    user: &UserId,
    kept: &Standing,
    now: TierState,
    config: &TenantConfig,
    now_ms: i64,
) -> Result<bool, StandingError> {
    let score_now = kept.score.at(now_ms, config.scoring.decay_per_day);
    if !ports
        .store()
        .settle_tier(tenant, user, kept, now, score_now, now_ms)
        .await?
    {
        return Ok(false);
    }
    tracing::info!(%tenant, %user, from = kept.tier.tier.as_str(), to = now.tier.as_str(), "tier settled");
    let change = ScoreChange {
        user: user.clone(),
        standing: Standing {
            score: kept.score,
            tier: now,
        },
        previous: kept.tier.tier,
    };
    if now.tier > kept.tier.tier {
        if let Some(due_ms) = change
            .standing
            .demotion_due(&config.scoring, config.tiers_for(user))
        {
            ports
                .store()
                .file_demotion(&sideline_ports::DueDemotion {
                    tenant: tenant.clone(),
                    user: user.clone(),
                    due_ms,
                })
                .await?;
        }
    }
    announce_tier(ports, tenant, &change, config, now_ms).await;
    Ok(true)
}

/// A new cut comes into force this long after it is made: by then every process
/// has re-read its settings ([`REREAD`]), so no one is judged against the old
/// thresholds once the new ones are settled.
pub const CUT_IN_FORCE_AFTER_MS: i64 = 2 * 60_000;

/// Percentile thresholds, for every tenant that has asked for them. First the
/// tiers of a cut that has come into force are settled: every user on the tenant
/// board is judged against it (their kept tier comes with the board's index) and
/// those whose tier it moves are written (at most [`MOVE_LIMIT`] a tenant; the
/// rest move when next read or scored), with their frames and events. Then a
/// tenant is cut again when its last cut is settled and [`RECUT_AFTER_MS`] old,
/// or was made for other percentiles: the users active within `activeDays` are
/// ranked by their score now, and each percentile falls on a rank. The new cut is
/// in force [`CUT_IN_FORCE_AFTER_MS`] later. A tenant back on points is judged
/// once against its points, with a demotion check filed for every tier held.
/// A tenant that fails is logged and counted and left for the next pass.
async fn recut<P: Ports>(ports: &P, now_ms: i64, report: &mut PassReport) {
    let tenants = match ports.store().percentile_tenants().await {
        Ok(tenants) => tenants,
        Err(err) => {
            report.failed += 1;
            tracing::warn!(error = %err, "percentile tenants not listed");
            return;
        }
    };
    for tenant in tenants {
        if let Err(err) = recut_tenant(ports, &tenant, now_ms, report).await {
            report.failed += 1;
            tracing::warn!(%tenant, error = %err, cause = ?std::error::Error::source(&err), "percentile thresholds not cut");
        }
    }
}

async fn recut_tenant<P: Ports>(
    ports: &P,
    tenant: &TenantId,
    now_ms: i64,
    report: &mut PassReport,
) -> Result<(), StandingError> {
    let store = ports.store();
    let Some(doc) = store.tenant_config(tenant, None).await? else {
        return Ok(());
    };
    let last = match store.tier_cuts(tenant).await {
        Ok(last) => last,
        // A cut that cannot be read back is cut again.
        Err(ConfigStoreError::Backend(BackendError::Corrupt(why))) => {
            tracing::warn!(%tenant, %why, "tier cut unreadable; cutting again");
            None
        }
        Err(err) => return Err(err.into()),
    };
    let Some(percentiles) = doc.config.tiers.percentiles else {
        // Back on points: judge everyone once against them, then leave the
        // tenant be (a cut with nothing in force marks it done).
        if let Some(mut cuts) = last.filter(|c| c.cut.is_some() || c.before.is_some()) {
            let board = store.board_scores(tenant).await?;
            report.moved += settle_all(ports, tenant, &board, &doc.config, now_ms, true).await?;
            cuts.cut = None;
            cuts.before = None;
            cuts.settled = true;
            store.put_tier_cuts(tenant, &cuts).await?;
        }
        return Ok(());
    };
    // The board is read once a pass, for settling and for cutting alike.
    let mut board = None;
    let mut last = last;
    if let Some(cuts) = last.as_mut().filter(|c| !c.settled && now_ms >= c.from_ms) {
        let after = doc.config.with_cuts(cuts, now_ms);
        // Leaving a cut for points (too few active users): tiers held under the
        // cut get demotion checks against the points.
        let to_points = after.is_none() && cuts.before.is_some();
        let after = after.unwrap_or_else(|| doc.config.clone());
        let entries = board.insert(store.board_scores(tenant).await?);
        report.moved += settle_all(ports, tenant, entries, &after, now_ms, to_points).await?;
        cuts.settled = true;
        store.put_tier_cuts(tenant, cuts).await?;
    }
    let due = match &last {
        None => true,
        Some(c) if !c.cut_for(&doc.config.tiers) => true,
        Some(c) => c.settled && now_ms.saturating_sub(c.at_ms) >= RECUT_AFTER_MS,
    };
    if !due {
        return Ok(());
    }
    let lambda = doc.config.scoring.decay_per_day;
    let since = now_ms.saturating_sub(doc.config.tiers.active_days.saturating_mul(DAY_MS));
    let board = match board {
        Some(board) => board,
        None => store.board_scores(tenant).await?,
    };
    let active: Vec<f64> = board
        .iter()
        .filter(|(_, s)| s.score.at_ms >= since)
        .map(|(_, s)| s.score.at(now_ms, lambda))
        .collect();
    let before = last
        .filter(|c| c.cut_for(&doc.config.tiers))
        .and_then(|c| c.in_force(now_ms));
    let cuts = TierCuts::from_scores(
        active,
        &doc.config.tiers,
        percentiles,
        now_ms,
        now_ms.saturating_add(CUT_IN_FORCE_AFTER_MS),
        before,
    );
    store.put_tier_cuts(tenant, &cuts).await?;
    report.recut += 1;
    tracing::info!(%tenant, cut = ?cuts.cut, active = cuts.active_users, "percentile thresholds cut");
    Ok(())
}

/// Judges everyone on the tenant board (as read) against `config` at `now_ms` and writes the
/// tiers that moved (at most [`MOVE_LIMIT`]); with `file_checks`, files a demotion
/// check for each tier still held (thresholds in points, which decay does cross).
/// How many moved. A user whose standing cannot be written is logged and skipped.
async fn settle_all<P: Ports>(
    ports: &P,
    tenant: &TenantId,
    board: &[(UserId, Standing)],
    config: &TenantConfig,
    now_ms: i64,
    file_checks: bool,
) -> Result<usize, StandingError> {
    let store = ports.store();
    let mut moved = 0;
    for (user, kept) in board {
        let tiers = config.tiers_for(user);
        let now = kept.tier_at(now_ms, &config.scoring, tiers);
        let mut held = *kept;
        if now != kept.tier && moved < MOVE_LIMIT {
            match settle(ports, tenant, user, kept, now, config, now_ms).await {
                Ok(true) => {
                    moved += 1;
                    held.tier = now;
                }
                Ok(false) => continue, // changed meanwhile: judged as it was written
                Err(err) => {
                    tracing::warn!(%tenant, %user, error = %err, "tier not settled");
                    continue;
                }
            }
        }
        if file_checks {
            if let Some(due_ms) = held.demotion_due(&config.scoring, tiers) {
                let due = sideline_ports::DueDemotion {
                    tenant: tenant.clone(),
                    user: user.clone(),
                    due_ms: due_ms.max(now_ms),
                };
                if let Err(err) = store.file_demotion(&due).await {
                    tracing::warn!(%tenant, %user, error = %err, "demotion check not filed");
                }
            }
        }
    }
    Ok(moved)
}

/// The scheduled tier pass. First, percentile thresholds that are due are cut
/// again ([`recut`]). Then it takes down the tiers that decay has taken below their
/// floor by now, whether or not anyone reads them. Each promotion files a check
/// for when decay could undo it (`Standing::demotion_due`); a user who scored
/// since is filed again for their new time, so the pass reads one score per user
/// whose tier may fall, never the whole tenant.
pub async fn demotion_pass<P: Ports>(
    ports: &P,
    settings: &TenantSettings,
    limit: usize,
) -> Result<PassReport, StandingError> {
    let now_ms = ports.clock().now_ms();
    let store = ports.store();
    let mut report = PassReport::default();
    recut(ports, now_ms, &mut report).await;
    for due in store.due_demotions(now_ms, limit).await? {
        report.checked += 1;
        let current = settings.current(store, &due.tenant, now_ms).await?;
        let config = &current.config;
        if let Some(kept) = store.user_score(&due.tenant, &due.user).await? {
            let tiers = config.tiers_for(&due.user);
            let now = kept.tier_at(now_ms, &config.scoring, tiers);
            let mut after = kept;
            if now != kept.tier
                && settle(ports, &due.tenant, &due.user, &kept, now, config, now_ms).await?
            {
                if now.tier < kept.tier.tier {
                    report.demoted += 1;
                }
                after.tier = now;
            }
            // Still a tier to lose: file the next check (the score changed
            // meanwhile if its time moved; a lost race is looked at again soon).
            let next = after
                .demotion_due(&config.scoring, tiers)
                .map(|t| t.max(now_ms + 60_000));
            if let Some(due_ms) = next {
                store
                    .file_demotion(&sideline_ports::DueDemotion {
                        tenant: due.tenant.clone(),
                        user: due.user.clone(),
                        due_ms,
                    })
                    .await?;
                report.refiled += 1;
            }
        }
        store.clear_demotion(&due).await?;
    }
    Ok(report)
}
