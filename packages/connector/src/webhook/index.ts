export { createRuntimeWebhookClient, type RuntimeWebhookClient } from "./runtime-webhook-client";
