import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { healthResponseSchema } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import worker from "../src/worker";
import {
  bootstrapAdmin,
  createFailingProducer,
  createManualClock,
  createTestRegistry,
  readOutbox,
  registerAgent,
} from "./helpers";

describe("the deployed Worker entry", () => {
  it("serves the app with config parsed from the bindings", async () => {
    const response = await exports.default.fetch("http://registry.test/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(healthResponseSchema.parse(await response.json())).toMatchObject({ environment: "local", ready: true });
  });

  it("refuses every request with 503 REGISTRY_MISCONFIGURED when a deployed config is incomplete", async () => {
    // A production env without the service token and with the development issuer.
    const broken = { ...env, ENVIRONMENT: "production" } as Env;
    const response = await worker.fetch(new Request("http://registry.test/health"), broken, createExecutionContext());
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("REGISTRY_MISCONFIGURED");
    // Names and values stay in the operator's log, not in the answer.
    expect(body.error.message).not.toMatch(/REGISTRY_|127\.0\.0\.1/);
  });

  it("republishes unsent events from its cron trigger", async () => {
    // Written an hour ago (by the app's clock) while the queue was down.
    const broken = createTestRegistry({
      clock: createManualClock(Date.now() - 3_600_000),
      events: createFailingProducer(),
    });
    const owner = await bootstrapAdmin(broken);
    const { agent } = await registerAgent(broken, owner);
    await broken.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    expect((await readOutbox(env.DB)).map((row) => row.sent_at)).toEqual([null]);

    const health = await exports.default.fetch("http://registry.test/health");
    expect(healthResponseSchema.parse(await health.json()).status).toBe("degraded");

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const [row] = await readOutbox(env.DB);
    expect(row?.sent_at).not.toBeNull();
    expect(row?.attempts).toBe(2);

    const healed = await exports.default.fetch("http://registry.test/health");
    expect(healthResponseSchema.parse(await healed.json()).status).toBe("ok");
  });
});
