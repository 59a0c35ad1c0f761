import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebhookTarget } from "../config";
import {
  createAgentHome,
  loadConnectorConfig,
  readAgentConfig,
  resolveAgentHomePaths,
  toWebhookTarget,
  watchWebhookTarget,
  writeAgentConfig,
} from "./index";

const ref = { home: "", agentName: "bob" };
let stop: () => void = () => {};
beforeEach(() => {
  ref.home = mkdtempSync(join(tmpdir(), "webhook-watch-"));
  createAgentHome({
    ...ref,
    identity: {
      agentDid: "did:cdi:127.0.0.1:agent:01JGQ8Z9ZQ0000000000000000",
      ait: "a.b.c",
      seed: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    },
    proxyUrl: "http://127.0.0.1:8788",
    deliveryWebhookUrl: "http://127.0.0.1:3000/hooks/clawdentity",
  });
});
afterEach(() => {
  stop();
  rmSync(ref.home, { recursive: true, force: true });
});

describe("watchWebhookTarget", () => {
  it("reports a changed delivery target once, ignores other changes, and keeps the target on a broken file", async () => {
    const changes: WebhookTarget[] = [];
    const errors: unknown[] = [];
    stop = watchWebhookTarget(ref, {
      initial: toWebhookTarget(loadConnectorConfig(ref)),
      onChange: (target) => changes.push(target),
      onError: (error) => errors.push(error),
      intervalMs: 10,
    });
    const config = readAgentConfig(ref);
    writeAgentConfig(ref, { ...config, tuning: { webhookTimeoutMs: 30_000 } });
    writeAgentConfig(ref, { ...config, webhook: { headers: { Authorization: "Bearer t" } } });
    await vi.waitFor(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toEqual({
      url: "http://127.0.0.1:3000/hooks/clawdentity",
      headers: { authorization: "Bearer t" },
    });

    writeFileSync(resolveAgentHomePaths(ref).configPath, "{", { mode: 0o600 });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(changes).toHaveLength(1);
  });
});
