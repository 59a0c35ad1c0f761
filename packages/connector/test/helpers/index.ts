export { type ChildConnector, spawnConnector } from "./child-connector";
export { createFakeClock, type FakeClock } from "./fake-clock";
export {
  accept202,
  createMessageStatus,
  type FakeAnswer,
  type FakeProxy,
  frameBase,
  messageNotFound,
  type RecordedRequest,
  type Responder,
  startFakeProxy,
} from "./fake-proxy";
export { type FakeRegistry, type RenewalCall, startFakeRegistry } from "./fake-registry";
export { type FakeWebhook, startFakeWebhook, type WebhookCall, type WebhookResponder } from "./fake-webhook";
export { createDeliverFrame, createReceiptFrame, framesOfType } from "./frames";
export { createTestIdentities, REGISTRY_URL, type TestAitInput, type TestIdentities } from "./identity";
export { manyValuesJson, nestedJson } from "./json-text";
export { type ConnectorRig, type RigSetupOptions, settle, useConnectorRig } from "./rig";
export { createTestWebhookWorker, inboundMessage, outboundMessage } from "./stored-rows";
export { useTempStorage } from "./temp-storage";
export { type ApiResponse, FAST_TUNING, startTestConnector, type TestConnector } from "./test-connector";
