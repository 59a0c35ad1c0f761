export { createExpiringCache } from "./expiring-cache";
export { FederationOutbox, type ForwardInput, type ForwardResult } from "./federation-outbox";
export { type FederationRouteDeps, readFederationRequest } from "./federation-request";
export { forwardToHome, type SignedMessage, toSignedMessage } from "./forward-to-home";
export { takeForwardedMessage } from "./forwarded-intake";
export { takeForwardedReceipt } from "./forwarded-receipts";
export { attestHome, toSignedConnect } from "./home-attestation";
export { postToProxy } from "./post-to-proxy";
export { createProxySigner, type ProxySigner } from "./proxy-signer";
