// `<sideline-room>`: an embeddable room panel on the client — messages with
// author, role and tier badges, a composer showing each send's fate, reactions,
// replies, presence, typing, polls and moderator controls. A vanilla custom
// element in a shadow root; user text only ever goes in as text (never HTML),
// and nothing a frame carries is allowed to throw into the page.
//
// Attributes: `url` (ws:// or wss://; a relative or http(s) URL is taken on
// this page's origin), `room`, `token-url` (fetched, as text, for every socket
// the client opens). The `getToken` property (a function returning a token or a
// promise of one) takes precedence over `token-url`. The `client` property is
// the `SidelineClient` in use.
//
// Theming, with CSS custom properties set on the element (or any ancestor):
//   --sideline-bg         background                  (#fff)
//   --sideline-fg         text                        (#1b1f24)
//   --sideline-muted      secondary text              (#5c6670)
//   --sideline-accent     buttons, links, focus, bars (#0b63ce)
//   --sideline-accent-fg  text on the accent          (#fff)
//   --sideline-border     lines and outlines          (#d5dae0)
//   --sideline-surface    buttons                     (fg 5 % over bg)
//   --sideline-danger     errors, blocked, delete     (#b42318)
//   --sideline-font       font family                 (system-ui, sans-serif)
//   --sideline-radius     corner radius               (8px)
// The element's height is its own (default 480px; set `height` on it). Parts
// (`::part(...)`): header, who, review, polls, poll, new-poll, messages,
// message, composer, input, send, status.

import { connect, SidelineClient, SidelineError } from "./client.js";
import type { RoomState } from "./client.js";
import type { AckFrame, MessageView, PollView, ReactionFrame, ReviewItem, ServerFrame, UserView } from "./protocol.js";
import { isKnown } from "./protocol.js";

const QUICK = ["👍", "🔥", "😂"];
const RANK: Record<string, number> = { viewer: 0, member: 1, speaker: 2, moderator: 3, admin: 4 };
const ROLE_BADGE: Record<string, string> = { speaker: "speaker", moderator: "mod", admin: "admin" };
const SLOW = [0, 5, 10, 30, 60, 300];
/** At most one `typing` frame this often (the server drops more anyway). */
const TYPING_EVERY_MS = 2_000;

const CSS = `
:host{--b:var(--sideline-bg,#fff);--f:var(--sideline-fg,#1b1f24);--m:var(--sideline-muted,#5c6670);--a:var(--sideline-accent,#0b63ce);--o:var(--sideline-accent-fg,#fff);--l:var(--sideline-border,#d5dae0);--s:var(--sideline-surface,color-mix(in srgb,var(--f) 5%,var(--b)));--d:var(--sideline-danger,#b42318);--r:var(--sideline-radius,8px);
display:flex;flex-direction:column;height:480px;min-width:0;box-sizing:border-box;overflow:hidden;background:var(--b);color:var(--f);font:14px/1.4 var(--sideline-font,system-ui,sans-serif);border:1px solid var(--l);border-radius:var(--r);overflow-wrap:anywhere}
*{box-sizing:border-box}
[hidden]{display:none!important}
button,input,textarea,select{font:inherit;color:inherit}
button,select{cursor:pointer;background:var(--s);border:1px solid var(--l);border-radius:calc(var(--r)/2);padding:2px 8px}
button:disabled{cursor:default;opacity:.6}
.opt:disabled{opacity:1}
button[aria-pressed=true]{border-color:var(--a);background:color-mix(in srgb,var(--a) 15%,var(--b))}
:focus-visible{outline:2px solid var(--a);outline-offset:1px}
.p{background:var(--a);color:var(--o);border-color:var(--a)}
.x{color:var(--d)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header{display:flex;flex-wrap:wrap;gap:6px;align-items:center;padding:6px 8px;border-bottom:1px solid var(--l)}
header h2{font-size:1em;margin:0;flex:1;min-width:6em}
.c{font-size:12px;color:var(--m)}
.c[data-status=open]{color:var(--a)}
.who,.rq,.pl{list-style:none;margin:0;padding:6px 8px;border-bottom:1px solid var(--l);max-height:40%;overflow-y:auto;flex:none}
.who li{display:flex;gap:4px;align-items:center}
.rq li,.poll{padding:6px 0;border-top:1px solid var(--l)}
.rq li:first-child,.poll:first-child{border-top:0}
.pl:empty{display:none}
.poll h3{font-size:1em;margin:0 0 4px}
.opt{display:flex;position:relative;width:100%;margin:3px 0;text-align:start;overflow:hidden;padding:4px 8px;gap:8px}
.opt>.bar{position:absolute;inset:0 auto 0 0;background:color-mix(in srgb,var(--a) 22%,transparent);pointer-events:none}
.opt>span{position:relative}
.opt .n{margin-inline-start:auto;color:var(--m);white-space:nowrap}
details{padding:6px 8px;border-bottom:1px solid var(--l);flex:none}
summary{cursor:pointer;color:var(--a)}
form.np{display:grid;gap:4px;margin-top:6px}
input,textarea{background:var(--b);border:1px solid var(--l);border-radius:calc(var(--r)/2);padding:4px 6px;min-width:0;width:100%}
ol{list-style:none;margin:0;padding:6px 8px;flex:1;min-height:0;overflow-y:auto;overflow-x:hidden}
.msg{padding:4px 0}
.hd{display:flex;flex-wrap:wrap;gap:4px;align-items:baseline}
.nm{font-weight:600}
.bd{font-size:11px;padding:0 5px;border:1px solid currentColor;border-radius:999px;color:var(--m)}
.r-moderator,.r-admin{color:var(--a)}
.t-silver{color:#5f6b7a}.t-gold{color:#8a6100}.t-platinum{color:#0e6f84}
time,.q,.ack,.ty{font-size:12px;color:var(--m)}
.tx{margin:2px 0;white-space:pre-wrap}
.q{margin:2px 0;padding-inline-start:6px;border-inline-start:3px solid var(--l)}
.acts{display:flex;flex-wrap:wrap;gap:4px;align-items:center}
.rx{display:contents}
.acts button{font-size:12px;padding:0 6px}
.ack[data-status=masked],.ack[data-status=held]{color:var(--f)}
.pending{opacity:.7}
.sys{margin:4px 0;padding:6px 8px;background:color-mix(in srgb,var(--a) 10%,var(--b));border-inline-start:3px solid var(--a);border-radius:calc(var(--r)/2)}
.ty{min-height:1.4em;padding:0 8px;margin:0}
form.cm{padding:6px 8px;border-top:1px solid var(--l);flex:none}
.rp{display:flex;gap:6px;align-items:center;font-size:12px;color:var(--m);margin-bottom:4px}
.rp span{flex:1;min-width:0}
.row{display:flex;gap:6px;align-items:flex-end}
textarea{resize:none;flex:1;max-height:8em}
.st{font-size:12px;color:var(--m);margin:4px 0 0;min-height:1.2em}
.st[data-status=blocked],.st[data-status=error]{color:var(--d)}
`;

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** An element with attributes (functions are event listeners) and children
 * (strings become text nodes). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k, v);
    else if (v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids) if (kid != null && kid !== false) el.append(kid);
  return el;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function short(value: unknown, max = 80): string {
  const chars = [...text(value)];
  return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : chars.join("");
}

function clock(iso: unknown): string {
  const d = new Date(text(iso));
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function problem(error: unknown): string {
  if (error instanceof SidelineError) return `${error.code.replace(/_/g, " ")}: ${error.frame.message}`;
  return error instanceof Error ? error.message : text(error);
}

/** What a role may do in a room mode (docs/protocol.md, capabilities). */
function capabilities(role: unknown, mode: string): string[] {
  const rank = RANK[text(role)] ?? 0;
  const caps = ["read"];
  if (rank >= 3) caps.push("react", "write", "moderate", ...(rank > 3 ? ["configure"] : []));
  else if (rank >= 1 && mode !== "readonly") {
    caps.push("react");
    if (mode === "open" || rank === 2) caps.push("write");
  }
  return caps;
}

/** The WebSocket URL for an attribute value: ws(s) as is, http(s) or a
 * relative URL on this page's origin with the matching scheme. */
function socketUrl(value: string): string {
  const url = new URL(value, globalThis.location?.href);
  if (url.protocol === "http:" || url.protocol === "https:") url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

function badges(user: Partial<UserView> | undefined): Child[] {
  const role = ROLE_BADGE[text(user?.role)];
  const tier = text(user?.tier);
  return [
    role && h("span", { class: `bd r-${text(user?.role)}`, title: text(user?.role) }, role),
    (tier === "silver" || tier === "gold" || tier === "platinum") && h("span", { class: `bd t-${tier}`, title: `${tier} tier` }, tier),
  ];
}

interface Row {
  li: HTMLLIElement;
  quote: HTMLElement;
  body: HTMLElement;
  ack: HTMLElement;
  rx: HTMLElement;
  reacts: Map<string, HTMLButtonElement>;
  mod: HTMLElement[];
  mute: HTMLElement;
}

interface PollUi {
  el: HTMLElement;
  opts: HTMLButtonElement[];
  meta: HTMLElement;
  close: HTMLButtonElement;
}

// Outside a browser (server rendering, Node) the module still loads.
const Base = (typeof HTMLElement === "undefined" ? class {} : HTMLElement) as typeof HTMLElement;

export class SidelineRoom extends Base {
  static observedAttributes = ["url", "room", "token-url"];

  #root: ShadowRoot;
  #getToken: (() => string | Promise<string>) | undefined;
  #client: SidelineClient | undefined;
  #room = "";
  #gen = 0;
  #off: (() => void)[] = [];
  #queued = false;
  #starting = false;
  #mode = "open";
  #slowS = 0;
  #caps: string[] | undefined;
  /** This user's id, once learned (from their own message or reaction). */
  #me: string | undefined;
  /** Acks of this panel's sends, by message id. */
  #acks = new Map<string, AckFrame>();
  #mine = new Set<string>();
  #createdPolls = new Set<string>();
  #replyTo: MessageView | undefined;
  #lastTyping = 0;
  /** Scroll to the newest message at the next render (after one's own send). */
  #stick = false;
  #whoKey = "";
  #rows = new Map<string, Row>();
  #polls = new Map<string, PollUi>();

  // The skeleton.
  #title = h("h2", {}, "Chat");
  #conn = h("span", { class: "c", "data-testid": "connection", "aria-live": "polite" }, "offline");
  #presence = h("button", { type: "button", "data-testid": "presence", "aria-expanded": "false" }, "0 here");
  #slow = h("select", { "aria-label": "Slow mode", "data-testid": "slow-mode" }, ...SLOW.map((s) => h("option", { value: s }, s ? `slow ${s} s` : "slow off")));
  #queueBtn = h("button", { type: "button", "data-testid": "review-queue", "aria-expanded": "false" }, "Review queue");
  #who = h("ul", { class: "who", part: "who", "aria-label": "Who is here", "data-testid": "who", hidden: true });
  #review = h("ul", { class: "rq", part: "review", "aria-label": "Review queue", "data-testid": "review", hidden: true });
  #pollList = h("div", { class: "pl", part: "polls", role: "region", "aria-label": "Polls" });
  #pollQ = h("input", { "aria-label": "Question", maxlength: 200, required: true, "data-testid": "poll-question" });
  #pollOpts = [1, 2, 3, 4].map((n) =>
    h("input", { "aria-label": `Option ${n}`, placeholder: `Option ${n}${n > 2 ? " (optional)" : ""}`, maxlength: 80, required: n <= 2, "data-testid": "poll-option-input" }),
  );
  #pollNote = h("span", { class: "st", role: "status" });
  #newPoll = h(
    "details",
    { part: "new-poll", "data-testid": "new-poll", hidden: true },
    h("summary", {}, "New poll"),
    h(
      "form",
      { class: "np", submit: (e: Event) => (e.preventDefault(), void this.#createPoll()) },
      this.#pollQ,
      ...this.#pollOpts,
      h("button", { class: "p", "data-testid": "poll-create" }, "Create poll"),
      this.#pollNote,
    ),
  );
  #list = h("ol", { part: "messages", "aria-label": "Messages", tabindex: 0, "data-testid": "messages" });
  #typingLine = h("p", { class: "ty", "data-testid": "typing" });
  #live = h("div", { class: "sr", "aria-live": "polite", "data-testid": "announcer" });
  #replyText = h("span", {});
  #reply = h(
    "div",
    { class: "rp", "data-testid": "reply-preview", hidden: true },
    this.#replyText,
    h("button", { type: "button", "aria-label": "Cancel reply", click: () => this.#setReply(undefined) }, "✕"),
  );
  #input = h("textarea", { rows: 2, part: "input", "aria-label": "Message", placeholder: "Say something…", maxlength: 2000, "data-testid": "composer-input" });
  #sendBtn = h("button", { class: "p", part: "send", "data-testid": "send" }, "Send");
  #status = h("p", { class: "st", part: "status", role: "status", "data-testid": "send-status" });

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    this.#presence.addEventListener("click", () => this.#toggle(this.#presence, this.#who));
    this.#queueBtn.addEventListener("click", () => {
      if (this.#toggle(this.#queueBtn, this.#review)) void this.#loadQueue();
    });
    this.#slow.addEventListener("change", () =>
      void this.#moderate({ op: "slow_mode", seconds: Number(this.#slow.value) }, "Slow mode changed"),
    );
    this.#input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.#send();
      }
    });
    this.#input.addEventListener("input", () => {
      const now = Date.now();
      if (this.#input.value.trim() && now - this.#lastTyping >= TYPING_EVERY_MS && this.#can("write")) {
        this.#lastTyping = now;
        this.#client?.typing(this.#room);
      }
    });
    this.#root.append(
      h("style", {}, CSS),
      h("header", { part: "header" }, this.#title, this.#conn, this.#presence, this.#slow, this.#queueBtn),
      this.#who,
      this.#review,
      this.#pollList,
      this.#newPoll,
      this.#list,
      this.#typingLine,
      this.#live,
      h(
        "form",
        { class: "cm", part: "composer", "data-testid": "composer", submit: (e: Event) => (e.preventDefault(), void this.#send()) },
        this.#reply,
        h("div", { class: "row" }, this.#input, this.#sendBtn),
        this.#status,
      ),
    );
    // A `getToken` set on the element before it was upgraded shadows the
    // accessor: take it over.
    if (Object.prototype.hasOwnProperty.call(this, "getToken")) {
      const fn = (this as { getToken?: () => string | Promise<string> }).getToken;
      delete (this as { getToken?: unknown }).getToken;
      this.getToken = fn;
    }
  }

  /** A function returning a token (or a promise of one); instead of `token-url`. */
  get getToken(): (() => string | Promise<string>) | undefined {
    return this.#getToken;
  }
  set getToken(fn: (() => string | Promise<string>) | undefined) {
    this.#getToken = typeof fn === "function" ? fn : undefined;
    this.#restart();
  }

  /** The client this panel uses (while connected). */
  get client(): SidelineClient | undefined {
    return this.#client;
  }

  connectedCallback(): void {
    this.#restart();
  }

  disconnectedCallback(): void {
    this.#restart();
  }

  attributeChangedCallback(_name: string, old: string | null, value: string | null): void {
    if (old !== value) this.#restart();
  }

  // -- connection --------------------------------------------------------------

  /** (Re)starts once per turn, however many attributes changed. */
  #restart(): void {
    if (this.#starting) return;
    this.#starting = true;
    queueMicrotask(() => {
      this.#starting = false;
      try {
        this.#start();
      } catch (error) {
        this.#note(problem(error), "error");
      }
    });
  }

  #start(): void {
    this.#stop();
    const room = this.getAttribute("room");
    const url = this.getAttribute("url");
    const tokenUrl = this.getAttribute("token-url");
    if (!this.isConnected || !room || !url || (!this.#getToken && !tokenUrl)) return;
    const getToken =
      this.#getToken ??
      (async () => {
        const res = await fetch(new URL(tokenUrl as string, globalThis.location?.href), { credentials: "same-origin" });
        if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
        return (await res.text()).trim();
      });
    const client = connect({ url: socketUrl(url), getToken });
    const gen = ++this.#gen;
    this.#client = client;
    this.#room = room;
    this.#title.textContent = room;
    const mine = <T>(fn: (value: T) => void) => (value: T) => {
      if (gen === this.#gen) fn(value);
    };
    this.#off = [
      client.on("room", mine((s: RoomState) => s.room === room && this.#changed())),
      client.on("message", mine((m: MessageView) => this.#incoming(m))),
      client.on("frame", mine((f: ServerFrame) => this.#frame(f))),
      client.on("status", mine(() => this.#changed())),
      client.on(
        "error",
        mine((e: Error) => {
          if (/^getToken/.test(e.message)) this.#note("Could not get a token; retrying…", "error");
        }),
      ),
    ];
    this.#join(gen);
    this.#changed();
  }

  #join(gen: number): void {
    const client = this.#client;
    client?.join(this.#room).then(
      () => {
        if (gen !== this.#gen) return;
        this.dataset.joined = "";
        this.#changed();
      },
      (error: unknown) => {
        if (gen !== this.#gen || client.status === "closed") return;
        this.#note(`Could not join: ${problem(error)}`, "error");
        // Refused outright (banned, forbidden): stop; otherwise try again.
        if (!(error instanceof SidelineError)) setTimeout(() => gen === this.#gen && this.#join(gen), 2_000);
      },
    );
  }

  #stop(): void {
    this.#gen += 1;
    for (const off of this.#off) off();
    this.#off = [];
    this.#client?.close();
    this.#client = undefined;
    delete this.dataset.joined;
    this.#rows.clear();
    this.#polls.clear();
    this.#list.replaceChildren();
    this.#pollList.replaceChildren();
    this.#review.replaceChildren();
    this.#acks.clear();
    this.#mine.clear();
    this.#caps = undefined;
    this.#setReply(undefined);
    this.#note("");
    this.#render();
  }

  #state(): RoomState | undefined {
    return this.#client?.room(this.#room);
  }

  #can(capability: string): boolean {
    return (this.#caps ?? this.#state()?.capabilities ?? []).includes(capability);
  }

  #frame(frame: ServerFrame): void {
    if (!isKnown(frame)) return;
    const f = frame;
    if ("room" in f && f.room !== undefined && f.room !== this.#room) return;
    if (f.type === "joined" || f.type === "room") {
      if (f.mode === "open" || f.mode === "stage" || f.mode === "readonly") this.#mode = f.mode;
      this.#slowS = Math.max(0, Number(f.slowModeS) || 0);
      if (f.type === "joined" && typeof f.title === "string" && f.title) this.#title.textContent = f.title;
      this.#caps = f.type === "room" ? capabilities(this.#state()?.role, this.#mode) : undefined;
    } else if (f.type === "sanctioned") {
      if (f.sanction === "shadow_ban") return;
      const until = clock(f.until) && ` until ${clock(f.until)}`;
      this.#note(`You are ${f.sanction === "ban" ? "banned" : "muted"}${until}${f.reason ? ` (${text(f.reason)})` : ""}`, "error");
    } else if (f.type === "reaction") {
      const user: Partial<UserView> | undefined = f.user;
      if (this.#me && user?.id === this.#me) this.#markReaction(f);
    }
    // The client has applied the frame by the time the render runs (an
    // approved held message, say, changes no other event).
    this.#changed();
  }

  #incoming(m: MessageView): void {
    if (m?.room !== this.#room) return;
    if (this.#acks.has(m.id)) this.#me = m.author?.id;
    else if (!m.pending && m.author?.id !== this.#me) {
      // Announced to screen readers (the last few).
      this.#live.append(h("p", {}, `${text(m.author?.name) || "Host"}: ${short(m.text, 200)}`));
      while (this.#live.childElementCount > 3) this.#live.firstElementChild?.remove();
    }
    this.#changed();
  }

  // -- actions ------------------------------------------------------------------

  async #send(): Promise<void> {
    const client = this.#client;
    const value = this.#input.value;
    if (!client || !value.trim()) return;
    const replyTo = this.#replyTo?.id;
    this.#input.value = "";
    this.#setReply(undefined);
    this.#note("Sending…");
    this.#stick = true;
    try {
      const ack = await client.send(this.#room, value, replyTo ? { replyTo } : {});
      if (ack.messageId) this.#acks.set(ack.messageId, ack);
      const label = ackLabel(ack);
      this.#note(ack.status === "delivered" ? "" : label, ack.status);
    } catch (error) {
      // Not sent: give the text back to try again.
      if (!this.#input.value) this.#input.value = value;
      this.#note(`Not sent — ${problem(error)}`, "error");
    }
    this.#changed();
  }

  async #react(m: MessageView, emoji: string): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      const answer = (await client.react(this.#room, m.id, emoji, !this.#mine.has(`${m.id} ${emoji}`))) as ReactionFrame;
      if (answer.user?.id) this.#me = answer.user.id;
      this.#markReaction(answer);
    } catch (error) {
      this.#note(problem(error), "error");
    }
    this.#changed();
  }

  #markReaction(f: ReactionFrame): void {
    const key = `${f.messageId} ${f.emoji}`;
    if (f.on) this.#mine.add(key);
    else this.#mine.delete(key);
  }

  async #vote(p: PollView, index: number): Promise<void> {
    const client = this.#client;
    if (!client) return;
    let choices: number | number[] = index;
    if (p.multiple) {
      const now = new Set(p.mine ?? []);
      if (now.has(index)) now.delete(index);
      else now.add(index);
      if (!now.size) return;
      choices = [...now].sort((a, b) => a - b);
    }
    try {
      await client.vote(this.#room, p.id, choices);
    } catch (error) {
      this.#note(problem(error), "error");
    }
    this.#changed();
  }

  async #closePoll(p: PollView): Promise<void> {
    try {
      await this.#client?.closePoll(this.#room, p.id);
    } catch (error) {
      this.#note(problem(error), "error");
    }
    this.#changed();
  }

  async #createPoll(): Promise<void> {
    const client = this.#client;
    const question = this.#pollQ.value.trim();
    const options = this.#pollOpts.map((i) => i.value.trim()).filter(Boolean);
    if (!client) return;
    if (!question || options.length < 2) {
      this.#pollNote.textContent = "A question and at least two options, please.";
      return;
    }
    this.#pollNote.textContent = "Creating…";
    try {
      const poll = await client.createPoll(this.#room, { question, options });
      this.#createdPolls.add(poll.id);
      this.#pollQ.value = "";
      for (const i of this.#pollOpts) i.value = "";
      this.#pollNote.textContent = "";
      this.#newPoll.open = false;
    } catch (error) {
      this.#pollNote.textContent = problem(error);
    }
    this.#changed();
  }

  /** A `moderate` request; resolves with its answer (undefined on failure,
   * which the status line shows). */
  async #moderate(fields: Record<string, unknown>, done?: string): Promise<ServerFrame | undefined> {
    const client = this.#client;
    if (!client) return undefined;
    try {
      const answer = await client.request({ action: "moderate", room: this.#room, ...fields });
      if (done) this.#note(done);
      return answer;
    } catch (error) {
      this.#note(problem(error), "error");
      this.#changed();
      return undefined;
    }
  }

  async #loadQueue(): Promise<void> {
    this.#review.replaceChildren(h("li", { class: "c" }, "Loading…"));
    const answer = await this.#moderate({ op: "review_queue" });
    const items: Partial<ReviewItem>[] =
      answer && isKnown(answer) && answer.type === "review_queue" && Array.isArray(answer.items) ? answer.items : [];
    this.#review.replaceChildren(
      ...(items.length ? [] : [h("li", { class: "c" }, answer ? "Nothing to review." : "Could not load the queue.")]),
      ...items.map((item) => {
        const id = text(item?.messageId);
        const li: HTMLLIElement = h(
          "li",
          { "data-testid": "review-item", "data-id": id },
          h("p", { class: "tx" }, text(item?.text)),
          h("p", { class: "c" }, text(item?.reason)),
        );
        const decide = async (op: "approve" | "reject") => {
          if (!(await this.#moderate({ op, messageId: id }, op === "approve" ? "Approved" : "Rejected"))) return;
          li.remove();
          if (!this.#review.childElementCount) this.#review.append(h("li", { class: "c" }, "Nothing to review."));
        };
        li.append(
          h(
            "div",
            { class: "acts" },
            h("button", { type: "button", "data-testid": "approve", click: () => void decide("approve") }, "Approve"),
            h("button", { type: "button", class: "x", "data-testid": "reject", click: () => void decide("reject") }, "Reject"),
          ),
        );
        return li;
      }),
    );
  }

  #toggle(button: HTMLElement, panel: HTMLElement): boolean {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    return !panel.hidden;
  }

  #setReply(m: MessageView | undefined): void {
    this.#replyTo = m;
    this.#reply.hidden = !m;
    this.#replyText.textContent = m ? `Replying to ${text(m.author?.name)}: ${short(m.text)}` : "";
    if (m) this.#input.focus();
  }

  #note(message: string, status = ""): void {
    this.#status.textContent = message;
    this.#status.dataset.status = status;
  }

  // -- rendering ------------------------------------------------------------------

  #changed(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#render();
    });
  }

  #render(): void {
    try {
      const state = this.#state();
      const status = this.#client?.status ?? "closed";
      this.dataset.status = status;
      this.#conn.dataset.status = status;
      this.#conn.textContent = status === "open" ? "live" : status === "closed" ? "offline" : `${status}…`;
      const moderate = this.#can("moderate");
      this.#slow.hidden = this.#queueBtn.hidden = !moderate;
      if (!moderate) this.#review.hidden = true;
      if (!SLOW.includes(this.#slowS) && this.#slowS > 0) this.#slow.append(h("option", { value: this.#slowS }, `slow ${this.#slowS} s`));
      this.#slow.value = String(this.#slowS);
      this.#renderPresence(state);
      this.#newPoll.hidden = (RANK[text(state?.role)] ?? 0) < 2;
      this.#renderPolls(state?.polls ?? [], moderate);
      this.#renderMessages(state?.messages ?? [], moderate);
      const names = (state?.typing ?? []).map((u) => text(u?.name) || "Someone");
      this.#typingLine.textContent =
        names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : "Several people are typing…";
      const write = this.#can("write");
      this.#input.disabled = this.#sendBtn.disabled = !write;
      this.#input.placeholder = write
        ? this.#slowS
          ? `Say something… (slow mode: one message every ${this.#slowS} s)`
          : "Say something…"
        : state?.role
          ? "You can read but not write here"
          : "Connecting…";
    } catch (error) {
      // Never into the page: whatever went wrong shows in the status line.
      this.#note(`Display error: ${problem(error)}`, "error");
    }
  }

  #renderPresence(state: RoomState | undefined): void {
    const count = Number(state?.presence?.count) || 0;
    this.#presence.textContent = `👥 ${count}`;
    this.#presence.setAttribute("aria-label", `${count} here; who is here`);
    const users = Array.isArray(state?.presence?.users) ? (state?.presence.users as UserView[]) : [];
    const key = count + users.map((u) => `${text(u?.id)} ${text(u?.name)} ${text(u?.role)} ${text(u?.tier)}`).join();
    if (key === this.#whoKey) return;
    this.#whoKey = key;
    this.#who.replaceChildren(
      ...(users.length ? users : []).map((u) => h("li", {}, h("span", {}, text(u?.name)), ...badges(u))),
      ...(users.length ? [] : [h("li", { class: "c" }, `${count} here`)]),
    );
  }

  #renderPolls(polls: PollView[], moderate: boolean): void {
    const react = this.#can("react");
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const p of polls) {
      try {
        if (!p || typeof p.id !== "string" || !Array.isArray(p.options)) continue;
        let ui = this.#polls.get(p.id);
        if (!ui) ui = this.#buildPoll(p);
        this.#polls.set(p.id, ui);
        const closed = p.status === "closed";
        const counts = Array.isArray(p.counts) ? p.counts.map((c) => Number(c) || 0) : undefined;
        const voters = Number(p.voters) || 0;
        const base = counts ? (p.multiple ? voters : counts.reduce((a, b) => a + b, 0)) : 0;
        const mine = Array.isArray(p.mine) ? p.mine : [];
        ui.opts.forEach((button, i) => {
          const c = counts?.[i] ?? 0;
          const pct = base ? Math.round((c * 100) / base) : 0;
          button.setAttribute("aria-pressed", String(mine.includes(i)));
          button.disabled = closed || !react;
          (button.firstElementChild as HTMLElement).style.width = counts ? `${pct}%` : "0";
          (button.lastElementChild as HTMLElement).textContent = counts ? `${c} · ${pct}%` : "";
        });
        ui.meta.textContent = `${voters} ${voters === 1 ? "vote" : "votes"}${
          closed ? " · closed" : counts ? "" : " · results when it closes"
        }`;
        ui.close.hidden = closed || !(moderate || this.#createdPolls.has(p.id));
        ui.el.dataset.status = closed ? "closed" : "open";
        ui.el.dataset.voters = String(voters);
        ui.el.dataset.counts = counts ? counts.join(",") : "";
        const want: ChildNode | null = prev ? prev.nextSibling : this.#pollList.firstChild;
        if (want !== ui.el) this.#pollList.insertBefore(ui.el, want);
        prev = ui.el;
        seen.add(p.id);
      } catch {
        // A malformed poll is skipped.
      }
    }
    for (const [id, ui] of this.#polls) {
      if (!seen.has(id)) {
        ui.el.remove();
        this.#polls.delete(id);
      }
    }
  }

  #buildPoll(p: PollView): PollUi {
    const heading = h("h3", {}, text(p.question));
    const opts = p.options.map((option, i) =>
      h(
        "button",
        { type: "button", class: "opt", "data-testid": "poll-option", "data-index": i, click: () => void this.#vote(this.#currentPoll(p.id) ?? p, i) },
        h("span", { class: "bar" }),
        h("span", {}, text(option)),
        h("span", { class: "n", "data-testid": "poll-count" }),
      ),
    );
    const meta = h("p", { class: "c", "data-testid": "poll-voters" });
    const close = h("button", { type: "button", "data-testid": "poll-close", click: () => void this.#closePoll(p) }, "Close poll");
    const el = h(
      "section",
      { class: "poll", part: "poll", "data-testid": "poll", "data-id": p.id },
      heading,
      h("div", { role: "group", "aria-label": text(p.question) }, ...opts),
      meta,
      close,
    );
    return { el, opts, meta, close };
  }

  #currentPoll(id: string): PollView | undefined {
    return this.#state()?.polls.find((p) => p.id === id);
  }

  #renderMessages(messages: MessageView[], moderate: boolean): void {
    const list = this.#list;
    const atBottom = this.#stick || list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    this.#stick = false;
    const byId = new Map(messages.map((m) => [m?.id, m]));
    const react = this.#can("react");
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const m of messages) {
      try {
        if (!m || typeof m.id !== "string" || typeof m.text !== "string") continue;
        let row = this.#rows.get(m.id);
        if (!row) row = this.#buildRow(m);
        this.#rows.set(m.id, row);
        this.#updateRow(row, m, byId.get(m.replyTo ?? ""), moderate, react);
        const want: ChildNode | null = prev ? prev.nextSibling : list.firstChild;
        if (want !== row.li) list.insertBefore(row.li, want);
        prev = row.li;
        seen.add(m.id);
      } catch {
        // A malformed message is skipped.
      }
    }
    for (const [id, row] of this.#rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.#rows.delete(id);
        if (this.#replyTo?.id === id) this.#setReply(undefined);
      }
    }
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  #buildRow(m: MessageView): Row {
    const system = m.system === true;
    const name = text(m.author?.name) || (system ? "Host" : "?");
    const current = () => this.#state()?.messages.find((x) => x.id === m.id) ?? m;
    const button = (label: string, click: () => void, attrs: Attrs = {}) =>
      h("button", { type: "button", click, ...attrs }, label);
    const mod = [
      button("Delete", () => void this.#moderate({ op: "delete", messageId: m.id }, "Message deleted"), {
        class: "x",
        "aria-label": `Delete message by ${name}`,
        "data-testid": "delete",
      }),
    ];
    const mute = button(
      "Mute 10 min",
      () => void this.#moderate({ op: "mute", userId: text(m.author?.id), durationS: 600 }, `${name} muted for 10 minutes`),
      { "aria-label": `Mute ${name} for 10 minutes`, "data-testid": "mute" },
    );
    const acts = h(
      "div",
      { class: "acts" },
      button("Reply", () => this.#setReply(current()), { "aria-label": `Reply to ${name}`, "data-testid": "reply" }),
    );
    const row: Row = {
      li: h("li", {
        class: `msg${system ? " sys" : ""}`,
        part: system ? "message system" : "message",
        "data-testid": "message",
        "data-id": m.id,
        "data-author": text(m.author?.id),
        "data-system": system,
      }),
      quote: h("p", { class: "q", "data-testid": "quote", hidden: true }),
      body: h("p", { class: "tx", "data-testid": "text" }),
      ack: h("span", { class: "ack", "data-testid": "ack-status" }),
      rx: h("span", { class: "rx" }),
      reacts: new Map(),
      mod: [...mod, mute],
      mute,
    };
    for (const emoji of QUICK) this.#reactButton(row, m.id, emoji);
    acts.append(row.rx, ...row.mod, row.ack);
    row.li.append(
      h(
        "div",
        { class: "hd" },
        h("span", { class: "nm", "data-testid": "author" }, name),
        ...(system ? [] : badges(m.author)),
        h("time", { datetime: text(m.createdAt) }, clock(m.createdAt)),
      ),
      row.quote,
      row.body,
      acts,
    );
    return row;
  }

  #reactButton(row: Row, id: string, emoji: string): HTMLButtonElement {
    const b = h("button", {
      type: "button",
      "data-testid": "react",
      "data-emoji": emoji,
      click: () => {
        const m = this.#state()?.messages.find((x) => x.id === id);
        if (m) void this.#react(m, emoji);
      },
    });
    row.reacts.set(emoji, b);
    row.rx.append(b);
    return b;
  }

  #updateRow(row: Row, m: MessageView, parent: MessageView | undefined, moderate: boolean, react: boolean): void {
    const body = text(m.text);
    if (row.body.textContent !== body) row.body.textContent = body;
    row.quote.hidden = !m.replyTo;
    const quoted = parent ? `↪ ${text(parent.author?.name)}: ${short(parent.text)}` : "↪ an earlier message";
    if (row.quote.textContent !== quoted) row.quote.textContent = quoted;
    row.li.classList.toggle("pending", m.pending === true);
    const reactions = m.reactions && typeof m.reactions === "object" ? m.reactions : {};
    for (const emoji of Object.keys(reactions)) if (!row.reacts.has(emoji)) this.#reactButton(row, m.id, emoji);
    for (const [emoji, b] of row.reacts) {
      const n = Number(reactions[emoji]) || 0;
      const label = n ? `${emoji} ${n}` : emoji;
      if (b.textContent !== label) b.textContent = label;
      b.setAttribute("aria-label", `React ${emoji}${n ? `, ${n}` : ""}`);
      b.setAttribute("aria-pressed", String(this.#mine.has(`${m.id} ${emoji}`)));
      b.disabled = !react || m.pending === true;
      b.hidden = !n && !QUICK.includes(emoji);
    }
    const ack = this.#acks.get(m.id);
    const status = ack?.status ?? (m.pending ? "held" : "");
    const label = status ? ackLabel({ status, reason: ack?.reason }) : "";
    row.ack.dataset.status = status;
    if (row.ack.textContent !== label) row.ack.textContent = label;
    const own = m.author?.id === this.#me || !!ack;
    for (const b of row.mod) b.hidden = !moderate || m.pending === true;
    row.mute.hidden ||= own || m.system === true || (RANK[text(m.author?.role)] ?? 0) >= 3;
  }
}

function ackLabel(ack: { status: string; reason?: string | undefined }): string {
  switch (ack.status) {
    case "held":
      return "held for review";
    case "blocked":
      return `blocked${ack.reason ? `: ${ack.reason}` : ""}`;
    case "shadowed":
      return "visible only to you";
    default:
      return ack.status;
  }
}

/** Defines `<sideline-room>` (or another tag) once; returns its class. */
export function defineSidelineRoom(tag = "sideline-room"): typeof SidelineRoom {
  const registry = (globalThis as { customElements?: CustomElementRegistry }).customElements;
  // Another tag gets its own subclass: a constructor registers once.
  if (registry && !registry.get(tag)) registry.define(tag, tag === "sideline-room" ? SidelineRoom : class extends SidelineRoom {});
  return (registry?.get(tag) as typeof SidelineRoom | undefined) ?? SidelineRoom;
}
