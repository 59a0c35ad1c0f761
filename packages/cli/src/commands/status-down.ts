import type { StatusView } from "./status";

/**
 * What `status` finds down, one phrase each; empty when everything it checked is up. A service is
 * down when it cannot be reached or its `/health` is not ok and ready; the agent's connector when
 * it is stopped, does not answer, its AIT is expired or revoked, has no connected relay socket, or
 * a circuit (proxy or the runtime's webhook) is open.
 */
export function toDownList(view: StatusView): string[] {
  const down: string[] = [];
  if (!view.initialized) down.push("not initialized (run clawdentity init)");
  for (const [name, service] of [
    ["registry", view.registry],
    ["proxy", view.proxy],
  ] as const) {
    if (!service) continue;
    if (!service.health)
      down.push(service.reachable ? `${name} failing: ${service.error?.message}` : `${name} unreachable`);
    else if (service.health.status !== "ok") down.push(`${name} ${service.health.status}`);
    else if (!service.health.ready) down.push(`${name} not ready`);
  }
  const connector = view.connector;
  if (!view.agent || !connector) return down;
  if (!connector.running) down.push(`connector of ${view.agent.name} stopped`);
  else if (!connector.status) down.push(`connector of ${view.agent.name} not answering`);
  else {
    const { socket, circuits, identity } = connector.status;
    if (identity?.state === "expired" || identity?.state === "revoked") down.push(`identity ${identity.state}`);
    if (socket.state !== "connected") down.push(`relay socket ${socket.state}`);
    if (circuits.proxy.state === "open") down.push("proxy circuit open");
    if (circuits.webhook.state === "open") down.push("webhook circuit open (the runtime's webhook is failing)");
  }
  return down;
}
