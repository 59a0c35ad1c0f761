export {
  createRuntimeWebhookClient,
  type RuntimeWebhookCall,
  type RuntimeWebhookClient,
} from "./runtime-webhook-client";
export { createWebhookPause, type WebhookPause, type WebhookPauseSnapshot } from "./webhook-pause";
