import { unwatchFile, watchFile } from "node:fs";
import type { WebhookTarget } from "../config";
import { type AgentHomeRef, loadConnectorConfig } from "./agent-home";
import { resolveAgentHomePaths } from "./paths";

/** The delivery target of a loaded config, as `Connector.setWebhookTarget` takes it. */
export function toWebhookTarget(config: ReturnType<typeof loadConnectorConfig>): WebhookTarget {
  return { url: config.deliveryWebhookUrl, ...config.webhook };
}

/**
 * Watches the agent's config.json (a stat every `intervalMs`, so an atomic rename is seen too) and
 * calls `onChange` when its delivery target differs from the last one seen: `openclaw setup`,
 * `connector webhook` or an edit by hand reach a running connector without a restart. A file that
 * does not parse is reported to `onError` and the current target stays.
 */
export function watchWebhookTarget(
  ref: AgentHomeRef,
  options: {
    initial: WebhookTarget;
    onChange: (target: WebhookTarget) => void;
    onError: (error: unknown) => void;
    intervalMs?: number;
  },
): () => void {
  const { configPath } = resolveAgentHomePaths(ref);
  let current = JSON.stringify(options.initial);
  const check = () => {
    try {
      const target = toWebhookTarget(loadConnectorConfig(ref));
      const next = JSON.stringify(target);
      if (next === current) return;
      current = next;
      options.onChange(target);
    } catch (error) {
      options.onError(error);
    }
  };
  watchFile(configPath, { interval: options.intervalMs ?? 1_000, persistent: false }, check);
  return () => unwatchFile(configPath, check);
}
