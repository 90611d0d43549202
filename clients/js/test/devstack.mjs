// Starts a real devstack (the binary cargo built) on a free loopback port for a
// test, and stops it afterwards.
import { spawn } from "node:child_process";
import { once } from "node:events";

const bin = process.env.SIDELINE_DEVSTACK_BIN;

export async function startDevstack(env = {}) {
  if (!bin) {
    throw new Error(
      "SIDELINE_DEVSTACK_BIN is not set: run scripts/test.sh, or `cargo build -p devstack` and point it at target/debug/devstack",
    );
  }
  const child = spawn(bin, ["--port", "0", "--jwt-secret", "client-tests-secret-0123456789"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: "warn", SIDELINE_RATE_LIMIT_MESSAGES: "1000", ...env },
  });
  let out = "";
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devstack did not start: ${out}`)), 20_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/WebSocket\s+ws:\/\/([0-9.:]+)\//);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`devstack exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  return {
    url: `ws://${addr}`,
    http: `http://${addr}`,
    async token(sub, role = "member", tenant = "demo") {
      const res = await fetch(`http://${addr}/dev/token?tenant=${tenant}&sub=${sub}&role=${role}`);
      if (!res.ok) throw new Error(`dev token: ${res.status} ${await res.text()}`);
      return res.text();
    },
    /** Drops a connection from the server side, as API Gateway may. */
    async drop(connectionId) {
      const res = await fetch(`http://${addr}/@connections/${connectionId}`, { method: "DELETE" });
      if (res.status !== 204 && res.status !== 200) throw new Error(`drop: ${res.status}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGINT");
        await once(child, "exit");
      }
    },
  };
}

/** Waits until `check()` is true (polling), or fails after `ms`. */
export async function until(check, ms = 5_000, what = "condition") {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A token provider for `sub` that can keep its client away: `away(client)`
 * drops the client's socket and returns once the client asks for a new token,
 * which then waits until `back()`. */
export function holdableTokens(stack, sub) {
  let held;
  let asked = 0;
  return {
    getToken: async () => {
      asked += 1;
      if (held) await held.promise;
      return stack.token(sub);
    },
    async away(client) {
      let release;
      held = { promise: new Promise((r) => { release = r; }) };
      held.release = release;
      const before = asked;
      await stack.drop(await client.connectionId());
      await until(() => asked > before, 5_000, `${sub} away, asking for a token`);
    },
    back() {
      const was = held;
      held = undefined;
      was?.release();
    },
  };
}
