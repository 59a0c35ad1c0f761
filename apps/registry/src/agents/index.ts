export { findAgentByRef, findOwnedAgent } from "./agent-ref";
export { createChallenge } from "./create-challenge";
export { type AitSubject, issueAit } from "./issue-ait";
export { createPendingRevocation, type PendingRevocation } from "./record-revocation";
export { registerAgent } from "./register-agent";
export { reissueAgent } from "./reissue-agent";
export { renewAgent } from "./renew-agent";
export { revokeAgent } from "./revoke-agent";
export { setRenewalPolicy } from "./set-renewal-policy";
