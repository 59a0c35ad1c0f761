export { type AuthMiddlewareOptions, createAuthMiddleware } from "./auth-middleware";
export {
  createRegistryClient,
  createRegistryFetch,
  REGISTRY_CRL_PATH,
  type RegistryClient,
  type RegistryFetch,
} from "./registry-client";
