import type { ConnectorStatusResponse } from "@clawdentity/protocol";
import type { DoctorCheck } from "./doctor-check";
import type { PingResult } from "./webhook-ping";

const RERUN_SETUP = "for an OpenClaw gateway, run clawdentity openclaw setup --config <openclaw.json> again";

/** What the runtime's answer to a signed ping says about the delivery target, and how to fix it. */
export function toWebhookCheck(url: string, agentName: string, ping: PingResult): DoctorCheck {
  const name = "webhook";
  if (!ping.answered) {
    return {
      name,
      status: "fail",
      detail: `nothing answers at ${url} (${ping.error})`,
      fix: `start the agent's runtime (OpenClaw: openclaw gateway run) or point the connector at it: clawdentity --agent ${agentName} connector webhook --url <url>`,
    };
  }
  const { status, ms } = ping;
  if (status >= 200 && status < 300) {
    return { name, status: "ok", detail: `${url} took a signed ping (HTTP ${status}, ${ms} ms)` };
  }
  if (status === 401 || status === 403) {
    return {
      name,
      status: "fail",
      detail: `${url} refused the connector's credentials (HTTP ${status}): the token it sends is wrong`,
      fix: `${RERUN_SETUP}, or set the runtime's token: clawdentity --agent ${agentName} connector webhook --header "Authorization: Bearer <token>"`,
    };
  }
  if (status === 404 || status === 405 || (status >= 300 && status < 400)) {
    return {
      name,
      status: "fail",
      detail: `no webhook at ${url} (HTTP ${status})`,
      fix: `${RERUN_SETUP} (hooks.enabled, hooks.path and the clawdentity mapping), or fix the URL: clawdentity --agent ${agentName} connector webhook --url <url>`,
    };
  }
  if (status === 429) {
    return {
      name,
      status: "warn",
      detail: `${url} throttled the ping (HTTP 429${ping.retryAfter ? `, Retry-After ${ping.retryAfter}` : ""}); OpenClaw does so after 20 failed authentications a minute`,
      fix: "fix the token first if it was wrong, then wait for Retry-After and run doctor again",
    };
  }
  if (status >= 500) {
    return {
      name,
      status: "fail",
      detail: `${url} failed (HTTP ${status}); an OpenClaw transform that refuses the signature answers 500 ("hook mapping failed" in the gateway log)`,
      fix: `read the runtime's log; if the signature was refused the runtime's secret differs: ${RERUN_SETUP}`,
    };
  }
  return {
    name,
    status: "warn",
    detail: `${url} took the credentials but refused the ping body (HTTP ${status}); a runtime should answer clawdentity.ping.v1 with 2xx`,
  };
}

/** Deliveries as the running connector sees them: a misconfiguration pause, an open circuit, the backlog. */
export function toDeliveriesCheck(status: ConnectorStatusResponse): DoctorCheck {
  const name = "deliveries";
  const { pending } = status.queues.inbox;
  const pause = status.webhookPause;
  if (pause) {
    return {
      name,
      status: "fail",
      detail: `paused since ${pause.since} (${pause.lastError}); ${pending} message(s) waiting, next probe ${pause.nextAttemptAt}`,
      fix: "fix the webhook (above); a running connector takes a changed config within a second and delivers the backlog",
    };
  }
  if (status.circuits.webhook.state !== "closed") {
    return {
      name,
      status: "warn",
      detail: `webhook circuit ${status.circuits.webhook.state} after ${status.circuits.webhook.consecutiveFailures} failures; ${pending} message(s) waiting`,
    };
  }
  return {
    name,
    status: "ok",
    detail: `${pending} waiting, ${status.queues.inbox.delivered} delivered, ${status.queues.inbox.deadLettered} dead-lettered`,
  };
}
