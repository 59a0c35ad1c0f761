import type { RelayFrame } from "@clawdentity/protocol";
import { afterEach, beforeAll, expect, vi } from "vitest";
import type { AgentIdentity, ConnectorConfigInput, ConnectorTuning } from "../../src";
import { type FakeProxy, startFakeProxy } from "./fake-proxy";
import { type FakeWebhook, startFakeWebhook } from "./fake-webhook";
import { framesOfType } from "./frames";
import { createTestIdentities, type TestIdentities } from "./identity";
import { startTestConnector, type TestConnector } from "./test-connector";

export interface RigSetupOptions {
  tuning?: Partial<ConnectorTuning>;
  webhook?: ConnectorConfigInput["webhook"];
  onFrame?: (frame: RelayFrame) => void;
  /** Wait for the connector's `hello` before returning (default true). */
  waitForHello?: boolean;
  /** Instead of `ids.agent`. */
  identity?: AgentIdentity;
  /** See `startTestConnector`. */
  registryUrl?: string;
  identityFile?: boolean;
  /** The fake proxy closes an older socket with 4001 when a new one connects. */
  supersede?: boolean;
  /** The fake proxy serves the batch routes (an older proxy answers them 404). */
  batchRoutes?: boolean;
  /** The fake proxy confirms batch frames (see `startFakeProxy`). */
  batch?: boolean;
}

/** One agent's connector between a fake proxy and a fake runtime webhook, torn down after each test. */
export interface ConnectorRig {
  ids: TestIdentities;
  proxy: FakeProxy;
  webhook: FakeWebhook;
  node: TestConnector;
  setup(options?: RigSetupOptions): Promise<void>;
}

/** Registers the suite's hooks and returns the rig its tests fill with `setup()`. */
export function useConnectorRig(): ConnectorRig {
  const rig = {} as ConnectorRig;
  beforeAll(async () => {
    rig.ids = await createTestIdentities();
  });
  afterEach(async () => {
    await rig.node?.stop();
    await rig.proxy?.close();
    await rig.webhook?.close();
  });
  rig.setup = async ({ tuning = {}, webhook, onFrame, waitForHello = true, ...more } = {}) => {
    rig.proxy = await startFakeProxy({
      keys: rig.ids.keys,
      ...(onFrame ? { onFrame } : {}),
      ...(more.supersede ? { supersede: true } : {}),
      ...(more.batchRoutes ? { batchRoutes: true } : {}),
      ...(more.batch ? { batch: true } : {}),
    });
    rig.webhook = await startFakeWebhook();
    rig.node = await startTestConnector({
      identity: more.identity ?? rig.ids.agent,
      ...(more.registryUrl ? { registryUrl: more.registryUrl } : {}),
      ...(more.identityFile ? { identityFile: true } : {}),
      proxyUrl: rig.proxy.url,
      webhookUrl: rig.webhook.url,
      ...(webhook ? { webhook } : {}),
      tuning,
    });
    if (waitForHello) await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "hello")).toHaveLength(1));
  };
  return rig;
}

/** Lets the workers scan a few times (maxIdleMs is 25 ms) before asserting that nothing happened. */
export const settle = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms));
