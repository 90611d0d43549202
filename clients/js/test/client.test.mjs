// The client against a real devstack: reconnect after the server drops the
// socket, gap fill, exactly-once sends across a reconnect, a fresh token per
// socket, and bad frames reported rather than thrown.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../dist/index.js";
import { startDevstack, until } from "./devstack.mjs";

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
  let tokens = 0;
  const ada = connect({ url: stack.url, getToken: () => { tokens += 1; return stack.token("ada"); }, ...fast });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    await bob.send(room, "before the drop");
    await until(() => ada.room(room).messages.length === 1, 5_000, "ada sees the first message");

    const statuses = [];
    ada.on("status", (s) => statuses.push(s));
    await stack.drop(await ada.connectionId());
    await until(() => statuses.includes("reconnecting"), 5_000, "ada notices the drop");
    // Sent while Ada is away.
    for (let i = 0; i < 5; i += 1) await bob.send(room, `while away ${i}`);
    await until(() => ada.status === "open" && ada.room(room).messages.length === 6, 10_000, "ada catches up");

    const texts = ada.room(room).messages.map((m) => m.text);
    assert.deepEqual(texts, ["before the drop", ...[0, 1, 2, 3, 4].map((i) => `while away ${i}`)]);
    const ids = ada.room(room).messages.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "no message twice");
    assert.deepEqual([...ids].sort(), ids, "in order");
    assert.ok(tokens >= 2, "a fresh token for the new socket");
  } finally {
    ada.close();
    bob.close();
  }
});

test("a send made while disconnected is delivered once, with the same clientMsgId", async () => {
  const room = `once-${Date.now()}`;
  // The token provider waits while `held` is set: Ada stays away until released.
  let held;
  let asked = 0;
  const ada = connect({
    url: stack.url,
    getToken: async () => {
      asked += 1;
      if (held) await held.promise;
      return stack.token("ada2");
    },
    ...fast,
  });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob2"), ...fast });
  try {
    await ada.join(room);
    await bob.join(room);
    let release;
    held = { promise: new Promise((r) => { release = r; }) };
    const before = asked;
    await stack.drop(await ada.connectionId());
    await until(() => asked > before, 5_000, "ada is away, asking for a token");
    assert.equal(ada.status, "reconnecting");
    const sent = ada.send(room, "queued while away", { clientMsgId: "fixed-1" });
    held = undefined;
    release();
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
    renewAfterMs: 400,
    ...fast,
  });
  const bob = connect({ url: stack.url, getToken: () => stack.token("bob4"), ...fast });
  const statuses = [];
  ada.on("status", (s) => statuses.push(s));
  try {
    await ada.join(room);
    await bob.join(room);
    const first = await ada.connectionId();
    // Bob talks throughout the renewal.
    for (let i = 0; i < 8; i += 1) {
      await bob.send(room, `talk ${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => ada.room(room).messages.length === 8, 5_000, "ada has every message");
    const second = await ada.connectionId();
    assert.notEqual(second, first, "a new socket");
    assert.ok(tokens >= 2, "with a fresh token");
    assert.ok(!statuses.includes("reconnecting"), `no reconnect: ${statuses}`);
    const texts = ada.room(room).messages.map((m) => m.text);
    assert.deepEqual(texts, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `talk ${i}`));
  } finally {
    ada.close();
    bob.close();
  }
});
