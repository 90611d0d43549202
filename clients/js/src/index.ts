export { connect, SidelineClient, SidelineError } from "./client.js";
export type {
  ClientEvents,
  ConnectOptions,
  RoomState,
  Status,
  WebSocketConstructor,
  WebSocketLike,
} from "./client.js";
export type * from "./protocol.js";
