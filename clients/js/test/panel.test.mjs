// The `<sideline-room>` panel in a real browser (Debian's Chromium, driven by
// playwright-core) on devstack's demo page: messages between two pages, inline
// masking shown on both sides, a poll created, voted on and closed through the
// panels, moderation, and bad frames that must not reach the page. Each test
// uses a fresh room and leaves a screenshot of every page in test-artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { connect } from "../dist/index.js";
import { startDevstack } from "./devstack.mjs";

/** Every wait is bounded by this. */
const WAIT = 10_000;
const artifacts = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

let stack;
let browser;
before(async () => {
  stack = await startDevstack();
  browser = await chromium.launch({
    executablePath: process.env.SIDELINE_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
  await mkdir(artifacts, { recursive: true });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Opens the demo page for `user` in its own browser context; resolves once
 * the panel has joined the room. */
async function open(user, room, { role = "member", width = 1000 } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  const res = await page.goto(`${stack.http}/demo?user=${user}&role=${role}&room=${encodeURIComponent(room)}`);
  assert.equal(res.status(), 200, "devstack serves the demo page");
  await page.locator("sideline-room[data-joined]").waitFor();
  return { user, page, context, errors };
}

/** Runs `body` with pages, then screenshots each and closes them; asserts no
 * page saw an uncaught error. */
async function withPages(name, opening, body) {
  const pages = [];
  try {
    for (const [user, room, options] of opening) pages.push(await open(user, room, options));
    await body(...pages);
    for (const p of pages) assert.deepEqual(p.errors.map(String), [], `no uncaught error on ${p.user}'s page`);
  } finally {
    for (const p of pages) {
      await p.page.screenshot({ path: `${artifacts}${name}-${p.user}.png`, fullPage: true }).catch(() => {});
      await p.context.close().catch(() => {});
    }
  }
}

const $ = (page, testid) => page.locator(`[data-testid="${testid}"]`);
const message = (page, text) => $(page, "message").filter({ hasText: text });

async function say(page, text) {
  const input = $(page, "composer-input");
  await input.fill(text);
  await input.press("Enter");
}

test("a message ada types reaches bob's panel with her name; typing shows meanwhile", async () => {
  const room = `panel-chat-${Date.now()}`;
  await withPages(
    "chat",
    [
      ["ada", room],
      ["bob", room, { width: 320 }],
    ],
    async (ada, bob) => {
      await $(bob.page, "presence").filter({ hasText: "2" }).waitFor();
      const input = $(ada.page, "composer-input");
      await input.pressSequentially("What a goal from the edge of the box!");
      await $(bob.page, "typing").filter({ hasText: "ada is typing…" }).waitFor();
      await input.press("Enter");
      assert.equal(await input.inputValue(), "", "the composer is emptied");

      const seen = message(bob.page, "What a goal from the edge of the box!");
      await seen.waitFor();
      assert.equal(await seen.locator('[data-testid="author"]').textContent(), "ada");
      await message(ada.page, "What a goal").locator('[data-testid="ack-status"]').filter({ hasText: "delivered" }).waitFor();
      await $(bob.page, "typing").filter({ hasText: /^$/ }).waitFor();
      // Announced to bob's screen reader, not to ada's.
      await $(bob.page, "announcer").filter({ hasText: "ada: What a goal" }).waitFor();
      assert.equal(await $(ada.page, "announcer").textContent(), "");

      // Shift+Enter is a new line; a word longer than the column wraps.
      await input.pressSequentially("line one");
      await input.press("Shift+Enter");
      await input.pressSequentially("line two Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft");
      await input.press("Enter");
      const long = message(bob.page, "line two");
      await long.waitFor();
      assert.match(await long.locator('[data-testid="text"]').textContent(), /^line one\nline two Donau\S+gesellschaft$/);
      const overflow = await bob.page.evaluate(() => {
        const list = document.querySelector("sideline-room").shadowRoot.querySelector('[data-testid="messages"]');
        return [document.documentElement.scrollWidth - window.innerWidth, list.scrollWidth - list.clientWidth];
      });
      assert.deepEqual(overflow, [0, 0], "no horizontal scroll at 320 px");

      // Bob replies; ada sees the quote.
      await seen.locator('[data-testid="reply"]').click();
      await $(bob.page, "reply-preview").filter({ hasText: "Replying to ada" }).waitFor();
      await say(bob.page, "Top corner!");
      await message(ada.page, "Top corner!").locator('[data-testid="quote"]').filter({ hasText: "ada: What a goal" }).waitFor();

      // A reaction toggles on and off, counted on both sides.
      const fire = (p) => message(p, "Top corner!").locator('[data-testid="react"][data-emoji="🔥"]');
      await fire(ada.page).click();
      await fire(bob.page).filter({ hasText: "🔥 1" }).waitFor();
      await fire(ada.page).and(ada.page.locator('[aria-pressed="true"]')).waitFor();
      await fire(ada.page).click();
      await fire(bob.page).filter({ hasText: /^🔥$/ }).waitFor();
    },
  );
});

test("an email address is masked on both sides, and ada's panel says `masked`", async () => {
  const room = `panel-mask-${Date.now()}`;
  await withPages(
    "masked",
    [
      ["ada", room],
      ["bob", room],
    ],
    async (ada, bob) => {
      await say(ada.page, "write me at ada@example.com");
      for (const p of [ada, bob]) {
        const text = message(p.page, "write me at").locator('[data-testid="text"]');
        await text.filter({ hasText: "[email]" }).waitFor();
        assert.equal(await text.textContent(), "write me at [email]", `masked on ${p.user}'s page`);
      }
      await message(ada.page, "write me at").locator('[data-testid="ack-status"]').filter({ hasText: /^masked$/ }).waitFor();
      await $(ada.page, "send-status").filter({ hasText: "masked" }).waitFor();
      assert.equal(await message(bob.page, "write me at").locator('[data-testid="ack-status"]').textContent(), "");
    },
  );
});

test("a moderator's poll is voted on from two pages, counted, and closed everywhere", async () => {
  const room = `panel-poll-${Date.now()}`;
  await withPages(
    "poll",
    [
      ["mo", room, { role: "moderator" }],
      ["ada", room],
      ["bob", room],
    ],
    async (mo, ada, bob) => {
      assert.equal(await $(ada.page, "new-poll").isVisible(), false, "members get no poll form");
      await $(mo.page, "new-poll").locator("summary").click();
      await $(mo.page, "poll-question").fill("Who scores next?");
      const options = $(mo.page, "poll-option-input");
      await options.nth(0).fill("Rovers");
      await options.nth(1).fill("United");
      await options.nth(2).fill("Nobody");
      await $(mo.page, "poll-create").click();

      const poll = (p) => $(p.page, "poll").filter({ hasText: "Who scores next?" });
      for (const p of [mo, ada, bob]) await poll(p).waitFor();
      await poll(ada).locator('[data-testid="poll-option"]').nth(0).click();
      await poll(bob).locator('[data-testid="poll-option"]').nth(1).click();
      await poll(ada).locator('[data-testid="poll-option"][aria-pressed="true"]').filter({ hasText: "Rovers" }).waitFor();
      await poll(bob).locator('[data-testid="poll-option"][aria-pressed="true"]').filter({ hasText: "United" }).waitFor();

      // Results are coalesced (at most two a second): wait for both votes.
      await mo.page.locator('[data-testid="poll"][data-voters="2"][data-counts="1,1,0"]').waitFor();
      assert.match(await poll(mo).locator('[data-testid="poll-voters"]').textContent(), /^2 votes$/);
      assert.deepEqual(await poll(mo).locator('[data-testid="poll-count"]').allTextContents(), ["1 · 50%", "1 · 50%", "0 · 0%"]);
      assert.equal(await poll(ada).locator('[data-testid="poll-close"]').isVisible(), false, "a member cannot close it");

      await poll(mo).locator('[data-testid="poll-close"]').click();
      for (const p of [mo, ada, bob]) {
        await p.page.locator('[data-testid="poll"][data-status="closed"][data-counts="1,1,0"]').waitFor();
        assert.match(await poll(p).locator('[data-testid="poll-voters"]').textContent(), /2 votes · closed/);
        for (const button of await poll(p).locator('[data-testid="poll-option"]').all()) {
          assert.equal(await button.isDisabled(), true, `closed on ${p.user}'s page`);
        }
      }
      assert.equal(await poll(mo).locator('[data-testid="poll-close"]').isVisible(), false);
    },
  );
});

test("a moderator deletes, reviews and mutes from the panel", async () => {
  const room = `panel-mod-${Date.now()}`;
  const carol = connect({ url: stack.url, getToken: () => stack.token("carol") });
  try {
    await withPages(
      "moderate",
      [
        ["mo", room, { role: "moderator" }],
        ["ada", room],
      ],
      async (mo, ada) => {
        await say(ada.page, "first, to be deleted");
        await say(ada.page, "second, to be reported");
        await message(mo.page, "second, to be reported").waitFor();
        await message(ada.page, "second, to be reported").waitFor();
        assert.equal(await $(ada.page, "delete").first().isVisible(), false, "members get no moderator controls");

        await message(mo.page, "first, to be deleted").locator('[data-testid="delete"]').click();
        await message(ada.page, "first, to be deleted").waitFor({ state: "detached" });

        // Carol reports the second: it enters the review queue, where mo rejects it.
        await carol.join(room);
        const reported = carol.room(room).messages.find((m) => m.text === "second, to be reported");
        await carol.request({ action: "report", room, messageId: reported.id, reason: "rude" });
        await $(mo.page, "review-queue").click();
        const item = $(mo.page, "review-item").filter({ hasText: "second, to be reported" });
        await item.waitFor();
        await item.locator('[data-testid="reject"]').click();
        await item.waitFor({ state: "detached" });
        await $(mo.page, "review").filter({ hasText: "Nothing to review." }).waitFor();
        await message(ada.page, "second, to be reported").waitFor({ state: "detached" });

        // Slow mode reaches the members' composers.
        await $(mo.page, "slow-mode").selectOption("30");
        await $(ada.page, "composer-input").and(ada.page.locator('[placeholder*="slow mode"]')).waitFor();
        await $(mo.page, "slow-mode").selectOption("0");
        await $(ada.page, "composer-input").and(ada.page.locator('[placeholder="Say something…"]')).waitFor();

        // Muted, ada's next send is refused and its text given back.
        await say(ada.page, "third");
        await message(mo.page, "third").locator('[data-testid="mute"]').click();
        await $(mo.page, "send-status").filter({ hasText: "muted for 10 minutes" }).waitFor();
        await $(ada.page, "send-status").filter({ hasText: "You are muted" }).waitFor();
        await say(ada.page, "fourth");
        await $(ada.page, "send-status").filter({ hasText: /Not sent — forbidden: .*muted/ }).waitFor();
        assert.equal(await $(ada.page, "composer-input").inputValue(), "fourth");
      },
    );
  } finally {
    carol.close();
  }
});

test("bad frames from the server do not reach the page, and the panel goes on", async () => {
  const room = `panel-bad-${Date.now()}`;
  await withPages("bad-frames", [["ada", room]], async (ada) => {
    const id = await ada.page.evaluate(() => document.querySelector("sideline-room").client.connectionId());
    const bad = [
      "not json",
      JSON.stringify({ no: "type" }),
      JSON.stringify({ type: "message", room }),
      JSON.stringify({ type: "message", room, id: "zzz", author: null, text: { html: "<img src=x onerror=alert(1)>" } }),
      JSON.stringify({ type: "poll", poll: { id: "p", room, options: "nope" } }),
      JSON.stringify({ type: "poll", poll: null }),
      JSON.stringify({ type: "presence", room, count: "many", users: "nobody" }),
      JSON.stringify({ type: "typing", room, user: { id: "u_x" } }),
      JSON.stringify({ type: "reaction", room, messageId: "zzz", emoji: "🔥", count: "x" }),
      JSON.stringify({ type: "room", room, mode: 7, slowModeS: "x" }),
      JSON.stringify({ type: "sanctioned", room, sanction: "mute", until: "never" }),
    ];
    for (const body of bad) {
      const res = await fetch(`${stack.http}/@connections/${id}`, { method: "POST", body });
      assert.equal(res.status, 200);
    }
    await say(ada.page, "still here <b>not bold</b>");
    const text = message(ada.page, "still here").locator('[data-testid="text"]');
    await text.waitFor();
    assert.equal(await text.textContent(), "still here <b>not bold</b>", "user text is text, not HTML");
    assert.equal(await ada.page.locator("sideline-room").evaluate((el) => el.shadowRoot.querySelectorAll("img, b").length), 0);
  });
});

test("an element made from script, with a getToken property and its own tag, joins and shows the room", async () => {
  const room = `panel-script-${Date.now()}`;
  await withPages("script", [["ada", room]], async (ada) => {
    await ada.page.evaluate(async (room) => {
      // Set up before its tag is defined: the upgrade takes the property over.
      const el = document.createElement("match-chat");
      el.getToken = () => fetch("/dev/token?tenant=demo&sub=zed&role=member").then((r) => r.text());
      // An http(s) URL is taken as the WebSocket on that origin.
      el.setAttribute("url", location.origin);
      el.setAttribute("room", room);
      el.style.height = "300px";
      document.body.append(el);
      const { defineSidelineRoom } = await import("/demo/sideline-panel.js");
      defineSidelineRoom("match-chat");
    }, room);
    const zed = ada.page.locator("match-chat[data-joined]");
    await zed.waitFor();
    await say(ada.page.locator("sideline-room"), "hello zed");
    await zed.locator('[data-testid="message"]').filter({ hasText: "hello zed" }).waitFor();
    await $(ada.page.locator("sideline-room"), "presence").filter({ hasText: "2" }).waitFor();
    // Taken off the page, it leaves the room.
    await zed.evaluate((el) => el.remove());
    await $(ada.page.locator("sideline-room"), "presence").filter({ hasText: /\b1$/ }).waitFor();
  });
});
