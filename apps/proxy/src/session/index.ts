export { AgentRelaySession } from "./agent-relay-session";
export { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "./session-headers";
export { type RelaySessionOverrides, setRelaySessionOverrides } from "./session-runtime";
export type * from "./session-types";
