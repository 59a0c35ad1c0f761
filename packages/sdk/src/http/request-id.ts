import { CLAW_HEADERS } from "@clawdentity/protocol";
import type { MiddlewareHandler } from "hono";
import { createUlid } from "../ids";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const INBOUND_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives every request an id (kept from a well-formed inbound `x-request-id`) and echoes it on the response. */
export function createRequestIdMiddleware(): MiddlewareHandler {
  return async function requestId(c, next) {
    const inbound = c.req.header(CLAW_HEADERS.requestId);
    const id = inbound && INBOUND_REQUEST_ID.test(inbound) ? inbound : createUlid();
    c.set("requestId", id);
    c.header(CLAW_HEADERS.requestId, id);
    await next();
  };
}
