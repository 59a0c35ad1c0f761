import { type ErrorEnvelope, errorEnvelopeSchema, isUlid } from "@clawdentity/protocol";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AppError,
  createErrorHandler,
  createNotFoundHandler,
  createRequestIdMiddleware,
  type ErrorCodeSet,
  parseJsonBody,
} from "../src/http/index";
import { ClawAuthError } from "../src/index";

const codes: ErrorCodeSet = {
  badRequest: "PROXY_BAD_REQUEST",
  validation: "PROXY_VALIDATION_FAILED",
  payloadTooLarge: "PROXY_PAYLOAD_TOO_LARGE",
  notFound: "PROXY_NOT_FOUND",
  internal: "PROXY_INTERNAL",
  authPrefix: "PROXY_AUTH_",
};

const noteSchema = z.object({ text: z.string().min(1), count: z.number().int() });

function createTestApp() {
  const unexpected: unknown[] = [];
  const app = new Hono();
  app.use("*", createRequestIdMiddleware());
  app.onError(createErrorHandler({ codes, onUnexpected: (error) => unexpected.push(error) }));
  app.notFound(createNotFoundHandler(codes.notFound));
  app.post("/notes", async (c) => {
    const note = await parseJsonBody(c, noteSchema, { maxBytes: 64, tooLargeCode: codes.payloadTooLarge });
    return c.json({ note, requestId: c.get("requestId") }, 201);
  });
  app.get("/rate-limited", () => {
    throw new AppError("PROXY_RATE_LIMITED", 429, "slow down", { limitPerMinute: 60 }, { "Retry-After": "7" });
  });
  app.get("/replayed", () => {
    throw new ClawAuthError("REPLAYED_NONCE", "nonce was already used");
  });
  app.get("/keys-down", () => {
    throw new ClawAuthError("KEYS_UNAVAILABLE", "registry keys unavailable");
  });
  app.get("/http-exception", (c) => {
    throw new HTTPException(c.req.query("status") === "413" ? 413 : 405, { message: "refused by middleware" });
  });
  app.get("/bug", () => {
    throw new Error("database password is hunter2");
  });
  return { app, unexpected };
}

async function readError(response: Response): Promise<ErrorEnvelope["error"]> {
  const body = errorEnvelopeSchema.parse(await response.json());
  expect(response.headers.get("x-request-id")).toBe(body.error.requestId);
  return body.error;
}

const postNote = (app: Hono, body: string, headers: Record<string, string> = {}) =>
  app.request("/notes", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("sdk/http", () => {
  it("passes a valid body through and tags the response with a request id", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, '{"text":"hi","count":1}');
    expect(response.status).toBe(201);
    const body = (await response.json()) as { note: unknown; requestId: string };
    expect(body.note).toEqual({ text: "hi", count: 1 });
    expect(isUlid(body.requestId)).toBe(true);
    expect(response.headers.get("x-request-id")).toBe(body.requestId);
  });

  it("keeps a well-formed inbound x-request-id and replaces a malformed one", async () => {
    const { app } = createTestApp();
    const kept = await app.request("/nowhere", { headers: { "x-request-id": "trace-42:a.b" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-42:a.b");
    const replaced = await app.request("/nowhere", { headers: { "x-request-id": "bad id with spaces" } });
    expect(isUlid(replaced.headers.get("x-request-id"))).toBe(true);
  });

  it("renders an AppError with its status, code, details and headers", async () => {
    const { app } = createTestApp();
    const response = await app.request("/rate-limited");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    const error = await readError(response);
    expect(error).toMatchObject({ code: "PROXY_RATE_LIMITED", message: "slow down", details: { limitPerMinute: 60 } });
  });

  it("renders a ClawAuthError as 401 with the component prefix", async () => {
    const { app } = createTestApp();
    const response = await app.request("/replayed");
    expect(response.status).toBe(401);
    expect((await readError(response)).code).toBe("PROXY_AUTH_REPLAYED_NONCE");
  });

  it("renders an unavailable key list as 503, not 401", async () => {
    const { app } = createTestApp();
    const response = await app.request("/keys-down");
    expect(response.status).toBe(503);
    expect((await readError(response)).code).toBe("PROXY_AUTH_KEYS_UNAVAILABLE");
  });

  it("renders a body that fails its schema as 400 validation with details", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, '{"text":"","count":1.5}');
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.code).toBe("PROXY_VALIDATION_FAILED");
    const paths = (error.details as Array<{ path: string; message: string }>).map((issue) => issue.path);
    expect(paths.sort()).toEqual(["count", "text"]);
  });

  it("renders an empty body as 400 validation", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, "");
    expect(response.status).toBe(400);
    expect((await readError(response)).code).toBe("PROXY_VALIDATION_FAILED");
  });

  it("renders malformed JSON as 400 bad request", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, '{"text":');
    expect(response.status).toBe(400);
    expect((await readError(response)).code).toBe("PROXY_BAD_REQUEST");
  });

  it("renders a body past the limit as 413", async () => {
    const { app } = createTestApp();
    const atLimit = JSON.stringify({ text: "x".repeat(64 - 21), count: 1 });
    expect(atLimit).toHaveLength(64);
    expect((await postNote(app, atLimit)).status).toBe(201);
    const response = await postNote(app, JSON.stringify({ text: "x".repeat(64 - 20), count: 1 }));
    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PROXY_PAYLOAD_TOO_LARGE");
  });

  it("refuses a body past the limit as 413 when its Content-Length understates it", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, JSON.stringify({ text: "x".repeat(100), count: 1 }), {
      "content-length": "10",
    });
    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PROXY_PAYLOAD_TOO_LARGE");
  });

  it("reads a body without a valid Content-Length by streaming it, within the same limit", async () => {
    const { app } = createTestApp();
    const note = JSON.stringify({ text: "hi", count: 1 });
    expect((await postNote(app, note, { "content-length": "x" })).status).toBe(201);
    const chunked = (text: string) =>
      app.request("/notes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Blob([text]).stream(),
        duplex: "half",
      } as RequestInit);
    expect((await chunked(note)).status).toBe(201);
    const tooLarge = await chunked(JSON.stringify({ text: "x".repeat(100), count: 1 }));
    expect(tooLarge.status).toBe(413);
  });

  it("refuses a declared Content-Length past the limit as 413", async () => {
    const { app } = createTestApp();
    const response = await postNote(app, '{"text":"hi","count":1}', { "content-length": "1000000" });
    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PROXY_PAYLOAD_TOO_LARGE");
  });

  it("renders a 413 HTTPException with the payload-too-large code", async () => {
    const { app } = createTestApp();
    const response = await app.request("/http-exception?status=413");
    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PROXY_PAYLOAD_TOO_LARGE");
  });

  it("renders an unknown route as 404 with the component's not-found code", async () => {
    const { app } = createTestApp();
    const response = await app.request("/v1/nothing-here", { method: "DELETE" });
    expect(response.status).toBe(404);
    const error = await readError(response);
    expect(error.code).toBe("PROXY_NOT_FOUND");
    expect(error.message).toContain("DELETE /v1/nothing-here");
  });

  it("renders a 4xx HTTPException with the bad-request code and its status", async () => {
    const { app } = createTestApp();
    const response = await app.request("/http-exception");
    expect(response.status).toBe(405);
    expect((await readError(response)).code).toBe("PROXY_BAD_REQUEST");
  });

  it("renders an unexpected error as 500 internal without leaking its message, and reports it", async () => {
    const { app, unexpected } = createTestApp();
    const response = await app.request("/bug");
    expect(response.status).toBe(500);
    const error = await readError(response);
    expect(error).toMatchObject({ code: "PROXY_INTERNAL", message: "internal error" });
    expect(JSON.stringify(error)).not.toContain("hunter2");
    expect(unexpected).toHaveLength(1);
  });

  it("puts x-request-id on every response, success or error", async () => {
    const { app } = createTestApp();
    const responses = await Promise.all([
      postNote(app, '{"text":"hi","count":1}'),
      postNote(app, "{"),
      app.request("/rate-limited"),
      app.request("/replayed"),
      app.request("/bug"),
      app.request("/missing"),
    ]);
    for (const response of responses) expect(isUlid(response.headers.get("x-request-id"))).toBe(true);
  });
});
