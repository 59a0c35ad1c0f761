export { type AnswerHoldingProxy, type ForwardedCall, startAnswerHoldingProxy } from "./answer-holding-proxy";
export {
  ensureOpenClaw,
  OPENCLAW_NODE_VERSION,
  OPENCLAW_VERSION,
  type OpenClawInstall,
  resolveOpenClawCacheDir,
} from "./install-openclaw";
export { type ModelCall, type ModelStub, startModelStub } from "./model-stub";
export { createOpenClawGateway, type OpenClawGateway } from "./openclaw-gateway";
