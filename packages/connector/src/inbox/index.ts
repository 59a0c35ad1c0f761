export { createDeliverFrameHandler, type DeliverDecision, type DeliverFrameHandlerDeps } from "./deliver-frame-handler";
export {
  createWebhookDeliveryWorker,
  toDeliveryWebhookBody,
  type WebhookDeliveryDeps,
} from "./webhook-delivery-worker";
