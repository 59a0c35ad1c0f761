export { decodeAitClaims, signAit, verifyAit } from "./ait";
export { ClawAuthError } from "./auth-error";
export { decodeBase64url, encodeBase64url, encodeUtf8, hashBodySha256 } from "./base64url";
export { type Clock, DAY_MS, systemClock, toIsoTimestamp, toNowSeconds, toUnixSeconds } from "./clock";
export { signCrl, verifyCrl } from "./crl";
export { type CrlCache, type CrlCacheOptions, type CrlFailMode, createCrlCache } from "./crl-cache";
export { signEventFeed, verifyEventFeed } from "./event-feed";
export {
  createMessageProof,
  ProxyAuthError,
  type ProxyKeyRecord,
  type ProxyKeyResolver,
  type ProxyRequestHeaders,
  precheckProxyRequest,
  type SignProxyRequestInput,
  signProxyRequest,
  toProxyKid,
  verifyFederatedMessage,
  verifyMessageProof,
  verifyProxyRequest,
} from "./federation-signing";
export {
  createHistogramState,
  estimateQuantile,
  type HistogramState,
  LATENCY_BUCKET_LABELS,
  LATENCY_BUCKETS_SECONDS,
  type LatencyPercentiles,
  type MetricLabels,
  mergeHistogram,
  observe,
  toBucketIndex,
  toHistogramLines,
  toLatencyPercentiles,
  toPrometheusHeader,
  toPrometheusLabels,
} from "./histogram";
export { createUlid, toUlidTimeMs } from "./ids";
export { decodeJwsClaims, type SigningKeyResolver, signCompactJws, verifyCompactJws } from "./jws";
export {
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  importEd25519PublicKey,
  importEd25519Seed,
  signEd25519,
  verifyEd25519,
} from "./keys";
export { describeNonPublicUrl } from "./public-url";
export { createRegistryKeysCache, type RegistryKeysCacheOptions } from "./registry-keys-cache";
export {
  type ClawRequestHeaders,
  createMemoryNonceStore,
  createRequestProof,
  type NonceStore,
  precheckClawRequest,
  type SignRequestInput,
  signRequest,
  type VerifiedClawRequest,
  type VerifyClawRequestInput,
  verifyClawRequest,
  verifyRequestProof,
  verifySignedAgentRequest,
} from "./request-signing";
export { type SigningPrimitives, webCryptoSigning } from "./signing-primitives";
export { createVerifiedAitCache, type VerifiedAit, type VerifiedAitCache } from "./verified-ait-cache";
export {
  createWebhookSecret,
  signWebhook,
  verifyWebhook,
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookMac,
  type WebhookMacCheck,
  type WebhookSignatureHeaders,
  WebhookVerificationError,
  type WebhookVerificationFailure,
} from "./webhook-signature";
