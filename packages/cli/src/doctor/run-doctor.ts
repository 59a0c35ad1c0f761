import { readAgentRuntime } from "@clawdentity/connector";
import { type ConnectorStatusResponse, RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { DAY_MS, decodeAitClaims } from "@clawdentity/sdk";
import { CliError } from "../cli-error";
import { EXPIRY_WARNING_MS } from "../commands/status-identity";
import type { LocalAgent } from "../config";
import { createAgentProxyClient, createConnectorClient } from "../http";
import type { DoctorCheck, DoctorReport } from "./doctor-check";
import { toDeliveriesCheck, toWebhookCheck } from "./webhook-check";
import { pingWebhook } from "./webhook-ping";

/** What the proxy's refusal of a signed request means for this agent. */
const PROXY_AUTH_FIXES: Record<string, string> = {
  PROXY_AUTH_AGENT_REVOKED: "the agent is revoked: create a new agent (clawdentity agent create)",
  PROXY_AUTH_AIT_EXPIRED: "the AIT expired: clawdentity agent reissue <agent> (the running connector takes it up)",
  PROXY_AUTH_TIMESTAMP_SKEW: "this machine's clock is more than 5 minutes off: fix it (NTP)",
  PROXY_AUTH_UNKNOWN_KID: "the proxy does not know the registry key that signed the AIT: check proxyUrl and registry",
  PROXY_AUTH_UNTRUSTED_ISSUER: "the proxy trusts another registry: check the agent's proxyUrl",
};

const errorText = (error: unknown) =>
  error instanceof CliError ? `${error.code}: ${error.message}` : (error as Error).message;

function checkIdentity(agent: LocalAgent, nowMs: number, status: ConnectorStatusResponse | null): DoctorCheck {
  const claims = decodeAitClaims(agent.identity.ait);
  if (!claims) {
    return {
      name: "identity",
      status: "fail",
      detail: "identity.json holds no readable AIT",
      fix: "clawdentity agent reissue",
    };
  }
  const expiresAt = claims.exp * 1000;
  const state = status?.identity?.state;
  if (state === "revoked" || state === "expired") {
    return {
      name: "identity",
      status: "fail",
      detail: `the connector reports its identity ${state}`,
      fix: `clawdentity agent reissue ${agent.name} (or create a new agent if it was revoked)`,
    };
  }
  const detail = `AIT ${claims.jti} expires ${new Date(expiresAt).toISOString()}`;
  if (expiresAt <= nowMs) {
    return {
      name: "identity",
      status: "fail",
      detail: `${detail}: expired`,
      fix: `clawdentity agent reissue ${agent.name} (the running connector takes it up)`,
    };
  }
  const left = `${Math.floor((expiresAt - nowMs) / DAY_MS)} day(s) left`;
  if (expiresAt - nowMs < EXPIRY_WARNING_MS) {
    return {
      name: "identity",
      status: "warn",
      detail: `${detail} (${left})`,
      fix: status?.identity?.renewal.enabled
        ? `the connector renews it itself; if renewal keeps failing, clawdentity agent renew ${agent.name}`
        : `clawdentity agent renew ${agent.name} (or reissue) before then`,
    };
  }
  return { name: "identity", status: "ok", detail: `${detail} (${left})` };
}

function checkSocket(status: ConnectorStatusResponse): DoctorCheck {
  const { socket } = status;
  if (socket.state === "connected") {
    return { name: "relay_socket", status: "ok", detail: `connected since ${socket.connectedAt ?? "?"}` };
  }
  const why =
    socket.lastCloseCode === RELAY_CLOSE_CODES.superseded
      ? "another connector of this agent took the relay session over"
      : socket.lastCloseCode === RELAY_CLOSE_CODES.revoked
        ? "the relay closed it because the agent is revoked"
        : `last close code ${socket.lastCloseCode ?? "none"}, ${socket.reconnectAttempts} reconnect attempt(s)`;
  return {
    name: "relay_socket",
    status: "fail",
    detail: `${socket.state}: ${why}`,
    fix: "stop the other connector, or check the proxy (above) and restart this one",
  };
}

/**
 * `connector doctor`: identity and its expiry, the proxy (reachable, and accepting a signed
 * request), the connector and its relay socket, the runtime webhook (a signed ping with the
 * configured credentials), signing, and deliveries as the running connector sees them. Every call
 * is bounded by `timeoutMs`; one check failing does not stop the next.
 */
export async function runDoctor(input: {
  agent: LocalAgent;
  fetch: typeof fetch;
  timeoutMs: number;
  nowMs?: number;
}): Promise<DoctorReport> {
  const { agent } = input;
  const fetch: typeof globalThis.fetch = (url, init) =>
    input.fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(input.timeoutMs) });
  const checks: DoctorCheck[] = [];
  const { proxyUrl } = agent.config;
  const proxy = createAgentProxyClient({ fetch, proxyUrl, identity: agent.identity });

  const runtime = readAgentRuntime(agent.ref);
  let status: ConnectorStatusResponse | null = null;
  let connectorCheck: DoctorCheck;
  if (!runtime) {
    connectorCheck = {
      name: "connector",
      status: "fail",
      detail: "not running",
      fix: `clawdentity --agent ${agent.name} connector start (or install it as a service)`,
    };
  } else {
    const client = createConnectorClient({
      fetch,
      localApiUrl: runtime.localApiUrl,
      token: agent.config.localApiToken,
    });
    status = await client.status().catch(() => null);
    connectorCheck = status
      ? { name: "connector", status: "ok", detail: `running (pid ${runtime.pid}) at ${runtime.localApiUrl}` }
      : {
          name: "connector",
          status: "fail",
          detail: `pid ${runtime.pid} does not answer at ${runtime.localApiUrl}`,
          fix: "restart it",
        };
  }

  checks.push(checkIdentity(agent, input.nowMs ?? Date.now(), status));
  const health = await proxy.health().then(
    (answer) => ({ ok: true as const, answer }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (health.ok) {
    const ready = health.answer.status === "ok" && health.answer.ready !== false;
    checks.push({
      name: "proxy",
      status: ready ? "ok" : "warn",
      detail: `${proxyUrl} answers (${health.answer.status})`,
    });
    const peers = await proxy.listPeers().then(
      (answer) => ({ ok: true as const, count: answer.peers.length }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    checks.push(
      peers.ok
        ? { name: "proxy_auth", status: "ok", detail: `a signed request was accepted (${peers.count} paired peer(s))` }
        : {
            name: "proxy_auth",
            status: "fail",
            detail: `a signed request was refused: ${errorText(peers.error)}`,
            fix:
              PROXY_AUTH_FIXES[peers.error instanceof CliError ? peers.error.code : ""] ??
              "check the agent's proxyUrl and identity",
          },
    );
  } else {
    checks.push({
      name: "proxy",
      status: "fail",
      detail: `${proxyUrl} does not answer: ${errorText(health.error)}`,
      fix: "check the network and the agent's proxyUrl",
    });
    checks.push({ name: "proxy_auth", status: "skipped", detail: "the proxy does not answer" });
  }

  checks.push(connectorCheck);
  checks.push(
    status ? checkSocket(status) : { name: "relay_socket", status: "skipped", detail: "connector not running" },
  );

  const ping = await pingWebhook({
    fetch: input.fetch,
    agentDid: agent.identity.agentDid,
    config: agent.config,
    timeoutMs: input.timeoutMs,
  });
  checks.push(toWebhookCheck(agent.config.deliveryWebhookUrl, agent.name, ping));
  checks.push(
    agent.config.webhook?.secret
      ? { name: "signing", status: "ok", detail: "every webhook call is signed (Standard Webhooks)" }
      : {
          name: "signing",
          status: "warn",
          detail: "webhook calls are not signed: anything on this machine could forge a delivery",
          fix: `clawdentity --agent ${agent.name} connector webhook --rotate-secret, and give the runtime the secret (--show-secret)`,
        },
  );
  checks.push(
    status ? toDeliveriesCheck(status) : { name: "deliveries", status: "skipped", detail: "connector not running" },
  );

  return {
    agentName: agent.name,
    agentDid: agent.identity.agentDid,
    ok: checks.every((check) => check.status !== "fail"),
    checks,
  };
}
