export { type AuthenticatedAgent, createAgentAuthMiddleware } from "./agent-auth";
export {
  type AuthenticatedOwner,
  createAdminOnlyMiddleware,
  createOwnerAuthMiddleware,
} from "./owner-auth";
export {
  createSecretToken,
  isEqualConstantTime,
  isSecretTokenMatch,
  parseSecretTokenId,
  type SecretToken,
  toSecretHash,
} from "./secret-token";
