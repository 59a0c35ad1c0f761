import { unwatchFile, watchFile } from "node:fs";
import { type ConnectorIdentityStatus, NOTICE_CODES } from "@clawdentity/protocol";
import { readIdentityFile, writeIdentityFile } from "../agent-home/agent-home";
import type { ConnectorConfig } from "../config";
import type { ConnectorContext } from "../context";
import type { HttpTransport } from "../http";
import { toErrorMessage } from "../logger";
import { toCredentials } from "./credentials";
import { createIdentityKeeper, type HaltRecord, type IdentityKeeper } from "./identity-keeper";
import { enqueueIdentityNotice } from "./identity-notice";
import { registerIdentityGauges, toIdentityStatus } from "./identity-status";
import { createRenewalWorker } from "./renewal-worker";

export interface ConnectorIdentity {
  keeper: IdentityKeeper;
  status(): ConnectorIdentityStatus;
  /** Starts renewing and watching the identity file. */
  start(): void;
  /** Looks at the renewal schedule now (tests move an injected clock, then wake). */
  wake(): void;
  /** Renews now (`POST /v1/identity/renew`); null when this connector cannot renew (no registry URL). */
  renewNow(options: { rotateKey?: boolean }): Promise<{ renewed: boolean; status: ConnectorIdentityStatus } | null>;
  stop(): Promise<void>;
}

const HALT_MESSAGES: Record<HaltRecord["halt"], string> = {
  expired: "the agent's AIT expired: the connector stopped calling the proxy until its owner reissues it",
  revoked: "the agent or its AIT was revoked: the connector stopped calling the proxy",
};

/**
 * Everything about the running connector's own identity: the keeper every signed call reads,
 * self-renewal at the registry, identity.json written after a renewal and watched for an owner's
 * reissue, notices to the runtime, status and gauges.
 */
export async function createConnectorIdentity(
  deps: ConnectorContext & { config: ConnectorConfig; http: HttpTransport; onNotice(): void },
): Promise<ConnectorIdentity> {
  const { config, storage, clock, tuning, logger, metrics } = deps;
  const path = config.identityPath;
  const notify = (input: { code: string; message: string; errorCode?: string | null; retryAt?: number | null }) => {
    enqueueIdentityNotice(storage, {
      ...input,
      agentDid: config.identity.agentDid,
      aitExpiresAt: keeper.current().claims.exp * 1000,
      now: clock.nowMs(),
      ttlMs: tuning.receiptTtlMs,
    });
    deps.onNotice();
  };
  const keeper: IdentityKeeper = createIdentityKeeper({
    initial: await toCredentials(config.identity),
    readFile: path ? () => readIdentityFile(path) : null,
    revocationGraceMs: tuning.identityRevocationGraceMs,
    onHalt(record) {
      metrics.identityRefusals.inc({ code: record.code });
      logger.error("identity refused; calls to the proxy stop until a new identity is written", { ...record });
      const code = record.halt === "expired" ? NOTICE_CODES.expired : NOTICE_CODES.revoked;
      notify({ code, message: HALT_MESSAGES[record.halt], errorCode: record.code });
    },
    onError: (message, error) => logger.warn(message, { error: toErrorMessage(error) }),
  });
  keeper.onChange(({ claims }) =>
    logger.info("identity taken up", { jti: claims.jti, expiresAt: new Date(claims.exp * 1000).toISOString() }),
  );
  const renewal = createRenewalWorker({
    ...deps,
    keeper,
    registryUrl: config.registryUrl,
    persist: (identity) => {
      if (path) writeIdentityFile(path, identity);
    },
    notify,
  });
  registerIdentityGauges(metrics.registry, { keeper, renewal: renewal.state, clock });
  const reload = () => void keeper.reload();
  return {
    keeper,
    status: () => toIdentityStatus(keeper, renewal.state()),
    start() {
      renewal.start();
      if (path) watchFile(path, { interval: tuning.identityWatchIntervalMs, persistent: false }, reload);
    },
    wake: () => renewal.wake(),
    async renewNow(options) {
      if (!config.registryUrl) return null;
      const { renewed } = await renewal.renewNow(options);
      return { renewed, status: toIdentityStatus(keeper, renewal.state()) };
    },
    async stop() {
      if (path) unwatchFile(path, reload);
      await renewal.stop();
    },
  };
}
