// Generated from the Rust wire types (shared/protocol, shared/domain) by
// `cargo test -p sideline-protocol --test typescript`. Do not edit: change the
// Rust types, then run that with SIDELINE_WRITE_TS=1 and commit the result.

/**
 * The outcome of a send, in `ack.status`.
 */
export type AckStatus = "delivered" | "masked" | "held" | "shadowed" | "blocked";

/**
 * Who wrote a message, as others see it.
 */
export type Author = {
  id: UserId,
  name: string,
  role: Role,
  /**
   * The author's reputation tier when the message was sent.
   */
  tier: Tier,
};

/**
 * One place on a leaderboard.
 */
export type BoardEntryView = {
  rank: number,
  userId: UserId,
  /**
   * The decayed score now (on a room's board: earned in that room).
   */
  score: number,
};

/**
 * One thing a connection may do in a room.
 */
export type Capability = "read" | "react" | "write" | "moderate" | "configure";

/**
 * The client's idempotency key for a send: printable ASCII, no spaces.
 */
export type ClientMsgId = string;

/**
 * An API Gateway connection id.
 */
export type ConnectionId = string;

/**
 * A reaction: a short run of non-space, non-control characters (an emoji, or a
 * `:shortcode:`).
 */
export type Emoji = string;

/**
 * The error codes of error frames.
 */
export type ErrorCode = "bad_request" | "unauthorized" | "forbidden" | "not_found" | "too_large" | "rate_limited" | "conflict" | "internal";

/**
 * Every frame the server sends. Serialised with `type` and camelCase fields.
 */
export type KnownFrame = {
  "type": "joined",
  room: RoomId,
  role: Role,
  mode: RoomMode,
  /**
   * Seconds between two messages of one member (0: off).
   */
  slowModeS: number,
  capabilities: Array<Capability>,
  /**
   * What the host set on the room: its title, the object it belongs to,
   * and its schedule (outside it the room is read-only: `mode` says so).
   */
  title?: string,
  object?: string,
  opensAt?: string,
  closesAt?: string,
  /**
   * The caller's reputation tier.
   */
  tier: Tier,
  presence: PresenceView,
  history: Array<MessageView>,
  next: MessageId | null,
  /**
   * The room's open polls, with the joiner's own votes.
   */
  polls: Array<PollView>,
  requestId?: string,
}
| {
  "type": "left",
  room: RoomId,
  requestId?: string,
}
| {
  "type": "ack",
  clientMsgId: ClientMsgId,
  /**
   * Absent when the message was blocked (nothing was stored).
   */
  messageId?: MessageId,
  status: AckStatus,
  duplicate?: boolean,
  reason?: string,
  requestId?: string,
}
| {
  "type": "message",
  id: MessageId,
  room: RoomId,
  author: Author,
  text: string,
  createdAt: string,
  replyTo?: MessageId,
  reactions?: {
    [key in string]: number
  },
  /**
   * Only the author sees a held message, marked pending until a moderator decides.
   */
  pending?: boolean,
  /**
   * The host's own message (the server API's), not a member's.
   */
  system?: boolean,
  /**
   * Its number in the room's sequence of public messages: a client that sees
   * a number skipped catches up with `history` (`after`). Absent on messages
   * outside the sequence (held, shadowed, or made public later).
   */
  seq?: number,
}
| {
  "type": "batch",
  room: RoomId,
  frames: Array<KnownFrame>,
}
| {
  "type": "reaction",
  room: RoomId,
  messageId: MessageId,
  emoji: Emoji,
  count: number,
  on: boolean,
  user: UserView,
  requestId?: string,
}
| {
  "type": "typing",
  room: RoomId,
  user: UserView,
}
| {
  "type": "history",
  room: RoomId,
  messages: Array<MessageView>,
  next: MessageId | null,
  requestId?: string,
}
| {
  "type": "presence",
  room: RoomId,
  requestId?: string,
  count: number,
  users?: Array<UserView>,
}
| {
  "type": "pong",
  connectionId: ConnectionId,
  serverTime: string,
  requestId?: string,
}
| {
  "type": "moderated",
  room: RoomId,
  op: string,
  messageId?: MessageId,
  userId?: UserId,
  /**
   * When a sanction ends; absent when it lasts until lifted.
   */
  until?: string,
  requestId?: string,
}
| {
  "type": "review_queue",
  room: RoomId,
  items: Array<ReviewItem>,
  next: MessageId | null,
  requestId?: string,
}
| {
  "type": "reported",
  room: RoomId,
  messageId: MessageId,
  duplicate?: boolean,
  requestId?: string,
}
| {
  "type": "sanctioned",
  /**
   * Absent for a tenant-wide sanction.
   */
  room?: RoomId,
  sanction: SanctionKind,
  until?: string,
  reason?: string,
}
| {
  "type": "message_removed",
  room: RoomId,
  messageId: MessageId,
}
| {
  "type": "room",
  room: RoomId,
  mode: RoomMode,
  slowModeS: number,
  requestId?: string,
}
| {
  "type": "score",
  requestId?: string,
  userId: UserId,
  /**
   * The decayed score at `at`, unrounded.
   */
  score: number,
  tier: Tier,
  /**
   * The tier above, and the points still needed to reach it; absent at the top.
   */
  nextTier?: Tier,
  pointsToNext?: number,
  /**
   * What the tier allows: `linksWithoutReview`, `slowModeExempt`,
   * `rateMultiplier`, `capabilities`.
   */
  privileges: Privilege,
  at: string,
}
| {
  "type": "leaderboard",
  requestId?: string,
  /**
   * The room whose board it is; absent for the tenant's.
   */
  room?: RoomId,
  /**
   * For a windowed board: `week`, `month` or `season`, and the period
   * (`2026-W49`, `2026-12`, `2026-Q4` or a season's name).
   */
  window?: string,
  period?: string,
  entries: Array<BoardEntryView>,
  /**
   * Pass as `cursor` for the next page; absent on the last.
   */
  next?: string,
  /**
   * The caller's place; absent when they are not on the board.
   */
  me?: OwnPlace,
  at: string,
}
| {
  "type": "poll",
  poll: PollView,
  requestId?: string,
}
| {
  "type": "tier",
  tier: Tier,
  previous: Tier,
  /**
   * The score at the change.
   */
  score: number,
  privileges: Privilege,
}
| {
  "type": "error",
  code: ErrorCode,
  message: string,
  action?: string,
  requestId?: string,
  clientMsgId?: string,
  retryAfterMs?: number,
  /**
   * `true` when sending the frame again may succeed; absent otherwise.
   */
  retryable?: boolean,
};

/**
 * A page of a leaderboard.
 */
export type LeaderboardView = {
  /**
   * The room whose board it is; absent for the tenant's.
   */
  room?: RoomId,
  /**
   * For a windowed board: `week`, `month` or `season`, and the period
   * (`2026-W49`, `2026-12`, `2026-Q4` or a season's name).
   */
  window?: string,
  period?: string,
  entries: Array<BoardEntryView>,
  /**
   * Pass as `cursor` for the next page; absent on the last.
   */
  next?: string,
  /**
   * The caller's place; absent when they are not on the board.
   */
  me?: OwnPlace,
  at: string,
};

/**
 * A time-ordered message id (UUIDv7); its text form sorts like its time, so it is
 * also the history cursor and the storage sort key.
 */
export type MessageId = string;

/**
 * A message as clients see it.
 */
export type MessageView = {
  id: MessageId,
  room: RoomId,
  author: Author,
  text: string,
  createdAt: string,
  replyTo?: MessageId,
  reactions?: {
    [key in string]: number
  },
  /**
   * Only the author sees a held message, marked pending until a moderator decides.
   */
  pending?: boolean,
  /**
   * The host's own message (the server API's), not a member's.
   */
  system?: boolean,
  /**
   * Its number in the room's sequence of public messages: a client that sees
   * a number skipped catches up with `history` (`after`). Absent on messages
   * outside the sequence (held, shadowed, or made public later).
   */
  seq?: number,
};

/**
 * The moment on the host's screen: the object (`match:123`) and where it was —
 * a clock (`"67:12"`), or a media position in seconds (`positionS`, kept to the
 * millisecond). On the wire `{"object":"match:123","at":"67:12"}` or
 * `{"object":"video:9","positionS":754.2}`.
 */
export type Moment = {
  object?: string,
  at?: string,
  /**
   * On the wire `positionS`, in seconds.
   */
  positionS?: number,
};

/**
 * Where the caller (or the user asked about) stands on a board.
 */
export type OwnPlace = {
  /**
   * Absent when below the first `rankBeyond` places (not counted further).
   */
  rank?: number,
  rankBeyond?: number,
  score: number,
};

/**
 * A time-ordered poll id (UUIDv7).
 */
export type PollId = string;

/**
 * Whether a poll still takes votes.
 */
export type PollStatus = "open" | "closed";

/**
 * A poll as clients see it. `counts` is absent while a poll whose results show
 * at close is open; `voters` (the turnout) always shows. `mine` (the choices of
 * the user it is sent to) only in frames to one user.
 */
export type PollView = {
  id: PollId,
  room: RoomId,
  question: string,
  options: Array<string>,
  multiple: boolean,
  results: ResultsShown,
  status: PollStatus,
  counts?: Array<number>,
  voters: number,
  closesAt?: string,
  closedAt?: string,
  context?: Moment,
  createdAt: string,
  mine?: Array<number>,
};

/**
 * Who is in a room: a count of users (not connections), and the users themselves
 * unless the room is large.
 */
export type PresenceView = {
  count: number,
  users?: Array<UserView>,
};

/**
 * How soon a moderator should look.
 */
export type Priority = "low" | "normal" | "high";

/**
 * What a tier may do.
 */
export type Privilege = {
  /**
   * Links are posted without being held for review (the inline stage's
   * `linksMinReputation` rule does not apply).
   */
  linksWithoutReview: boolean,
  /**
   * Slow mode does not apply.
   */
  slowModeExempt: boolean,
  /**
   * The send rate limit is multiplied by this.
   */
  rateMultiplier: number,
  /**
   * Named capabilities later features check (`poll`, …).
   */
  capabilities: Array<string>,
};

/**
 * When the room sees a poll's counts.
 */
export type ResultsShown = "live" | "closed";

/**
 * A message waiting for (or decided by) a moderator.
 */
export type ReviewItem = {
  room: RoomId,
  messageId: MessageId,
  authorId: UserId,
  /**
   * The stored text (personal data already masked).
   */
  text: string,
  status: ReviewStatus,
  priority: Priority,
  reason: string,
  categories: Array<string>,
  reports: number,
  /**
   * `createdAt` + the review SLA (default 4 h).
   */
  dueAt: string,
  createdAt: string,
  decidedBy?: string,
};

/**
 * Where a review item stands.
 */
export type ReviewStatus = "pending" | "approved" | "rejected" | "removed";

/**
 * Roles, lowest to highest. The order is used for "may act on" checks.
 */
export type Role = "viewer" | "member" | "speaker" | "moderator" | "admin";

/**
 * A room, named by the host after the object on screen (`match:123`, `report:q3`).
 * Always scoped to a tenant by the keys that store it.
 */
export type RoomId = string;

/**
 * Who may talk in a room.
 */
export type RoomMode = "open" | "stage" | "readonly";

/**
 * What a sanction stops.
 */
export type SanctionKind = "mute" | "ban" | "shadow_ban";

/**
 * A user's engagement score and tier as of `at`.
 */
export type ScoreView = {
  userId: UserId,
  /**
   * The decayed score at `at`, unrounded.
   */
  score: number,
  tier: Tier,
  /**
   * The tier above, and the points still needed to reach it; absent at the top.
   */
  nextTier?: Tier,
  pointsToNext?: number,
  /**
   * What the tier allows: `linksWithoutReview`, `slowModeExempt`,
   * `rateMultiplier`, `capabilities`.
   */
  privileges: Privilege,
  at: string,
};

/**
 * Reputation tiers, lowest first.
 */
export type Tier = "none" | "silver" | "gold" | "platinum";

/**
 * The canonical user id: `u_` and 32 hex digits, derived from (tenant, host user id).
 */
export type UserId = string;

/**
 * A user as presence lists show them.
 */
export type UserView = {
  id: UserId,
  name: string,
  role: Role,
  /**
   * The user's reputation tier (as of their join, in presence).
   */
  tier: Tier,
};
