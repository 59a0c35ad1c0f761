export { planClawdentityHook, readOpenClawConfig } from "./openclaw-config";
export { type OpenClawSetupResult, setupOpenClaw } from "./setup-openclaw";
export { type SkillPeer, toSkillEnvNames, toSkillName } from "./skill";
export { TRANSFORM_FILE } from "./transform-source";
