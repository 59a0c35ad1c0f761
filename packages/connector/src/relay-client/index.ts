export { createHeartbeat, type Heartbeat, type HeartbeatOptions } from "./heartbeat";
export {
  type CreateWebSocket,
  createRelayClient,
  type RelayClient,
  type RelayClientDeps,
  type RelaySocketState,
  type RelaySocketStatus,
} from "./relay-client";
