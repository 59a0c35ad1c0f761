export { createExpiringCache } from "./expiring-cache";
export { takeForwardedMessage } from "./forwarded-intake";
export { attestHome, toSignedConnect } from "./home-attestation";
export { createProxySigner, type ProxySigner } from "./proxy-signer";
