// Generated from the Rust wire types (shared/protocol, shared/domain) by
// `cargo test -p sideline-protocol --test typescript`. Do not edit: change the
// Rust types, then run that with SIDELINE_WRITE_TS=1 and commit the result.

import type { KnownFrame, Moment, OwnPlace } from "../../src/protocol.gen.js";

type Of<T extends KnownFrame["type"]> = Extract<KnownFrame, { type: T }>;
// Every optional field made required, however deep.
type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;

export const joined_full: DeepRequired<Of<"joined">> = {
  "type": "joined",
  "room": "match:123",
  "role": "member",
  "mode": "open",
  "slowModeS": 0,
  "capabilities": [
    "read",
    "react",
    "write"
  ],
  "title": "Final",
  "object": "match:123",
  "opensAt": "2026-12-03T15:00:00.000Z",
  "closesAt": "2026-12-03T15:00:00.000Z",
  "tier": "none",
  "presence": {
    "count": 1,
    "users": [
      {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "silver"
      }
    ]
  },
  "history": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000001",
      "room": "match:123",
      "author": {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "gold"
      },
      "text": "what a goal",
      "createdAt": "2026-12-03T15:00:00.000Z",
      "replyTo": "01a23c6b-3a70-7000-8000-000000000002",
      "reactions": {
        "👍": 3
      },
      "pending": true,
      "system": true,
      "seq": 42
    }
  ],
  "next": "01a23c6b-6180-7000-8000-000000000001",
  "polls": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000003",
      "room": "match:123",
      "question": "Who scores next?",
      "options": [
        "Home",
        "Away"
      ],
      "multiple": false,
      "results": "live",
      "status": "closed",
      "counts": [
        4,
        2
      ],
      "voters": 6,
      "closesAt": "2026-12-03T15:00:00.000Z",
      "closedAt": "2026-12-03T15:00:00.000Z",
      "context": {
        "at": "67:12",
        "object": "match:123",
        "positionS": 754.2
      },
      "createdAt": "2026-12-03T15:00:00.000Z",
      "mine": [
        0
      ]
    }
  ],
  "requestId": "r1"
};

export const joined_bare: Of<"joined"> = {
  "type": "joined",
  "room": "match:123",
  "role": "member",
  "mode": "open",
  "slowModeS": 0,
  "capabilities": [
    "read",
    "react",
    "write"
  ],
  "tier": "none",
  "presence": {
    "count": 1
  },
  "history": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000001",
      "room": "match:123",
      "author": {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "gold"
      },
      "text": "what a goal",
      "createdAt": "2026-12-03T15:00:00.000Z"
    }
  ],
  "next": null,
  "polls": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000003",
      "room": "match:123",
      "question": "Who scores next?",
      "options": [
        "Home",
        "Away"
      ],
      "multiple": false,
      "results": "live",
      "status": "open",
      "voters": 6,
      "createdAt": "2026-12-03T15:00:00.000Z"
    }
  ]
};

export const left_full: DeepRequired<Of<"left">> = {
  "type": "left",
  "room": "match:123",
  "requestId": "r1"
};

export const left_bare: Of<"left"> = {
  "type": "left",
  "room": "match:123"
};

export const ack_full: DeepRequired<Of<"ack">> = {
  "type": "ack",
  "clientMsgId": "c1",
  "messageId": "01a23c6b-6180-7000-8000-000000000001",
  "status": "masked",
  "duplicate": true,
  "reason": "personal data",
  "requestId": "r1"
};

export const ack_bare: Of<"ack"> = {
  "type": "ack",
  "clientMsgId": "c1",
  "status": "masked"
};

export const message_full: DeepRequired<Of<"message">> = {
  "type": "message",
  "id": "01a23c6b-6180-7000-8000-000000000001",
  "room": "match:123",
  "author": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "gold"
  },
  "text": "what a goal",
  "createdAt": "2026-12-03T15:00:00.000Z",
  "replyTo": "01a23c6b-3a70-7000-8000-000000000002",
  "reactions": {
    "👍": 3
  },
  "pending": true,
  "system": true,
  "seq": 42
};

export const message_bare: Of<"message"> = {
  "type": "message",
  "id": "01a23c6b-6180-7000-8000-000000000001",
  "room": "match:123",
  "author": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "gold"
  },
  "text": "what a goal",
  "createdAt": "2026-12-03T15:00:00.000Z"
};

export const reaction_full: DeepRequired<Of<"reaction">> = {
  "type": "reaction",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001",
  "emoji": "👍",
  "count": 3,
  "on": true,
  "user": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "silver"
  },
  "requestId": "r1"
};

export const reaction_bare: Of<"reaction"> = {
  "type": "reaction",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001",
  "emoji": "👍",
  "count": 3,
  "on": true,
  "user": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "silver"
  }
};

export const typing_full: DeepRequired<Of<"typing">> = {
  "type": "typing",
  "room": "match:123",
  "user": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "silver"
  }
};

export const typing_bare: Of<"typing"> = {
  "type": "typing",
  "room": "match:123",
  "user": {
    "id": "u_0123456789abcdef0123456789abcdef",
    "name": "Ana",
    "role": "member",
    "tier": "silver"
  }
};

export const history_full: DeepRequired<Of<"history">> = {
  "type": "history",
  "room": "match:123",
  "messages": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000001",
      "room": "match:123",
      "author": {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "gold"
      },
      "text": "what a goal",
      "createdAt": "2026-12-03T15:00:00.000Z",
      "replyTo": "01a23c6b-3a70-7000-8000-000000000002",
      "reactions": {
        "👍": 3
      },
      "pending": true,
      "system": true,
      "seq": 42
    }
  ],
  "next": "01a23c6b-6180-7000-8000-000000000001",
  "requestId": "r1"
};

export const history_bare: Of<"history"> = {
  "type": "history",
  "room": "match:123",
  "messages": [
    {
      "id": "01a23c6b-6180-7000-8000-000000000001",
      "room": "match:123",
      "author": {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "gold"
      },
      "text": "what a goal",
      "createdAt": "2026-12-03T15:00:00.000Z"
    }
  ],
  "next": null
};

export const presence_full: DeepRequired<Of<"presence">> = {
  "type": "presence",
  "room": "match:123",
  "count": 1,
  "users": [
    {
      "id": "u_0123456789abcdef0123456789abcdef",
      "name": "Ana",
      "role": "member",
      "tier": "silver"
    }
  ],
  "requestId": "r1"
};

export const presence_bare: Of<"presence"> = {
  "type": "presence",
  "room": "match:123",
  "count": 1
};

export const pong_full: DeepRequired<Of<"pong">> = {
  "type": "pong",
  "connectionId": "abc=",
  "serverTime": "2026-12-03T15:00:00.000Z",
  "requestId": "r1"
};

export const pong_bare: Of<"pong"> = {
  "type": "pong",
  "connectionId": "abc=",
  "serverTime": "2026-12-03T15:00:00.000Z"
};

export const moderated_full: DeepRequired<Of<"moderated">> = {
  "type": "moderated",
  "room": "match:123",
  "op": "mute",
  "messageId": "01a23c6b-6180-7000-8000-000000000001",
  "userId": "u_0123456789abcdef0123456789abcdef",
  "until": "2026-12-03T15:00:00.000Z",
  "requestId": "r1"
};

export const moderated_bare: Of<"moderated"> = {
  "type": "moderated",
  "room": "match:123",
  "op": "mute"
};

export const review_queue_full: DeepRequired<Of<"review_queue">> = {
  "type": "review_queue",
  "room": "match:123",
  "items": [
    {
      "room": "match:123",
      "messageId": "01a23c6b-6180-7000-8000-000000000001",
      "authorId": "u_0123456789abcdef0123456789abcdef",
      "text": "call me on [phone]",
      "status": "pending",
      "priority": "high",
      "reason": "personal data",
      "categories": [
        "pii"
      ],
      "reports": 1,
      "dueAt": "2026-12-03T19:00:00.000Z",
      "createdAt": "2026-12-03T15:00:00.000Z",
      "decidedBy": "u_fedcba9876543210fedcba9876543210"
    }
  ],
  "next": "01a23c6b-6180-7000-8000-000000000001",
  "requestId": "r1"
};

export const review_queue_bare: Of<"review_queue"> = {
  "type": "review_queue",
  "room": "match:123",
  "items": [
    {
      "room": "match:123",
      "messageId": "01a23c6b-6180-7000-8000-000000000001",
      "authorId": "u_0123456789abcdef0123456789abcdef",
      "text": "call me on [phone]",
      "status": "pending",
      "priority": "high",
      "reason": "personal data",
      "categories": [
        "pii"
      ],
      "reports": 1,
      "dueAt": "2026-12-03T19:00:00.000Z",
      "createdAt": "2026-12-03T15:00:00.000Z"
    }
  ],
  "next": null
};

export const reported_full: DeepRequired<Of<"reported">> = {
  "type": "reported",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001",
  "duplicate": true,
  "requestId": "r1"
};

export const reported_bare: Of<"reported"> = {
  "type": "reported",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001"
};

export const sanctioned_full: DeepRequired<Of<"sanctioned">> = {
  "type": "sanctioned",
  "room": "match:123",
  "sanction": "mute",
  "until": "2026-12-03T15:00:00.000Z",
  "reason": "spam"
};

export const sanctioned_bare: Of<"sanctioned"> = {
  "type": "sanctioned",
  "sanction": "mute"
};

export const message_removed_full: DeepRequired<Of<"message_removed">> = {
  "type": "message_removed",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001"
};

export const message_removed_bare: Of<"message_removed"> = {
  "type": "message_removed",
  "room": "match:123",
  "messageId": "01a23c6b-6180-7000-8000-000000000001"
};

export const room_full: DeepRequired<Of<"room">> = {
  "type": "room",
  "room": "match:123",
  "mode": "readonly",
  "slowModeS": 10,
  "requestId": "r1"
};

export const room_bare: Of<"room"> = {
  "type": "room",
  "room": "match:123",
  "mode": "readonly",
  "slowModeS": 10
};

export const score_full: DeepRequired<Of<"score">> = {
  "type": "score",
  "userId": "u_0123456789abcdef0123456789abcdef",
  "score": 212.5,
  "tier": "silver",
  "nextTier": "gold",
  "pointsToNext": 287.5,
  "privileges": {
    "linksWithoutReview": false,
    "slowModeExempt": false,
    "rateMultiplier": 1.0,
    "capabilities": []
  },
  "at": "2026-12-03T15:00:00.000Z",
  "requestId": "r1"
};

export const score_bare: Of<"score"> = {
  "type": "score",
  "userId": "u_0123456789abcdef0123456789abcdef",
  "score": 212.5,
  "tier": "silver",
  "privileges": {
    "linksWithoutReview": false,
    "slowModeExempt": false,
    "rateMultiplier": 1.0,
    "capabilities": []
  },
  "at": "2026-12-03T15:00:00.000Z"
};

export const leaderboard_full: DeepRequired<Of<"leaderboard">> = {
  "type": "leaderboard",
  "room": "match:123",
  "window": "week",
  "period": "2026-W49",
  "entries": [
    {
      "rank": 1,
      "userId": "u_0123456789abcdef0123456789abcdef",
      "score": 320.0
    }
  ],
  "next": "cursor",
  "me": {
    "rank": 7,
    "rankBeyond": 1000,
    "score": 12.0
  },
  "at": "2026-12-03T15:00:00.000Z",
  "requestId": "r1"
};

export const leaderboard_bare: Of<"leaderboard"> = {
  "type": "leaderboard",
  "entries": [
    {
      "rank": 1,
      "userId": "u_0123456789abcdef0123456789abcdef",
      "score": 320.0
    }
  ],
  "at": "2026-12-03T15:00:00.000Z"
};

export const poll_full: DeepRequired<Of<"poll">> = {
  "type": "poll",
  "poll": {
    "id": "01a23c6b-6180-7000-8000-000000000003",
    "room": "match:123",
    "question": "Who scores next?",
    "options": [
      "Home",
      "Away"
    ],
    "multiple": false,
    "results": "live",
    "status": "closed",
    "counts": [
      4,
      2
    ],
    "voters": 6,
    "closesAt": "2026-12-03T15:00:00.000Z",
    "closedAt": "2026-12-03T15:00:00.000Z",
    "context": {
      "at": "67:12",
      "object": "match:123",
      "positionS": 754.2
    },
    "createdAt": "2026-12-03T15:00:00.000Z",
    "mine": [
      0
    ]
  },
  "requestId": "r1"
};

export const poll_bare: Of<"poll"> = {
  "type": "poll",
  "poll": {
    "id": "01a23c6b-6180-7000-8000-000000000003",
    "room": "match:123",
    "question": "Who scores next?",
    "options": [
      "Home",
      "Away"
    ],
    "multiple": false,
    "results": "live",
    "status": "open",
    "voters": 6,
    "createdAt": "2026-12-03T15:00:00.000Z"
  }
};

export const tier_full: DeepRequired<Of<"tier">> = {
  "type": "tier",
  "tier": "gold",
  "previous": "silver",
  "score": 512.0,
  "privileges": {
    "linksWithoutReview": false,
    "slowModeExempt": false,
    "rateMultiplier": 1.0,
    "capabilities": []
  }
};

export const tier_bare: Of<"tier"> = {
  "type": "tier",
  "tier": "gold",
  "previous": "silver",
  "score": 512.0,
  "privileges": {
    "linksWithoutReview": false,
    "slowModeExempt": false,
    "rateMultiplier": 1.0,
    "capabilities": []
  }
};

export const error_full: DeepRequired<Of<"error">> = {
  "type": "error",
  "code": "rate_limited",
  "message": "slow down",
  "action": "send",
  "requestId": "r1",
  "clientMsgId": "c1",
  "retryAfterMs": 1500,
  "retryable": true
};

export const error_bare: Of<"error"> = {
  "type": "error",
  "code": "rate_limited",
  "message": "slow down"
};

export const batch_full: DeepRequired<Of<"batch">> = {
  "type": "batch",
  "room": "match:123",
  "frames": [
    {
      "type": "message",
      "id": "01a23c6b-6180-7000-8000-000000000001",
      "room": "match:123",
      "author": {
        "id": "u_0123456789abcdef0123456789abcdef",
        "name": "Ana",
        "role": "member",
        "tier": "gold"
      },
      "text": "what a goal",
      "createdAt": "2026-12-03T15:00:00.000Z",
      "replyTo": "01a23c6b-3a70-7000-8000-000000000002",
      "reactions": {
        "👍": 3
      },
      "pending": true,
      "system": true,
      "seq": 42
    }
  ]
};

export const batch_bare: Of<"batch"> = {
  "type": "batch",
  "room": "match:123",
  "frames": []
};

export const moment_bare: Moment = {
  "positionS": 754.2
};

export const own_place_bare: OwnPlace = {
  "rankBeyond": 1000,
  "score": 12.0
};

const all = [joined_full, joined_bare, left_full, left_bare, ack_full, ack_bare, message_full, message_bare, reaction_full, reaction_bare, typing_full, typing_bare, history_full, history_bare, presence_full, presence_bare, pong_full, pong_bare, moderated_full, moderated_bare, review_queue_full, review_queue_bare, reported_full, reported_bare, sanctioned_full, sanctioned_bare, message_removed_full, message_removed_bare, room_full, room_bare, score_full, score_bare, leaderboard_full, leaderboard_bare, poll_full, poll_bare, tier_full, tier_bare, error_full, error_bare, batch_full, batch_bare] as const;
type Missing = Exclude<KnownFrame["type"], (typeof all)[number]["type"]>;
// Fails to compile, naming the kind, when a frame kind has no sample.
export const everyKindHasASample: [Missing] extends [never] ? true : Missing = true;
