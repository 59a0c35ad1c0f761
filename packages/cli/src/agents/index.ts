export { toAitClaims } from "./ait-claims";
export { type LocalAgentView, toLocalAgentView, toLocalNamesByDid } from "./local-agent-view";
export { type RegisterAgentInput, registerAgent } from "./register-agent";
