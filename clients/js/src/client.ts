// The Sideline client: one logical connection made of WebSockets that come and go.
// It reconnects with backoff, renews the socket before API Gateway's two-hour
// limit, rejoins every room and catches each up from the last message it saw,
// resends unacknowledged sends with their `clientMsgId` (the server answers a
// repeat with the first `messageId`, so a send lands once), and keeps each room's
// state. Bad frames from the server are reported as `error` events, never thrown.

import type {
  AckFrame,
  ErrorFrame,
  HistoryFrame,
  JoinedFrame,
  MessageView,
  Moment,
  PollFrame,
  PollView,
  PongFrame,
  PresenceView,
  Role,
  ServerFrame,
  UserView,
} from "./protocol.js";
import { isKnown } from "./protocol.js";

/** The standard WebSocket's constructor (browsers, Node 22+, Node 20 with
 * `--experimental-websocket`). */
export type WebSocketLike = {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
};
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ConnectOptions {
  /** `wss://…/{stage}` in AWS, `ws://127.0.0.1:3001` with devstack. */
  url: string;
  /** Called for every socket the client opens (so after a refusal too, and
   * before the two-hour limit): a fresh token each time. */
  getToken: () => string | Promise<string>;
  WebSocket?: WebSocketConstructor;
  /** How long a request waits for its answer (default 10 s). A send not
   * acknowledged in this time is sent again, with the same `clientMsgId`. */
  requestTimeoutMs?: number;
  /** A `ping` this often keeps the socket under the 10-minute idle limit
   * (default 5 minutes). */
  heartbeatMs?: number;
  /** A new socket replaces the old one after this long (default 1 h 55 min,
   * under API Gateway's 2 hours). */
  renewAfterMs?: number;
  /** Reconnect delays: full jitter over an exponential ceiling. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Messages per `history` page when catching up (default 100). */
  catchUpPageSize?: number;
  /** How long a skipped message number waits for its message (frames may
   * come out of order) before the room catches up (default 1 s). */
  gapFillDelayMs?: number;
}

export type Status = "connecting" | "open" | "reconnecting" | "closed";

export interface RoomState {
  room: string;
  /** Oldest first, each once. */
  messages: MessageView[];
  presence: PresenceView;
  role: Role | undefined;
  capabilities: string[];
  /** Who is typing now (a `typing` frame counts for `TYPING_SHOWN_MS`). */
  typing: UserView[];
  /** Polls seen in the room, oldest first: open ones from `joined`, and every
   * poll created, updated or closed since (each with `mine`, this user's
   * choices, once they voted). */
  polls: PollView[];
}

/** A new poll's question and settings (`poll` `create`). */
export interface NewPoll {
  question: string;
  options: string[];
  multiple?: boolean;
  results?: "live" | "closed";
  closesInS?: number;
  closesAt?: string;
  context?: Moment;
}

/** How long one `typing` frame shows its user as typing (the server sends at
 * most one per user every 2 s while they type). */
export const TYPING_SHOWN_MS = 3_000;

export interface ClientEvents {
  status: Status;
  frame: ServerFrame;
  message: MessageView;
  room: RoomState;
  error: Error;
}

/** Raised when a request is answered with an `error` frame. */
export class SidelineError extends Error {
  readonly code: string;
  readonly frame: ErrorFrame;
  constructor(frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
    this.name = "SidelineError";
    this.code = frame.code;
    this.frame = frame;
  }
}

interface Pending {
  resolve: (frame: ServerFrame) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Outgoing {
  room: string;
  frame: Record<string, unknown>;
  promise: Promise<AckFrame>;
  resolve: (ack: AckFrame) => void;
  reject: (error: Error) => void;
}

interface Room {
  state: RoomState;
  byId: Map<string, MessageView>;
  /** The newest message id seen with nothing missing before it: where
   * catching up starts. Moved only once a catch-up has finished. */
  lastSeen: string | undefined;
  /** A catch-up is under way (live messages then do not move `lastSeen`). */
  catchingUp: boolean;
  /** When each typing user's last `typing` frame came. */
  typingSince: Map<string, number>;
  /** The highest public-message number (`seq`) seen in the room. */
  lastSeq: number | undefined;
  /** Numbers skipped by a live message and not seen since: a catch-up is
   * scheduled while there are any. */
  missing: Set<number>;
  /** A gap fill is scheduled or under way (`lastSeen` stays put meanwhile). */
  filling: boolean;
}

/** One socket and what belongs to it. */
interface Link {
  socket: WebSocketLike;
  pending: Map<string, Pending>;
  timers: Set<ReturnType<typeof setTimeout>>;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

const OPEN = 1;
/** How much earlier than the last message held a gap fill starts reading. */
const GAP_MARGIN_MS = 2_000;

function randomId(prefix: string): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function checkUrl(url: unknown): string {
  if (typeof url !== "string") {
    throw new TypeError("connect: `url` must be a ws:// or wss:// URL string");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`connect: \`url\` is not a URL: ${url}`);
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(`connect: \`url\` must use ws:// or wss://, not ${parsed.protocol}`);
  }
  return url;
}

export class SidelineClient {
  #options: Required<Omit<ConnectOptions, "WebSocket">>;
  #WebSocket: WebSocketConstructor;
  /** The socket requests and sends go to: open, with every room caught up. */
  #current: Link | undefined;
  /** Every socket not yet closed (the current one, one opening, one retiring). */
  #links = new Set<Link>();
  #status: Status = "connecting";
  #attempt = 0;
  #outbox = new Map<string, Outgoing>();
  #rooms = new Map<string, Room>();
  #listeners = new Map<keyof ClientEvents, Set<(value: never) => void>>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #nextRequest = 0;
  #opened: Promise<void>;
  #settleOpened: (error?: Error) => void = () => {};

  constructor(options: ConnectOptions) {
    checkUrl(options?.url);
    if (typeof options.getToken !== "function") {
      throw new TypeError("connect: `getToken` must be a function returning a token (or a promise of one)");
    }
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) {
      throw new TypeError(
        "connect: no WebSocket implementation; pass `WebSocket` (on Node 20 run with --experimental-websocket)",
      );
    }
    this.#WebSocket = WS;
    this.#options = {
      url: options.url,
      getToken: options.getToken,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      heartbeatMs: options.heartbeatMs ?? 5 * 60_000,
      renewAfterMs: options.renewAfterMs ?? 115 * 60_000,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      catchUpPageSize: options.catchUpPageSize ?? 100,
      gapFillDelayMs: options.gapFillDelayMs ?? 1_000,
    };
    this.#opened = new Promise((resolve, reject) => {
      this.#settleOpened = (error) => (error ? reject(error) : resolve());
    });
    this.#opened.catch(() => {});
    void this.#open();
  }

  /** Resolves once the first socket is open (rejects if closed before). */
  get ready(): Promise<void> {
    return this.#opened;
  }

  get status(): Status {
    return this.#status;
  }

  /** A room's state (after `join`). */
  room(room: string): RoomState | undefined {
    return this.#rooms.get(room)?.state;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  /** Joins a room (and rejoins it after every reconnect). A refused join
   * rejects and leaves nothing behind. */
  async join(room: string): Promise<RoomState> {
    const existing = this.#rooms.get(room);
    if (existing) return existing.state;
    const entry: Room = {
      state: { room, messages: [], presence: { count: 0 }, role: undefined, capabilities: [], typing: [], polls: [] },
      byId: new Map(),
      lastSeen: undefined,
      catchingUp: false,
      typingSince: new Map(),
      lastSeq: undefined,
      missing: new Set(),
      filling: false,
    };
    this.#rooms.set(room, entry);
    try {
      const link = await this.#live();
      await this.#enter(link, room);
    } catch (error) {
      if (this.#rooms.get(room) === entry) this.#rooms.delete(room);
      throw error;
    }
    return entry.state;
  }

  /** Leaves a room; its unsent messages are rejected. */
  async leave(room: string): Promise<void> {
    await this.request({ action: "leave", room });
    this.#rooms.delete(room);
    for (const [id, out] of this.#outbox) {
      if (out.room === room) {
        this.#outbox.delete(id);
        out.reject(new Error(`left ${room} before the message was acknowledged`));
      }
    }
  }

  /** Sends a message; resolves with its `ack`. Sent again with the same
   * `clientMsgId` after a reconnect, and every `requestTimeoutMs` without an
   * answer (a function that died before answering), until acknowledged (a send
   * waits while the client is disconnected). The same `clientMsgId` again is
   * the same send. */
  send(room: string, text: string, options: { replyTo?: string; clientMsgId?: string } = {}): Promise<AckFrame> {
    if (this.#status === "closed") return Promise.reject(new Error("client closed"));
    const clientMsgId = options.clientMsgId ?? randomId("c-");
    const waiting = this.#outbox.get(clientMsgId);
    if (waiting) return waiting.promise;
    const frame: Record<string, unknown> = { action: "send", room, text, clientMsgId, requestId: `send:${clientMsgId}` };
    if (options.replyTo !== undefined) frame.replyTo = options.replyTo;
    let resolve: (ack: AckFrame) => void = () => {};
    let reject: (error: Error) => void = () => {};
    const promise = new Promise<AckFrame>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#outbox.set(clientMsgId, { room, frame, promise, resolve, reject });
    if (this.#current) this.#transmit(this.#current, frame);
    this.#resendUnanswered(clientMsgId);
    return promise;
  }

  /** Sends a send again while it goes unanswered (the timer ends with the
   * answer, or with `close`, which clears every timer). */
  #resendUnanswered(clientMsgId: string): void {
    this.#later(this.#options.requestTimeoutMs, () => {
      const out = this.#outbox.get(clientMsgId);
      if (!out || this.#status === "closed") return;
      if (this.#current) this.#transmit(this.#current, out.frame);
      this.#resendUnanswered(clientMsgId);
    });
  }

  /** Tells the room this user is typing (the server throttles; nothing is
   * answered). */
  typing(room: string): void {
    if (this.#current) this.#transmit(this.#current, { action: "typing", room });
  }

  /** Turns this user's reaction on or off; resolves with the `reaction` frame
   * (the room state follows it). */
  react(room: string, messageId: string, emoji: string, on = true): Promise<ServerFrame> {
    return this.request({ action: "react", room, messageId, emoji, on });
  }

  /** Creates a poll in a room; resolves with it (the room state follows). */
  async createPoll(room: string, poll: NewPoll): Promise<PollView> {
    const answer = await this.request({ action: "poll", room, op: "create", ...poll });
    return (answer as PollFrame).poll;
  }

  /** Votes (or changes this user's vote) in a poll: one option's index, or
   * several for a multiple-choice poll. Resolves with the poll as the server
   * answered (with `mine`). */
  async vote(room: string, pollId: string, choices: number | number[]): Promise<PollView> {
    const pick = Array.isArray(choices) ? { choices } : { choice: choices };
    const answer = await this.request({ action: "poll", room, op: "vote", pollId, ...pick });
    return (answer as PollFrame).poll;
  }

  /** Closes a poll (moderators, admins, its creator); resolves with the final
   * tally. */
  async closePoll(room: string, pollId: string): Promise<PollView> {
    const answer = await this.request({ action: "poll", room, op: "close", pollId });
    return (answer as PollFrame).poll;
  }

  /** Any action, answered by the frame carrying its `requestId`; an `error`
   * frame rejects with a `SidelineError`. Waits while reconnecting. */
  async request(frame: Record<string, unknown>): Promise<ServerFrame> {
    const link = await this.#live();
    const answer = await this.#ask(link, frame);
    if (answer.type === "error") throw new SidelineError(answer as ErrorFrame);
    return answer;
  }

  /** The server's id for the current socket (from `ping`). */
  async connectionId(): Promise<string> {
    const pong = await this.request({ action: "ping" });
    return pong.type === "pong" ? String((pong as PongFrame).connectionId ?? "") : "";
  }

  /** Closes for good: no reconnect; pending requests and unsent messages are
   * rejected. */
  close(): void {
    if (this.#status === "closed") return;
    this.#setStatus("closed");
    this.#settleOpened(new Error("client closed"));
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const link of [...this.#links]) this.#retire(link, "client closed");
    this.#current = undefined;
    for (const [id, out] of this.#outbox) {
      this.#outbox.delete(id);
      out.reject(new Error("client closed before the message was acknowledged"));
    }
  }

  // -- events and timers -----------------------------------------------------

  #emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (v: ClientEvents[K]) => void)(value);
      } catch (error) {
        if (event !== "error") this.#emit("error", asError(error));
      }
    }
  }

  #isClosed(): boolean {
    return this.#status === "closed";
  }

  #setStatus(status: Status): void {
    if (this.#status === status || this.#status === "closed") return;
    this.#status = status;
    this.#emit("status", status);
  }

  #later(ms: number, run: () => void, timers: Set<ReturnType<typeof setTimeout>> = this.#timers): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  }

  /** The current socket, once there is one. */
  async #live(): Promise<Link> {
    if (this.#current) return this.#current;
    if (this.#isClosed()) throw new Error("client closed");
    const reached = await new Promise<Status>((resolve) => {
      const off = this.on("status", (s) => {
        if (s === "open" || s === "closed") {
          off();
          resolve(s);
        }
      });
    });
    if (reached === "closed" || !this.#current) throw new Error("client closed");
    return this.#current;
  }

  // -- sockets ---------------------------------------------------------------

  /** Opens a socket, rejoins and catches up every room on it, and only then
   * makes it current (retiring `replacing`, the socket it renews). */
  async #open(replacing?: Link): Promise<void> {
    if (this.#isClosed()) return;
    let token: string;
    try {
      token = await this.#options.getToken();
    } catch (error) {
      this.#emit("error", new Error(`getToken failed: ${String(error)}`));
      this.#openFailed(replacing);
      return;
    }
    if (this.#isClosed()) return;
    const url = new URL(this.#options.url);
    url.searchParams.set("token", token);
    const link: Link = {
      socket: new this.#WebSocket(url.toString()),
      pending: new Map(),
      timers: new Set(),
      heartbeat: undefined,
    };
    this.#links.add(link);
    link.socket.onmessage = (event) => this.#receive(link, event.data);
    link.socket.onerror = () => {};
    link.socket.onclose = () => {
      const wasCurrent = this.#current === link;
      this.#retire(link, "connection lost before the answer");
      if (this.#isClosed()) return;
      if (wasCurrent) {
        this.#current = undefined;
        // A renewal under way takes over; otherwise reconnect.
        if (this.#links.size === 0) this.#retry();
        else this.#setStatus("reconnecting");
      } else {
        this.#openFailed(replacing);
      }
    };
    link.socket.onopen = async () => {
      if (this.#isClosed()) {
        this.#retire(link, "client closed");
        return;
      }
      const resumed = await this.#resume(link);
      if (this.#isClosed() || !this.#links.has(link)) return;
      if (!resumed && replacing && this.#current === replacing) {
        // The old socket still serves; try renewing later.
        this.#retire(link, "renewal failed");
        this.#later(this.#options.backoffMaxMs, () => void this.#renew(replacing));
        return;
      }
      this.#attempt = 0;
      const old = this.#current;
      this.#current = link;
      this.#setStatus("open");
      this.#settleOpened();
      this.#startHeartbeat(link);
      this.#later(this.#options.renewAfterMs, () => void this.#renew(link), link.timers);
      for (const out of this.#outbox.values()) this.#transmit(link, out.frame);
      if (old && old !== link) this.#retire(old, "renewed");
    };
  }

  /** A socket that did not become current: retry the connection, or (for a
   * renewal while the old socket still serves) the renewal. */
  #openFailed(replacing: Link | undefined): void {
    if (this.#isClosed()) return;
    if (replacing && this.#current === replacing) {
      this.#later(this.#options.backoffMaxMs, () => void this.#renew(replacing));
    } else if (!this.#current && [...this.#links].every((l) => l.socket.readyState > OPEN)) {
      this.#retry();
    }
  }

  /** Closes a socket and drops what belongs to it: its handlers, timers and
   * the requests waiting on it. */
  #retire(link: Link, why: string): void {
    this.#links.delete(link);
    if (this.#current === link) this.#current = undefined;
    link.socket.onmessage = null;
    link.socket.onopen = null;
    link.socket.onclose = null;
    if (link.heartbeat) clearInterval(link.heartbeat);
    for (const timer of link.timers) clearTimeout(timer);
    link.timers.clear();
    for (const [id, pending] of link.pending) {
      clearTimeout(pending.timer);
      link.pending.delete(id);
      pending.reject(new Error(why));
    }
    if (link.socket.readyState <= OPEN) link.socket.close(1000, why);
  }

  /** Before the connection's age limit: a new socket opens and catches up
   * while the old one still serves. */
  async #renew(old: Link): Promise<void> {
    if (this.#isClosed() || this.#current !== old) return;
    await this.#open(old);
  }

  #retry(): void {
    if (this.#isClosed()) return;
    this.#setStatus("reconnecting");
    const ceiling = Math.min(this.#options.backoffMaxMs, this.#options.backoffInitialMs * 2 ** this.#attempt);
    this.#attempt += 1;
    this.#later(Math.random() * ceiling, () => void this.#open());
  }

  /** A `ping` every `heartbeatMs`; one unanswered closes the socket (a
   * half-open socket is noticed and replaced). */
  #startHeartbeat(link: Link): void {
    link.heartbeat = setInterval(() => {
      this.#ask(link, { action: "ping" }).catch(() => {
        if (this.#links.has(link)) link.socket.close(4000, "no pong");
      });
    }, this.#options.heartbeatMs);
  }

  #transmit(link: Link, frame: Record<string, unknown>): boolean {
    if (link.socket.readyState !== OPEN) return false;
    link.socket.send(JSON.stringify(frame));
    return true;
  }

  /** A request on one socket, answered by its `requestId`. */
  #ask(link: Link, frame: Record<string, unknown>): Promise<ServerFrame> {
    const requestId = `r${++this.#nextRequest}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        link.pending.delete(requestId);
        reject(new Error(`${String(frame.action)}: no answer within ${this.#options.requestTimeoutMs} ms`));
      }, this.#options.requestTimeoutMs);
      link.pending.set(requestId, { resolve, reject, timer });
      if (!this.#transmit(link, { ...frame, requestId })) {
        clearTimeout(timer);
        link.pending.delete(requestId);
        reject(new Error(`${String(frame.action)}: not connected`));
      }
    });
  }

  /** Every room rejoined and caught up on `link`; false if one could not be
   * (each failure is an `error` event naming the room). A room the server
   * refuses outright (a ban, say) is dropped. */
  async #resume(link: Link): Promise<boolean> {
    let all = true;
    for (const room of [...this.#rooms.keys()]) {
      try {
        await this.#enter(link, room);
      } catch (error) {
        if (error instanceof SidelineError) {
          this.#rooms.delete(room);
          this.#emit("error", new Error(`could not rejoin ${room}: ${error.message}`));
        } else {
          all = false;
          this.#emit("error", new Error(`could not catch up ${room}: ${asError(error).message}`));
        }
      }
      if (!this.#links.has(link)) return false;
    }
    return all;
  }

  /** Joins `room` on `link` and fills the gap since the last message seen
   * there: the `joined` answer's latest messages, then every page after. */
  async #enter(link: Link, room: string): Promise<void> {
    const entry = this.#rooms.get(room);
    if (!entry) return;
    const since = entry.lastSeen;
    entry.catchingUp = true;
    try {
      const joined = await this.#ask(link, { action: "join", room });
      if (joined.type === "error") throw new SidelineError(joined as ErrorFrame);
      const frame = joined as JoinedFrame;
      entry.state.role = frame.role;
      entry.state.capabilities = frame.capabilities;
      entry.state.presence = frame.presence;
      for (const poll of frame.polls ?? []) this.#keepPoll(entry, poll);
      // Messages new to the client are announced once caught up, in order
      // (on a rejoin; a first join's history is state, not news).
      const fresh: MessageView[] = [];
      for (const m of frame.history) if (this.#keep(room, m, false)) fresh.push(m);
      let after = since;
      while (after !== undefined) {
        const page = await this.#ask(link, { action: "history", room, after, limit: this.#options.catchUpPageSize });
        if (page.type === "error") throw new SidelineError(page as ErrorFrame);
        const history = page as HistoryFrame;
        for (const m of history.messages) if (this.#keep(room, m, false)) fresh.push(m);
        after = history.next ?? undefined;
      }
      entry.catchingUp = false;
      // Numbers still missing (skipped by a live message while this ran, after
      // its pages were read) get a fill of their own.
      if (entry.missing.size > 0) this.#scheduleFill(room, entry);
      if (since !== undefined) {
        fresh.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const m of fresh) this.#emit("message", m);
      }
      // Caught up: everything up to the newest message is here.
      const newest = entry.state.messages.filter((m) => !m.pending).at(-1);
      if (newest && (entry.lastSeen === undefined || newest.id > entry.lastSeen)) entry.lastSeen = newest.id;
    } finally {
      entry.catchingUp = false;
    }
    this.#emit("room", entry.state);
  }

  /** Adds or updates a message in its room, in id order, once; true if it was
   * new. */
  #keep(room: string, message: MessageView, announce: boolean): boolean {
    const entry = this.#rooms.get(room);
    if (!entry) return false;
    if (message.seq !== undefined) {
      entry.missing.delete(message.seq);
      if (entry.lastSeq === undefined || message.seq > entry.lastSeq) entry.lastSeq = message.seq;
    }
    const known = entry.byId.get(message.id);
    entry.byId.set(message.id, message);
    const list = entry.state.messages;
    if (known) {
      const at = list.findIndex((m) => m.id === message.id);
      if (at >= 0) list[at] = message;
    } else {
      let at = list.length;
      while (at > 0 && (list[at - 1] as MessageView).id > message.id) at -= 1;
      list.splice(at, 0, message);
      if (announce) this.#emit("message", message);
    }
    if (
      !entry.catchingUp &&
      !entry.filling &&
      !message.pending &&
      (entry.lastSeen === undefined || message.id > entry.lastSeen)
    ) {
      entry.lastSeen = message.id;
    }
    return !known;
  }

  /** Notes a live message's number: numbers it skips are missing, and unless
   * they come within about `gapFillDelayMs` the room catches up from before the
   * last message it has with nothing missing before it (which stays put
   * meanwhile). */
  #watchSeq(room: string, entry: Room, seq: number | undefined): void {
    if (seq === undefined || entry.lastSeq === undefined || seq <= entry.lastSeq + 1) return;
    for (let n = entry.lastSeq + 1; n < seq; n += 1) entry.missing.add(n);
    // A rejoin under way schedules a fill for what it leaves missing.
    if (!entry.catchingUp) this.#scheduleFill(room, entry);
  }

  /** Schedules one gap fill, after `gapFillDelayMs` and up to as long again at
   * random, so a room's members do not all read at once. */
  #scheduleFill(room: string, entry: Room): void {
    if (entry.filling) return;
    entry.filling = true;
    const delay = this.#options.gapFillDelayMs * (1 + Math.random());
    this.#later(delay, () => void this.#fillGap(room, entry));
  }

  /** Reads the room's messages from a little before the last one it has with
   * nothing missing before it, if a number is still missing; tries again later
   * on failure. (Message ids are times taken when a send began, numbers a little
   * later: of two sends at once, the later id can have the lower number, so the
   * read starts `GAP_MARGIN_MS` earlier.) */
  async #fillGap(room: string, entry: Room): Promise<void> {
    if (this.#rooms.get(room) !== entry || this.#isClosed()) return;
    try {
      if (entry.missing.size > 0) {
        const link = await this.#live();
        let after = this.#fillFrom(entry);
        do {
          const frame: Record<string, unknown> = { action: "history", room, limit: this.#options.catchUpPageSize };
          if (after !== undefined) frame.after = after;
          const page = await this.#ask(link, frame);
          if (page.type === "error") throw new SidelineError(page as ErrorFrame);
          const history = page as HistoryFrame;
          // Without `after` the page is the newest, newest first.
          const messages = after === undefined ? [...history.messages].reverse() : history.messages;
          for (const m of messages) this.#keep(room, m, true);
          after = after === undefined ? undefined : (history.next ?? undefined);
        } while (after !== undefined);
        // A number still missing was taken by a send that failed: nothing to find.
        entry.missing.clear();
      }
    } catch (error) {
      this.#emit("error", new Error(`could not catch up ${room}: ${asError(error).message}`));
      this.#later(this.#options.gapFillDelayMs, () => void this.#fillGap(room, entry));
      return;
    }
    entry.filling = false;
    const newest = entry.state.messages.filter((m) => !m.pending).at(-1);
    if (newest && (entry.lastSeen === undefined || newest.id > entry.lastSeen)) entry.lastSeen = newest.id;
    this.#emit("room", entry.state);
  }

  /** Where a gap fill reads from: the newest message held that is at least
   * `GAP_MARGIN_MS` older than `lastSeen`, else the oldest held. */
  #fillFrom(entry: Room): string | undefined {
    const last = entry.lastSeen === undefined ? undefined : entry.byId.get(entry.lastSeen);
    if (!last) return entry.lastSeen;
    const cutoff = Date.parse(last.createdAt) - GAP_MARGIN_MS;
    const list = entry.state.messages;
    for (let at = list.length - 1; at >= 0; at -= 1) {
      const m = list[at] as MessageView;
      if (m.id <= last.id && Date.parse(m.createdAt) <= cutoff) return m.id;
    }
    // Nothing that old: from the oldest held (none held: the newest page).
    return list[0]?.id;
  }

  /** Adds or updates a poll in its room's state. A room frame carries nobody's
   * `mine`: this user's choices are kept from their own answer. */
  #keepPoll(entry: Room, poll: PollView): void {
    const polls = entry.state.polls;
    const at = polls.findIndex((p) => p.id === poll.id);
    if (at < 0) {
      polls.push(poll);
      polls.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return;
    }
    const known = polls[at] as PollView;
    // An update sent before a later one may arrive after it: a closed poll stays
    // closed, and the turnout never goes back.
    if (known.status === "closed" && poll.status === "open") return;
    if (poll.status === known.status && poll.voters < known.voters && poll.mine === undefined) return;
    polls[at] = poll.mine === undefined && known.mine !== undefined ? { ...poll, mine: known.mine } : poll;
  }

  /** Settles the request a frame answers, if any. */
  #answer(link: Link, requestId: string | undefined, frame: ServerFrame): void {
    if (requestId === undefined) return;
    const pending = link.pending.get(requestId);
    if (pending) {
      link.pending.delete(requestId);
      clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  #receive(link: Link, data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      this.#emit("error", new Error(`a frame that is not JSON: ${String(data).slice(0, 120)}`));
      return;
    }
    if (frame === null || typeof frame !== "object" || typeof frame.type !== "string") {
      this.#emit("error", new Error(`a frame without a type: ${String(data).slice(0, 120)}`));
      return;
    }
    this.#emit("frame", frame);
    this.#dispatch(link, frame);
  }

  /** Settles what a frame answers and applies it to room state. A `batch` (a hot
   * room's delivery window) is its frames, each in turn as if sent alone. */
  #dispatch(link: Link, frame: ServerFrame): void {
    if (isKnown(frame) && frame.type === "batch") {
      for (const inner of frame.frames) {
        if (inner !== null && typeof inner === "object" && typeof inner.type === "string") {
          this.#dispatch(link, inner as ServerFrame);
        }
      }
      return;
    }
    const said = (frame as { requestId?: unknown }).requestId;
    const requestId = typeof said === "string" ? said : undefined;
    if (!isKnown(frame)) {
      this.#answer(link, requestId, frame);
      return;
    }
    const f = frame;
    // A send's answer: by its clientMsgId, or by its requestId (`send:…`).
    if (f.type === "ack" || f.type === "error") {
      const sendId =
        typeof f.clientMsgId === "string"
          ? f.clientMsgId
          : requestId?.startsWith("send:")
            ? requestId.slice(5)
            : undefined;
      if (sendId !== undefined) {
        const out = this.#outbox.get(sendId);
        if (out) {
          this.#outbox.delete(sendId);
          if (f.type === "ack") out.resolve(f);
          else out.reject(new SidelineError(f));
        }
        return;
      }
    }
    this.#answer(link, requestId, frame);
    // Answers change room state as broadcasts do.
    switch (f.type) {
      case "message": {
        const { type: _type, ...view } = f;
        const entry = this.#rooms.get(String(f.room));
        if (entry?.typingSince.delete(view.author?.id)) {
          entry.state.typing = entry.state.typing.filter((u) => u.id !== view.author.id);
        }
        if (entry) this.#watchSeq(String(f.room), entry, view.seq);
        this.#keep(String(f.room), view, true);
        break;
      }
      case "message_removed": {
        const entry = this.#rooms.get(String(f.room));
        if (entry) {
          entry.byId.delete(String(f.messageId));
          entry.state.messages = entry.state.messages.filter((m) => m.id !== f.messageId);
          this.#emit("room", entry.state);
        }
        break;
      }
      case "presence": {
        const entry = this.#rooms.get(String(f.room));
        if (entry) {
          const users = f.users;
          entry.state.presence = users === undefined ? { count: Number(f.count) } : { count: Number(f.count), users };
          this.#emit("room", entry.state);
        }
        break;
      }
      case "typing": {
        const entry = this.#rooms.get(String(f.room));
        const user: UserView | undefined = f.user;
        if (entry && user && typeof user.id === "string") {
          entry.state.typing = [...entry.state.typing.filter((u) => u.id !== user.id), user];
          this.#emit("room", entry.state);
          this.#later(TYPING_SHOWN_MS, () => {
            // Unless a later frame (or a message) refreshed them meanwhile.
            const seen = entry.typingSince.get(user.id);
            if (seen !== undefined && Date.now() - seen >= TYPING_SHOWN_MS - 5) {
              entry.typingSince.delete(user.id);
              entry.state.typing = entry.state.typing.filter((u) => u.id !== user.id);
              this.#emit("room", entry.state);
            }
          });
          entry.typingSince.set(user.id, Date.now());
        }
        break;
      }
      case "poll": {
        const poll: PollView | undefined = f.poll;
        const entry = poll ? this.#rooms.get(String(poll.room)) : undefined;
        if (entry) {
          this.#keepPoll(entry, poll);
          this.#emit("room", entry.state);
        }
        break;
      }
      case "reaction": {
        const entry = this.#rooms.get(String(f.room));
        const message = entry?.byId.get(String(f.messageId));
        if (entry && message) {
          const reactions = { ...(message.reactions ?? {}) };
          reactions[String(f.emoji)] = Number(f.count);
          this.#keep(entry.state.room, { ...message, reactions }, false);
          this.#emit("room", entry.state);
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Opens a client; see [`ConnectOptions`]. Throws at once on a malformed URL
 * or a missing token provider. */
export function connect(options: ConnectOptions): SidelineClient {
  return new SidelineClient(options);
}
