// The README's screenshot of the demo: two fans and a moderator in one room on
// devstack's /demo, a few messages, a system message from the backend's
// "match centre", and a poll voted on. Writes docs/img/demo.png.
//   SIDELINE_DEVSTACK_BIN=…/devstack node --experimental-websocket scripts/screenshot.mjs
import { fileURLToPath } from "node:url";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { startDevstack } from "../test/devstack.mjs";

const out = fileURLToPath(new URL("../../../docs/img/demo.png", import.meta.url));
const stack = await startDevstack();
const browser = await chromium.launch({
  executablePath: process.env.SIDELINE_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  const room = "match:demo";
  const open = async (user, name, role = "member") => {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 660 } })).newPage();
    await page.goto(`${stack.http}/demo?user=${user}&name=${name}&role=${role}&room=${room}`);
    await page.locator("sideline-room[data-joined]").waitFor();
    return page;
  };
  const say = async (page, text) => {
    await page.getByTestId("composer-input").fill(text);
    await page.getByTestId("send").click();
    await page
      .getByTestId("message")
      .filter({ hasText: text })
      .getByTestId("ack-status")
      .filter({ hasText: "delivered" })
      .waitFor();
  };
  const mo = await open("mo", "Morgan", "moderator");
  const ada = await open("ada", "Ada");
  const bob = await open("bob", "Bob");
  await say(ada, "What a save from the keeper!");
  await say(bob, "Rovers have been all over them since half time");
  await mo.locator("summary").filter({ hasText: "New poll" }).click();
  await mo.getByTestId("poll-question").fill("Who scores next?");
  const options = mo.getByTestId("poll-option-input");
  await options.nth(0).fill("Rovers");
  await options.nth(1).fill("United");
  await options.nth(2).fill("Nobody");
  await mo.getByTestId("poll-create").click();
  for (const [page, i] of [[ada, 0], [bob, 0], [mo, 1]]) {
    await page.getByTestId("poll-option").nth(i).click();
  }
  await say(ada, "Rovers, surely. One more corner and it's in");
  await ada.getByTestId("poll-voters").filter({ hasText: "3 votes" }).waitFor();
  await mkdir(fileURLToPath(new URL("../../../docs/img/", import.meta.url)), { recursive: true });
  await ada.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await stack.stop();
}
