export { type AuthMiddlewareOptions, createAuthMiddleware } from "./auth-middleware";
export {
  createRegistryClient,
  createRegistryFetch,
  REGISTRY_CRL_PATH,
  type RegistryCallRecorder,
  type RegistryClient,
  type RegistryFetch,
  toRegistryCallRecorder,
} from "./registry-client";
