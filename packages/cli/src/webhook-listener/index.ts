export {
  createWebhookListener,
  type WebhookArrival,
  type WebhookListener,
  type WebhookListenerOptions,
} from "./create-webhook-listener";
export { formatArrival } from "./format-arrival";
