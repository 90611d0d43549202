// Time from a reconnect to the gap filled: Ada is kept away (her token provider
// waits) while Bob sends 200 messages; then she is let back, and the time from
// releasing her token to all 200 being in her room state is measured, over
// several rounds against one devstack (docs/benchmarks.md).
//
//   SIDELINE_DEVSTACK_BIN=…/debug/devstack node --experimental-websocket bench/catchup.mjs
import { connect } from "../dist/index.js";
import { holdableTokens, startDevstack, until } from "../test/devstack.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const MISSED = 200;
const stack = await startDevstack();
const times = [];
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    const room = `catchup-${round}-${Date.now()}`;
    const tokens = holdableTokens(stack, "ada");
    const ada = connect({ url: stack.url, getToken: tokens.getToken, backoffInitialMs: 10, backoffMaxMs: 20 });
    const bob = connect({ url: stack.url, getToken: () => stack.token("bob") });
    await ada.join(room);
    await bob.join(room);
    await bob.send(room, "seen");
    await until(() => ada.room(room).messages.length === 1, 5_000, "the first message");
    await tokens.away(ada);
    await Promise.all(Array.from({ length: MISSED }, (_, i) => bob.send(room, `missed ${i}`)));
    const start = performance.now();
    tokens.back();
    await until(() => ada.status === "open" && ada.room(room).messages.length === MISSED + 1, 30_000, "caught up");
    times.push(performance.now() - start);
    ada.close();
    bob.close();
  }
} finally {
  await stack.stop();
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(
  `reconnect to ${MISSED} missed messages caught up, ${ROUNDS} rounds: p50 ${at(0.5).toFixed(1)} ms, worst ${times.at(-1).toFixed(1)} ms`,
);
