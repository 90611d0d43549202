// The wire protocol's frames as the client reads them (docs/protocol.md). The
// types themselves are generated from the Rust protocol types into
// protocol.gen.ts (a Rust test fails when they drift); this module names each
// frame and adds the frames this client does not know yet.

import type { KnownFrame } from "./protocol.gen.js";

export type * from "./protocol.gen.js";

/** The frame whose `type` is `T`. */
export type FrameOf<T extends KnownFrame["type"]> = Extract<KnownFrame, { type: T }>;

export type JoinedFrame = FrameOf<"joined">;
export type LeftFrame = FrameOf<"left">;
export type AckFrame = FrameOf<"ack">;
export type MessageFrame = FrameOf<"message">;
export type ReactionFrame = FrameOf<"reaction">;
export type TypingFrame = FrameOf<"typing">;
export type HistoryFrame = FrameOf<"history">;
export type PresenceFrame = FrameOf<"presence">;
export type PongFrame = FrameOf<"pong">;
/** A moderator's action took effect (to the moderator). */
export type ModeratedFrame = FrameOf<"moderated">;
/** A page of the review queue (to the moderator). */
export type ReviewQueueFrame = FrameOf<"review_queue">;
/** A report was taken (to the reporter). */
export type ReportedFrame = FrameOf<"reported">;
/** The user was muted or banned (to their connections; a shadow ban is never told). */
export type SanctionedFrame = FrameOf<"sanctioned">;
/** A message the client may have shown is gone (rejected or removed). */
export type MessageRemovedFrame = FrameOf<"message_removed">;
/** A room's settings changed. */
export type RoomFrame = FrameOf<"room">;
/** The caller's score and tier (to a `score` request). */
export type ScoreFrame = FrameOf<"score">;
/** A page of a leaderboard (to a `leaderboard` request). */
export type LeaderboardFrame = FrameOf<"leaderboard">;
/** A poll was created, its results moved or it closed; or the answer to `poll`. */
export type PollFrame = FrameOf<"poll">;
/** The user's tier changed (to each of their connections). */
export type TierFrame = FrameOf<"tier">;
export type ErrorFrame = FrameOf<"error">;
/** A hot room's frames of one delivery window, in order. */
export type BatchFrame = FrameOf<"batch">;

/** Every kind of frame this client knows (a new kind in the generated types
 * does not compile until it is listed here). */
const KNOWN_KINDS: Record<KnownFrame["type"], true> = {
  joined: true,
  left: true,
  ack: true,
  message: true,
  reaction: true,
  typing: true,
  history: true,
  presence: true,
  pong: true,
  moderated: true,
  review_queue: true,
  reported: true,
  sanctioned: true,
  message_removed: true,
  room: true,
  score: true,
  leaderboard: true,
  poll: true,
  tier: true,
  error: true,
  batch: true,
};

/** Whether a frame is of a kind this client knows, typed as that kind. (Its
 * fields are as the server sent them: read them defensively.) */
export function isKnown(frame: { type: string }): frame is KnownFrame {
  return Object.prototype.hasOwnProperty.call(KNOWN_KINDS, frame.type);
}

/** A frame of a kind newer than this client; passed through untyped. */
export interface OtherFrame {
  type: string;
  requestId?: string;
  [field: string]: unknown;
}

export type ServerFrame = KnownFrame | OtherFrame;
