import { env } from "cloudflare:workers";
import type { Clock } from "@clawdentity/sdk";
import { expect } from "vitest";
import { createRegistryApp, createRegistryContext, type RegistryAppDeps } from "../../src/app";
import { parseRegistryConfig, RATE_LIMIT_BUCKETS, type RegistryConfig } from "../../src/config";
import type { EventProducer } from "../../src/outbox";

export const TEST_BOOTSTRAP_SECRET = "test-bootstrap-secret-0123456789";

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(startMs: number = Date.now()): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

/** Limits high enough that only the rate-limit tests ever reach them. */
const UNLIMITED = Object.fromEntries(
  RATE_LIMIT_BUCKETS.map((bucket) => [bucket, { limit: 100_000, windowSeconds: 60 }]),
) as RegistryConfig["rateLimits"];

export interface TestRegistryOptions {
  clock?: ManualClock;
  events?: EventProducer;
  config?: Partial<RegistryConfig>;
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export type TestRegistry = ReturnType<typeof createTestRegistry>;

/** The real app over the test's real D1, queue and Durable Objects, with a movable clock. */
export function createTestRegistry(options: TestRegistryOptions = {}) {
  const clock = options.clock ?? createManualClock();
  const config: RegistryConfig = { ...parseRegistryConfig(env), rateLimits: UNLIMITED, ...options.config };
  const deps: RegistryAppDeps = {
    config,
    clock,
    db: env.DB,
    events: options.events ?? env.EVENTS,
    rateLimiter: env.RATE_LIMITER,
  };
  const app = createRegistryApp(deps);

  async function call<T = unknown>(
    method: string,
    path: string,
    init: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.body);
    }
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  return { app, clock, config, deps, context: createRegistryContext(deps), call };
}

/** Asserts a PROTOCOL.md §7 error answer: status, code, and the request id echoed in the header. */
export function expectError(response: JsonResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, requestId: response.headers.get("x-request-id") } });
}
