import { createErrorHandler, createNotFoundHandler, createRequestIdMiddleware } from "@clawdentity/sdk/http";
import { Hono } from "hono";
import type { DeadLetterService } from "../dead-letters";
import type { Logger } from "../logger";
import type { OutboundService } from "../outbox";
import { createBearerAuthMiddleware } from "./bearer-auth";
import { registerDeadLetterRoutes } from "./dead-letter-routes";
import { type IdentityRouteDeps, registerIdentityRoutes } from "./identity-routes";
import { registerOutboundRoutes } from "./outbound-routes";
import { registerStatusRoutes, type StatusRouteDeps } from "./status-routes";

export interface LocalApiDeps extends StatusRouteDeps, IdentityRouteDeps {
  token: string;
  outbound: OutboundService;
  deadLetters: DeadLetterService;
  logger: Logger;
}

/** The connector's local API (PROTOCOL.md §8): every route behind the agent's bearer token. */
export function createLocalApiApp(deps: LocalApiDeps): Hono {
  const app = new Hono();
  app.use(createRequestIdMiddleware());
  app.use(createBearerAuthMiddleware(deps.token));
  registerOutboundRoutes(app, deps);
  registerStatusRoutes(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerIdentityRoutes(app, deps);
  app.notFound(createNotFoundHandler("CONNECTOR_NOT_FOUND"));
  app.onError(
    createErrorHandler({
      codes: {
        badRequest: "CONNECTOR_BAD_REQUEST",
        validation: "CONNECTOR_VALIDATION_FAILED",
        payloadTooLarge: "CONNECTOR_PAYLOAD_TOO_LARGE",
        notFound: "CONNECTOR_NOT_FOUND",
        internal: "CONNECTOR_INTERNAL",
        authPrefix: "CONNECTOR_AUTH_",
      },
      onUnexpected: (error, c) =>
        deps.logger.error("local API error", { path: c.req.path, error: (error as Error)?.message ?? String(error) }),
    }),
  );
  return app;
}
