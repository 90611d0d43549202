#!/usr/bin/env python3
"""Writes events/schemas/community.moderation.*.json and community.message.reported.json.

The moderation events share one shape (the decision record); this keeps their
schemas from drifting apart. Run it after changing the shape, then run the tests.
"""
import copy
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "events" / "schemas"
UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
USER = "^p_[0-9a-f]{32}$"
AUTHOR = "^(p_[0-9a-f]{32}|erased)$"

KINDS = {
    "message_masked": ("The inline stage masked personal data or profanity in a message.", ["messageId", "subjectId"]),
    "message_shadowed": ("A message was stored visible to its author only.", ["messageId", "subjectId"]),
    "message_held": ("A message was stored and queued for review, visible to its author as pending.", ["messageId", "subjectId"]),
    "message_blocked": ("A message was refused with a reason; nothing was stored.", ["subjectId"]),
    "message_approved": ("A held or hidden message went to the room (a moderator, or the asynchronous stage).", ["messageId", "subjectId"]),
    "message_rejected": ("A moderator turned a held or hidden message down.", ["messageId", "subjectId"]),
    "message_flagged": ("The asynchronous stage put a message in the review queue.", ["messageId", "subjectId"]),
    "message_hidden": ("Enough distinct reports hid a message pending review.", ["messageId", "subjectId"]),
    "message_removed": ("A message was retracted from the room (asynchronous stage or moderator).", ["messageId", "subjectId"]),
    "user_muted": ("A user was muted (by a moderator or by automatic escalation).", ["subjectId"]),
    "user_banned": ("A user was banned from a room or the tenant; their connections were closed.", ["subjectId"]),
    "user_shadow_banned": ("A user was shadow-banned: their messages reach nobody but themselves.", ["subjectId"]),
    "sanction_lifted": ("A mute, ban or shadow-ban was lifted early.", ["subjectId"]),
    "room_slow_mode_set": ("A room's slow mode was set (durationS seconds between messages, 0 for off).", ["durationS"]),
    "room_mode_set": ("A room's mode was set.", []),
    "user_erased": ("A user's erasure completed; `reason` names the erasure request. No subject: the user is gone.", ["reason"]),
    "legal_hold_set": ("A legal hold was put on the tenant, a room (`roomId`) or a user (`subjectId`): retention and erasure leave what it names.", ["reason"]),
    "legal_hold_lifted": ("A legal hold on the tenant, a room (`roomId`) or a user (`subjectId`) was lifted.", ["reason"]),
}


def base():
    return json.loads((ROOT / "community.reaction.added.json").read_text())


def reported():
    s = base()
    s["$id"] = "https://sideline.dev/schemas/community.message.reported.json"
    s["title"] = "community.message.reported"
    s["description"] = "A user reported a message (once per user per message)."
    s["properties"]["type"] = {"const": "community.message.reported"}
    s["properties"]["analyticsName"] = {"const": "community_message_reported"}
    s["properties"]["data"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["messageId", "authorId", "reason"],
        "properties": {
            "messageId": {"type": "string", "pattern": UUID},
            "authorId": {"type": "string", "pattern": AUTHOR, "description": "The message's author (their pseudonym; `erased` once the author was erased)."},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        },
    }
    return s


def moderation(kind, description, extra_required):
    s = base()
    name = f"community.moderation.{kind}"
    s["$id"] = f"https://sideline.dev/schemas/{name}.json"
    s["title"] = name
    s["description"] = description + " From the immutable decision record."
    s["required"] = [r for r in s["required"] if r != "roomId"]
    s["properties"]["type"] = {"const": name}
    s["properties"]["analyticsName"] = {"const": kind}
    actor = s["properties"]["actor"]["properties"]
    actor["canonicalId"] = {
        "type": "string",
        "pattern": "^(p_[0-9a-f]{32}|system)$",
        "description": "The moderator (their pseudonym), or `system` for automatic decisions.",
    }
    actor["role"] = {"enum": ["system", "host", "viewer", "member", "speaker", "moderator", "admin"], "description": "`host`: the host's backend, through the server API (erasures, legal holds)."}
    s["properties"]["data"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["decisionId", "stage", "categories", "scores", "ruleVersion", "enforced"] + extra_required,
        "properties": {
            "decisionId": {"type": "string", "pattern": UUID},
            "stage": {"enum": ["inline", "async", "reports", "escalation", "human"]},
            "subjectId": {"type": "string", "pattern": USER, "description": "The user the decision is about (their pseudonym)."},
            "messageId": {"type": "string", "pattern": UUID},
            "reason": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "scores": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
            "ruleVersion": {"type": "string", "minLength": 1},
            "enforced": {"type": "boolean", "description": "False when a rule set in shadow mode only recorded what it would have done."},
            "durationS": {"type": "integer", "minimum": 0, "description": "Length of a sanction or slow mode, in seconds."},
        },
    }
    return s


def write(name, schema):
    (ROOT / f"{name}.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


write("community.message.reported", reported())
for kind, (description, extra) in KINDS.items():
    write(f"community.moderation.{kind}", moderation(kind, description, copy.deepcopy(extra)))
