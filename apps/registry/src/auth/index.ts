export { type AuthenticatedAgent, createAgentAuthMiddleware, createOwnKeysResolver } from "./agent-auth";
export {
  type AuthenticatedOwner,
  createAdminOnlyMiddleware,
  createOwnerAuthMiddleware,
} from "./owner-auth";
export { type AuthenticatedProxy, createProxyAuthMiddleware } from "./proxy-auth";
export {
  createSecretToken,
  isEqualConstantTime,
  isSecretTokenMatch,
  parseSecretTokenId,
  type SecretToken,
  toSecretHash,
} from "./secret-token";
