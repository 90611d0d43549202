export { connect, SidelineClient, SidelineError, TYPING_SHOWN_MS } from "./client.js";
export type {
  ClientEvents,
  ConnectOptions,
  NewPoll,
  RoomState,
  Status,
  WebSocketConstructor,
  WebSocketLike,
} from "./client.js";
export type * from "./protocol.js";
