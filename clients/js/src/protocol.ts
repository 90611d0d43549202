// The wire protocol's frames as the client reads them (docs/protocol.md). Written
// by hand for now; generating them from the Rust protocol types is still to come.

export type Role = "viewer" | "member" | "speaker" | "moderator" | "admin";
export type Tier = "none" | "silver" | "gold" | "platinum";
export type AckStatus = "delivered" | "masked" | "shadowed" | "held" | "blocked";

export interface UserView {
  id: string;
  name: string;
  role: Role;
  tier: Tier;
}

export interface MessageView {
  id: string;
  room: string;
  author: UserView;
  text: string;
  createdAt: string;
  replyTo?: string;
  reactions?: Record<string, number>;
  pending?: boolean;
  /** The host's own message (posted through the server API). */
  system?: boolean;
}

/** The moment on the host's screen a poll is about. */
export interface Moment {
  object?: string;
  at?: string;
  positionS?: number;
}

export interface PollView {
  id: string;
  room: string;
  question: string;
  options: string[];
  multiple: boolean;
  /** `closed`: counts only once the poll is closed. */
  results: "live" | "closed";
  status: "open" | "closed";
  /** Votes per option; absent while a `results: "closed"` poll is open. */
  counts?: number[];
  /** Users who voted (the turnout). */
  voters: number;
  closesAt?: string;
  closedAt?: string;
  context?: Moment;
  createdAt: string;
  /** The receiver's own choices (only in answers to them and in `joined`). */
  mine?: number[];
}

export interface PollFrame {
  type: "poll";
  poll: PollView;
  requestId?: string;
}

export interface PresenceView {
  count: number;
  users?: UserView[];
}

export interface JoinedFrame {
  type: "joined";
  room: string;
  role: Role;
  mode: string;
  slowModeS: number;
  capabilities: string[];
  /** What the host set on the room (its schedule: read-only outside it). */
  title?: string;
  object?: string;
  opensAt?: string;
  closesAt?: string;
  /** The caller's reputation tier. */
  tier: Tier;
  presence: PresenceView;
  history: MessageView[];
  next: string | null;
  /** The room's open polls, with the joiner's own votes. */
  polls: PollView[];
  requestId?: string;
}

export interface AckFrame {
  type: "ack";
  clientMsgId: string;
  messageId?: string;
  status: AckStatus;
  reason?: string;
  duplicate?: boolean;
  requestId?: string;
}

export interface MessageFrame extends MessageView {
  type: "message";
}

export interface HistoryFrame {
  type: "history";
  room: string;
  messages: MessageView[];
  next: string | null;
  requestId?: string;
}

export interface ReactionFrame {
  type: "reaction";
  room: string;
  messageId: string;
  emoji: string;
  count: number;
  on: boolean;
  user: UserView;
  requestId?: string;
}

export interface PresenceFrame extends PresenceView {
  type: "presence";
  room: string;
  requestId?: string;
}

export interface TypingFrame {
  type: "typing";
  room: string;
  user: UserView;
}

export interface MessageRemovedFrame {
  type: "message_removed";
  room: string;
  messageId: string;
}

export interface PongFrame {
  type: "pong";
  connectionId: string;
  serverTime: string;
  requestId?: string;
}

export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
  action?: string;
  requestId?: string;
  clientMsgId?: string;
  retryAfterMs?: number;
}

export interface ModeratedFrame {
  type: "moderated";
  room: string;
  op: string;
  messageId?: string;
  userId?: string;
  until?: string;
  requestId?: string;
}

export interface ReviewQueueFrame {
  type: "review_queue";
  room: string;
  items: Record<string, unknown>[];
  next: string | null;
  requestId?: string;
}

export interface ReportedFrame {
  type: "reported";
  room: string;
  messageId: string;
  duplicate?: boolean;
  requestId?: string;
}

export interface SanctionedFrame {
  type: "sanctioned";
  room?: string;
  sanction: "mute" | "ban" | "shadow_ban";
  until?: string;
  reason?: string;
}

export interface RoomFrame {
  type: "room";
  room: string;
  mode: string;
  slowModeS: number;
  requestId?: string;
}

export interface ScoreFrame {
  type: "score";
  userId: string;
  score: number;
  tier: Tier;
  nextTier?: Tier;
  pointsToNext?: number;
  privileges: Record<string, unknown>;
  at: string;
  requestId?: string;
}

export interface LeaderboardFrame {
  type: "leaderboard";
  room?: string;
  window?: string;
  period?: string;
  entries: { rank: number; userId: string; score: number }[];
  next?: string;
  me?: { rank?: number; rankBeyond?: number; score: number };
  at: string;
  requestId?: string;
}

export interface TierFrame {
  type: "tier";
  tier: Tier;
  previous: Tier;
  score: number;
  privileges: Record<string, unknown>;
}

export interface LeftFrame {
  type: "left";
  room: string;
  requestId?: string;
}

/** Every frame the client knows by shape; others arrive as `OtherFrame`. */
export type KnownFrame =
  | JoinedFrame
  | LeftFrame
  | AckFrame
  | MessageFrame
  | HistoryFrame
  | ReactionFrame
  | PresenceFrame
  | TypingFrame
  | MessageRemovedFrame
  | PongFrame
  | ModeratedFrame
  | ReviewQueueFrame
  | ReportedFrame
  | SanctionedFrame
  | RoomFrame
  | ScoreFrame
  | LeaderboardFrame
  | TierFrame
  | PollFrame
  | ErrorFrame;

export interface OtherFrame {
  type: string;
  requestId?: string;
  [field: string]: unknown;
}

export type ServerFrame = KnownFrame | OtherFrame;
