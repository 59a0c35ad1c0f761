export { createBearerAuthMiddleware } from "./bearer-auth";
export { createLocalApiApp, type LocalApiDeps } from "./create-local-api";
export { type LocalApiServer, serveLocalApi } from "./serve-local-api";
