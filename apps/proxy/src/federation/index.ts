export { createExpiringCache } from "./expiring-cache";
export { FederationOutbox, type ForwardInput, type ForwardResult } from "./federation-outbox";
export { forwardToHome, type SignedMessage, toSignedMessage } from "./forward-to-home";
export { takeForwardedMessage } from "./forwarded-intake";
export { takeForwardedReceipt } from "./forwarded-receipts";
export { attestHome, toSignedConnect } from "./home-attestation";
export { createProxySigner, type ProxySigner } from "./proxy-signer";
