import { CONNECTOR_PATHS, type IdentityRenewResponse, identityRenewRequestSchema } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ConnectorIdentity } from "../identity";
import { readPayloadBody } from "./json-body";

export interface IdentityRouteDeps {
  identity: Pick<ConnectorIdentity, "renewNow">;
}

const MAX_BODY_BYTES = 1_024;

/**
 * `POST /v1/identity/renew`: the connector renews its AIT now (`clawdentity agent renew` while it
 * runs), so calls under way wait for the new AIT instead of failing against a revoked one.
 */
export function registerIdentityRoutes(app: Hono, deps: IdentityRouteDeps): void {
  app.post(CONNECTOR_PATHS.identityRenew, async (c) => {
    const empty = c.req.header("content-length") === "0" || !c.req.header("content-type");
    const request = empty ? {} : await readPayloadBody(c, identityRenewRequestSchema, { maxBytes: MAX_BODY_BYTES });
    const result = await deps.identity.renewNow(request);
    if (!result) {
      throw new AppError("CONNECTOR_RENEWAL_UNAVAILABLE", 409, "this connector has no registryUrl to renew at");
    }
    if (!result.renewed) {
      const { lastError, lastErrorCode } = result.status.renewal;
      throw new AppError("CONNECTOR_RENEWAL_FAILED", 502, `renewal failed: ${lastError ?? "unknown"}`, {
        ...(lastErrorCode ? { registryCode: lastErrorCode } : {}),
        identity: result.status,
      });
    }
    const body: IdentityRenewResponse = { identity: result.status };
    return c.json(body);
  });
}
