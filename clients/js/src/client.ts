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
  PresenceView,
  Role,
  ServerFrame,
} from "./protocol.js";

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
  /** How long a request waits for its answer (default 10 s). */
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
}

export type Status = "connecting" | "open" | "reconnecting" | "closed";

export interface RoomState {
  room: string;
  /** Oldest first, each once. */
  messages: MessageView[];
  presence: PresenceView;
  role: Role | undefined;
  capabilities: string[];
}

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
  frame: Record<string, unknown>;
  resolve: (ack: AckFrame) => void;
  reject: (error: Error) => void;
}

interface Room {
  state: RoomState;
  byId: Map<string, MessageView>;
  /** The newest message id seen: where catching up starts. */
  lastSeen: string | undefined;
  joined: boolean;
}

const OPEN = 1;

function randomId(prefix: string): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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
  #socket: WebSocketLike | undefined;
  #status: Status = "connecting";
  #attempt = 0;
  #pending = new Map<string, Pending>();
  #outbox = new Map<string, Outgoing>();
  #rooms = new Map<string, Room>();
  #listeners = new Map<keyof ClientEvents, Set<(value: never) => void>>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #nextRequest = 0;
  #opened: Promise<void>;
  #markOpened: () => void = () => {};

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
      renewAfterMs: options.renewAfterMs ?? (115 * 60_000),
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      catchUpPageSize: options.catchUpPageSize ?? 100,
    };
    this.#opened = new Promise((resolve) => {
      this.#markOpened = resolve;
    });
    void this.#open();
  }

  /** Resolves once the first socket is open. */
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

  /** Joins a room (and rejoins it after every reconnect). */
  async join(room: string): Promise<RoomState> {
    let entry = this.#rooms.get(room);
    if (!entry) {
      entry = {
        state: { room, messages: [], presence: { count: 0 }, role: undefined, capabilities: [] },
        byId: new Map(),
        lastSeen: undefined,
        joined: true,
      };
      this.#rooms.set(room, entry);
    }
    entry.joined = true;
    await this.#ready();
    await this.#enter(room);
    return entry.state;
  }

  async leave(room: string): Promise<void> {
    const entry = this.#rooms.get(room);
    if (entry) entry.joined = false;
    this.#rooms.delete(room);
    await this.request({ action: "leave", room });
  }

  /** Sends a message; resolves with its `ack`. Sent again with the same
   * `clientMsgId` after a reconnect until acknowledged. */
  send(room: string, text: string, options: { replyTo?: string; clientMsgId?: string } = {}): Promise<AckFrame> {
    const clientMsgId = options.clientMsgId ?? randomId("c-");
    const frame: Record<string, unknown> = { action: "send", room, text, clientMsgId, requestId: `send:${clientMsgId}` };
    if (options.replyTo !== undefined) frame.replyTo = options.replyTo;
    return new Promise((resolve, reject) => {
      this.#outbox.set(clientMsgId, { frame, resolve, reject });
      this.#transmit(frame);
    });
  }

  /** Any action, answered by the frame carrying its `requestId`. */
  request(frame: Record<string, unknown>): Promise<ServerFrame> {
    const requestId = `r${++this.#nextRequest}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error(`${String(frame.action)}: no answer within ${this.#options.requestTimeoutMs} ms`));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
      if (!this.#transmit({ ...frame, requestId })) {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        reject(new Error(`${String(frame.action)}: not connected`));
      }
    });
  }

  /** The server's id for the current socket (from `ping`). */
  async connectionId(): Promise<string> {
    const pong = await this.request({ action: "ping" });
    return String((pong as { connectionId?: unknown }).connectionId ?? "");
  }

  /** Closes for good: no reconnect; unsent messages are rejected. */
  close(): void {
    this.#setStatus("closed");
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#socket?.close(1000, "client closed");
    this.#socket = undefined;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error("client closed"));
      this.#pending.delete(id);
    }
    for (const [id, out] of this.#outbox) {
      out.reject(new Error("client closed before the message was acknowledged"));
      this.#outbox.delete(id);
    }
  }

  // -- sockets ---------------------------------------------------------------

  #emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (v: ClientEvents[K]) => void)(value);
      } catch (error) {
        if (event !== "error") this.#emit("error", error instanceof Error ? error : new Error(String(error)));
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

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  async #ready(): Promise<void> {
    if (this.#socket?.readyState === OPEN) return;
    if (this.#status === "closed") throw new Error("client closed");
    const reached = await new Promise<Status>((resolve) => {
      const off = this.on("status", (s) => {
        if (s === "open" || s === "closed") {
          off();
          resolve(s);
        }
      });
    });
    if (reached === "closed") throw new Error("client closed");
  }

  /** Opens a socket; resolves once it is open and every room is caught up on
   * it (true), or it failed (false). With `replacing`, the old socket serves
   * until then and is closed after. */
  async #open(replacing?: WebSocketLike): Promise<boolean> {
    if (this.#status === "closed") return false;
    let token: string;
    try {
      token = await this.#options.getToken();
    } catch (error) {
      this.#emit("error", new Error(`getToken failed: ${String(error)}`));
      if (!replacing) this.#retry();
      return false;
    }
    if (this.#isClosed()) return false;
    const url = new URL(this.#options.url);
    url.searchParams.set("token", token);
    const socket = new this.#WebSocket(url.toString());
    return new Promise<boolean>((settle) => {
      let opened = false;
      socket.onopen = () => {
        opened = true;
        this.#attempt = 0;
        this.#socket = socket;
        this.#setStatus("open");
        this.#markOpened();
        this.#startHeartbeat();
        this.#later(this.#options.renewAfterMs, () => void this.#renew(socket));
        void this.#resume().then(() => {
          replacing?.close(1000, "renewed");
          settle(true);
        });
      };
      socket.onmessage = (event) => this.#receive(event.data);
      socket.onerror = () => {};
      socket.onclose = () => {
        if (this.#status === "closed") return settle(false);
        if (this.#socket !== socket) {
          // A replaced socket closes quietly; a replacement that never opened
          // leaves the old one serving, and renewal is tried again.
          if (!opened && replacing && this.#socket === replacing) {
            this.#later(this.#options.backoffMaxMs, () => void this.#renew(replacing));
          } else if (!opened && !replacing) {
            this.#retry();
          }
          return settle(false);
        }
        this.#socket = undefined;
        this.#failPending();
        this.#retry();
        settle(false);
      };
    });
  }

  /** Before the connection's age limit: a new socket is opened and caught up
   * while the old one still serves, then the old one closes. */
  async #renew(old: WebSocketLike): Promise<void> {
    if (this.#status === "closed" || this.#socket !== old) return;
    await this.#open(old);
  }

  #retry(): void {
    if (this.#status === "closed") return;
    this.#setStatus("reconnecting");
    const ceiling = Math.min(this.#options.backoffMaxMs, this.#options.backoffInitialMs * 2 ** this.#attempt);
    this.#attempt += 1;
    this.#later(Math.random() * ceiling, () => void this.#open());
  }

  #failPending(): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error("connection lost before the answer"));
      this.#pending.delete(id);
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      this.#transmit({ action: "ping" });
    }, this.#options.heartbeatMs);
  }

  #transmit(frame: Record<string, unknown>): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** After a (re)connect: every room rejoined and caught up, then every
   * unacknowledged send sent again. */
  async #resume(): Promise<void> {
    try {
      for (const [room, entry] of this.#rooms) {
        if (entry.joined) await this.#enter(room);
      }
    } catch (error) {
      this.#emit("error", error instanceof Error ? error : new Error(String(error)));
    }
    for (const out of this.#outbox.values()) this.#transmit(out.frame);
  }

  /** Joins `room` on the current socket and fills the gap since the last
   * message seen there. */
  async #enter(room: string): Promise<void> {
    const entry = this.#rooms.get(room);
    if (!entry) return;
    const since = entry.lastSeen;
    const joined = await this.request({ action: "join", room });
    if (joined.type === "error") throw new SidelineError(joined as ErrorFrame);
    const frame = joined as JoinedFrame;
    entry.state.role = frame.role;
    entry.state.capabilities = frame.capabilities;
    entry.state.presence = frame.presence;
    for (const m of frame.history) this.#keep(room, m, false);
    let after = since;
    while (after !== undefined) {
      const page = await this.request({ action: "history", room, after, limit: this.#options.catchUpPageSize });
      if (page.type === "error") throw new SidelineError(page as ErrorFrame);
      const history = page as HistoryFrame;
      for (const m of history.messages) this.#keep(room, m, true);
      after = history.next ?? undefined;
    }
    this.#emit("room", entry.state);
  }

  /** Adds or updates a message in its room, in id order, once. */
  #keep(room: string, message: MessageView, announce: boolean): void {
    const entry = this.#rooms.get(room);
    if (!entry) return;
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
    if (!message.pending && (entry.lastSeen === undefined || message.id > entry.lastSeen)) {
      entry.lastSeen = message.id;
    }
  }

  #receive(data: unknown): void {
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
    const f = frame as ServerFrame & Record<string, unknown>;
    if (f.type === "ack" || (f.type === "error" && typeof f.clientMsgId === "string")) {
      const id = String(f.clientMsgId);
      const out = this.#outbox.get(id);
      if (out) {
        this.#outbox.delete(id);
        if (f.type === "ack") out.resolve(f as unknown as AckFrame);
        else out.reject(new SidelineError(f as unknown as ErrorFrame));
      }
      return;
    }
    if (typeof f.requestId === "string") {
      const pending = this.#pending.get(f.requestId);
      if (pending) {
        this.#pending.delete(f.requestId);
        clearTimeout(pending.timer);
        pending.resolve(frame);
        return;
      }
    }
    switch (f.type) {
      case "message": {
        const { type: _type, ...message } = f;
        this.#keep(String(f.room), message as unknown as MessageView, true);
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
          const users = f.users as PresenceView["users"];
          entry.state.presence = users === undefined ? { count: Number(f.count) } : { count: Number(f.count), users };
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
