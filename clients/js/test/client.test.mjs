// The client against a real devstack: reconnect after the server drops the
// socket, gap fill, exactly-once sends across a reconnect, a fresh token per
// socket, and bad frames reported rather than thrown.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../dist/index.js";
import { holdableTokens, startDevstack, until } from "./devstack.mjs";

let stack;
before(async () => {
  stack = await startDevstack();
});
after(async () => {
  await stack?.stop();
});

const fast = { backoffInitialMs: 50, backoffMaxMs: 200 };

test("connect refuses a malformed URL or a missing token provider", () => {
  assert.throws(() => connect({ url: "http://x", getToken: () => "t" }), /ws:\/\/ or wss:\/\//);
  assert.throws(() => connect({ url: "not a url", getToken: () => "t" }), /not a URL/);
  assert.throws(() => connect({ url: "ws://127.0.0.1:1" }), /getToken/);
});

test("after the server drops the socket, the room is rejoined and the gap filled, each message once", async () => {
  const room = `gap-${Date.now()}`;
  // Ada's token provider can keep her away until released.
  const tokens = holdableTokens(stack, "ada");
  const ada = connect({ url: stack.url, getToken: tokens.getToken, catchUpPageSize: 20, ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    await bob.send(room, "before the drop");
    await until(() => ada.room(room).messages.length === 1, 5_000, "ada sees the first message");
    const announced = [];
    ada.on("message", (m) => announced.push(m.text));

    await tokens.away(ada);
    assert.equal(ada.status, "reconnecting");
    // More than `joined` carries (50) are sent while she is away.
    const away = Array.from({ length: 75 }, (_, i) => `while away ${i}`);
    for (const text of away) await bob.send(room, text);
    tokens.back();
    await until(() => ada.status === "open" && ada.room(room).messages.length === 76, 10_000, "ada catches up");

    const texts = ada.room(room).messages.map((m) => m.text);
    assert.deepEqual(texts, ["before the drop", ...away]);
    const ids = ada.room(room).messages.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "no message twice");
    assert.deepEqual([...ids].sort(), ids, "in order");
    assert.deepEqual(announced, away, "each missed message announced once, in order");
  } finally {
    ada.close();
    bob.close();
  }
});

test("a message whose delivery was lost is found by the gap in the room's numbers and caught up", async () => {
  const room = `lost-${Date.now()}`;
  const ada = connect({ url: stack.url, getToken: () => stack.token("ada"), gapFillDelayMs: 200, ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    await bob.send(room, "first");
    await until(() => ada.room(room).messages.length === 1, 5_000, "ada sees the first message");
    const announced = [];
    ada.on("message", (m) => announced.push(m.text));
    // The next post to Ada is lost on the way, as when a fan-out dies half-way.
    const pong = await ada.request({ action: "ping" });
    const fault = await fetch(`${stack.http}/dev/faults/@connections/${pong.connectionId}`, {
      method: "POST",
      body: JSON.stringify({ dropPosts: 1 }),
    });
    assert.equal(fault.status, 204);
    await bob.send(room, "lost on the way");
    // Nothing shows it missing until the next message skips its number.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(ada.room(room).messages.map((m) => m.text), ["first"]);
    await bob.send(room, "third");
    await until(() => ada.room(room).messages.length === 3, 5_000, "ada catches up the lost one");
    assert.deepEqual(ada.room(room).messages.map((m) => m.text), ["first", "lost on the way", "third"]);
    const seqs = ada.room(room).messages.map((m) => m.seq);
    assert.deepEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2], "numbered one after another");
    assert.deepEqual([...announced].sort(), ["lost on the way", "third"], "each announced once");
  } finally {
    ada.close();
    bob.close();
  }
});

test("a send whose function times out half-way through its fan-out reaches every member", async () => {
  const room = `cut-${Date.now()}`;
  const options = { ...fast, requestTimeoutMs: 1_000 };
  const ada = connect({ url: stack.url, getToken: () => stack.token("ada4"), ...options });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob4"), ...options });
  const cy = connect({ url: stack.url, getToken: () => stack.token("cy4"), ...options });
  const all = [ada, bob, cy];
  const texts = (c) => c.room(room).messages.map((m) => m.text);
  try {
    for (const c of all) await c.join(room);
    await ada.send(room, "first");
    await until(() => all.every((c) => texts(c).length === 1), 5_000, "everyone has the first");
    // The next invocation stops after two posts (the sender's ack and one of
    // the three deliveries), as a function that reaches its timeout does: the
    // message is stored and acknowledged, and reaches at most one member.
    const fault = await fetch(`${stack.http}/dev/faults/invocations`, {
      method: "POST",
      body: JSON.stringify({ timeoutAfterPosts: 2 }),
    });
    assert.equal(fault.status, 204);
    const ack = await ada.send(room, "cut short");
    assert.ok(!ack.duplicate, "acknowledged before the cut, the first time");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const missed = all.filter((c) => !texts(c).includes("cut short")).length;
    assert.ok(missed >= 1, "the cut stopped deliveries");
    // The next message skips a number for the other two, who catch up.
    await bob.send(room, "after");
    await until(() => all.every((c) => texts(c).length === 3), 5_000, "everyone catches up");
    for (const c of all) assert.deepEqual(texts(c), ["first", "cut short", "after"]);
  } finally {
    for (const c of all) c.close();
  }
});

test("a hot room's batch frames reach room state as their messages, in order, each once", async () => {
  // A devstack of its own that batches rooms above 4 posts a second (two
  // members at two messages a second).
  const hot = await startDevstack({ SIDELINE_BATCH_ABOVE: "4" });
  const room = `hot-${Date.now()}`;
  const ada = connect({ url: hot.url, getToken: () => hot.token("ada"), ...fast });
  const bob = connect({ url: hot.url, getToken: () => hot.token("bob"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    const batches = [];
    bob.on("frame", (f) => {
      if (f.type === "batch") batches.push(f.frames.length);
    });
    const announced = [];
    bob.on("message", (m) => announced.push(m.text));
    const sent = [];
    for (let n = 0; n < 25; n += 1) {
      const text = `fast ${n}`;
      await ada.send(room, text);
      sent.push(text);
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    await until(() => bob.room(room).messages.length === sent.length, 5_000, "bob has every message");
    assert.deepEqual(bob.room(room).messages.map((m) => m.text), sent);
    assert.deepEqual(announced, sent, "each announced once, in order");
    assert.ok(batches.length > 0, "no batch frame came");
    assert.ok(batches.some((n) => n > 1), `batches of ${batches}`);
  } finally {
    ada.close();
    bob.close();
    await hot.stop();
  }
});

test("a send made while disconnected is delivered once, with the same clientMsgId", async () => {
  const room = `once-${Date.now()}`;
  const tokens = holdableTokens(stack, "ada2");
  const ada = connect({ url: stack.url, getToken: tokens.getToken, ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob2"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    await tokens.away(ada);
    assert.equal(ada.status, "reconnecting");
    const sent = ada.send(room, "queued while away", { clientMsgId: "fixed-1" });
    tokens.back();
    const ack = await sent;
    assert.equal(ack.status, "delivered");
    assert.equal(ack.clientMsgId, "fixed-1");
    // Sent again by hand with the same id: the server answers the first message.
    const again = await ada.send(room, "queued while away", { clientMsgId: "fixed-1" });
    assert.equal(again.messageId, ack.messageId);
    assert.equal(again.duplicate, true);
    await until(() => bob.room(room).messages.length >= 1, 5_000, "bob sees it");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(bob.room(room).messages.filter((m) => m.text === "queued while away").length, 1);
  } finally {
    ada.close();
    bob.close();
  }
});

test("a bad frame from the server is an error event, and the client goes on", async () => {
  const room = `bad-${Date.now()}`;
  const ada = connect({ url: stack.url, getToken: () => stack.token("ada3"), ...fast });
  const errors = [];
  ada.on("error", (e) => errors.push(e));
  try {
    await ada.join(room);
    // Devstack's @connections POST delivers whatever the host sends.
    const id = await ada.connectionId();
    for (const body of ["not json", JSON.stringify({ no: "type" })]) {
      const res = await fetch(`${stack.http}/@connections/${id}`, { method: "POST", body });
      assert.equal(res.status, 200);
    }
    await until(() => errors.length === 2, 5_000, "two errors reported");
    assert.match(errors[0].message, /not JSON/);
    assert.match(errors[1].message, /without a type/);
    const ack = await ada.send(room, "still working");
    assert.equal(ack.status, "delivered");
  } finally {
    ada.close();
  }
});

test("before the age limit a new socket takes over, caught up, without a reconnect", async () => {
  const room = `renew-${Date.now()}`;
  let tokens = 0;
  const ada = connect({
    url: stack.url,
    getToken: () => { tokens += 1; return stack.token("ada4"); },
    renewAfterMs: 300,
    ...fast,
  });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob4"), ...fast });
  const statuses = [];
  ada.on("status", (s) => statuses.push(s));
  try {
    await ada.join(room);
    await bob.join(room);
    const first = await ada.connectionId();
    // Both talk throughout a few renewals.
    const sends = [];
    for (let i = 0; i < 10; i += 1) {
      await bob.send(room, `bob ${i}`);
      sends.push(ada.send(room, `ada ${i}`));
      await new Promise((r) => setTimeout(r, 100));
    }
    const acks = await Promise.all(sends);
    assert.ok(acks.every((a) => a.status === "delivered"));
    await until(() => bob.room(room).messages.length === 20, 5_000, "bob has every message");
    await until(() => ada.room(room).messages.length === 20, 5_000, "ada has every message");
    const second = await ada.connectionId();
    assert.notEqual(second, first, "a new socket");
    assert.ok(tokens >= 3, `a fresh token each renewal: ${tokens}`);
    assert.ok(!statuses.includes("reconnecting"), `no reconnect: ${statuses}`);
    for (const client of [ada, bob]) {
      const texts = client.room(room).messages.map((m) => m.text);
      for (let i = 0; i < 10; i += 1) {
        assert.equal(texts.filter((t) => t === `ada ${i}`).length, 1, `ada ${i} once`);
        assert.equal(texts.filter((t) => t === `bob ${i}`).length, 1, `bob ${i} once`);
      }
    }
    // The old socket is gone: the server no longer knows it.
    const res = await fetch(`${stack.http}/@connections/${first}`);
    assert.equal(res.status, 410);
  } finally {
    ada.close();
    bob.close();
  }
});

test("reactions and typing reach the room state, the reactor's own included", async () => {
  const room = `state-${Date.now()}`;
  const ada = connect({ url: stack.url, getToken: () => stack.token("ada5"), ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob5"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    const ack = await ada.send(room, "react to me");
    await until(() => bob.room(room).messages.length === 1, 5_000, "bob has the message");
    await bob.react(room, ack.messageId, "🔥");
    const fire = (c) => c.room(room).messages[0]?.reactions?.["🔥"];
    await until(() => fire(ada) === 1, 5_000, "ada sees the reaction");
    assert.equal(fire(bob), 1, "the reactor's own state follows its answer");
    await bob.react(room, ack.messageId, "🔥", false);
    await until(() => fire(ada) === 0 && fire(bob) === 0, 5_000, "taken back on both sides");

    bob.typing(room);
    await until(() => ada.room(room).typing.some((u) => u.name === "bob5"), 5_000, "ada sees bob typing");
    // A message from him ends it at once.
    await bob.send(room, "done typing");
    await until(() => ada.room(room).typing.length === 0, 1_000, "typing ends with his message");
    await assert.rejects(bob.react(room, "not-an-id", "🔥"), /bad_request/);
  } finally {
    ada.close();
    bob.close();
  }
});

test("a poll is created, voted on from two clients, kept in room state with each one's vote, and closed", async () => {
  const room = `poll-${Date.now()}`;
  const mo = connect({ url: stack.url, getToken: () => stack.token("mo", "moderator"), ...fast });
  const ada = connect({ url: stack.url, getToken: () => stack.token("ada"), ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob"), ...fast });
  try {
    await mo.join(room);
    await ada.join(room);
    const created = await mo.createPoll(room, {
      question: "Who scores next?",
      options: ["Home", "Away", "Nobody"],
      closesInS: 600,
      context: { object: "match:123", at: "67:12" },
    });
    assert.equal(created.status, "open");
    assert.deepEqual(created.context, { object: "match:123", at: "67:12" });
    await until(() => ada.room(room).polls.length === 1, 5_000, "ada sees the poll");
    // A late joiner gets the open poll with `joined`.
    await bob.join(room);
    assert.equal(bob.room(room).polls[0].id, created.id);

    const mine = await ada.vote(room, created.id, 0);
    assert.deepEqual(mine.mine, [0]);
    await bob.vote(room, created.id, 1);
    await until(
      () => mo.room(room).polls[0].voters === 2 && ada.room(room).polls[0].voters === 2,
      5_000,
      "the coalesced results reach the room",
    );
    assert.deepEqual(mo.room(room).polls[0].counts, [1, 1, 0]);
    assert.deepEqual(ada.room(room).polls[0].mine, [0], "a room update keeps ada's own vote");
    assert.equal(mo.room(room).polls[0].mine, undefined);

    // Bad input is refused with a clear code and changes nothing.
    await assert.rejects(ada.vote(room, created.id, 7), (e) => e.code === "bad_request");
    await assert.rejects(ada.closePoll(room, created.id), (e) => e.code === "forbidden");
    await assert.rejects(
      mo.createPoll(room, { question: "One?", options: ["only"] }),
      (e) => e.code === "bad_request" && /2 to 10 options/.test(e.message),
    );

    const closed = await mo.closePoll(room, created.id);
    assert.equal(closed.status, "closed");
    assert.deepEqual(closed.counts, [1, 1, 0]);
    await until(() => bob.room(room).polls[0].status === "closed", 5_000, "bob sees it closed");
    await assert.rejects(bob.vote(room, created.id, 2), (e) => e.code === "conflict");
    assert.deepEqual(bob.room(room).polls[0].counts, [1, 1, 0]);
  } finally {
    mo.close();
    ada.close();
    bob.close();
  }
});
