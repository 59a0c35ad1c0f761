import { listAgentHomes, readAgentIdentity, readAgentRuntime } from "@clawdentity/connector";
import type { LocalAgent } from "../config";
import { toAitClaims } from "./ait-claims";

const toIso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** What `agent show` prints about an agent home: files, connector config, AIT claims, running connector. */
export function toLocalAgentView(agent: LocalAgent) {
  const claims = toAitClaims(agent.identity.ait);
  const runtime = readAgentRuntime(agent.ref);
  return {
    name: agent.name,
    dir: agent.dir,
    agentDid: agent.identity.agentDid,
    proxyUrl: agent.config.proxyUrl,
    registryUrl: agent.config.registryUrl ?? null,
    deliveryWebhookUrl: agent.config.deliveryWebhookUrl,
    localApi: agent.config.localApi,
    ait: claims
      ? { jti: claims.jti, iss: claims.iss, issuedAt: toIso(claims.iat), expiresAt: toIso(claims.exp) }
      : null,
    connector: runtime
      ? { running: true, pid: runtime.pid, localApiUrl: runtime.localApiUrl, startedAt: runtime.startedAt }
      : { running: false },
  };
}
export type LocalAgentView = ReturnType<typeof toLocalAgentView>;

/** Local agent names by DID, to annotate registry answers with the handle used on this machine. */
export function toLocalNamesByDid(home: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const name of listAgentHomes(home)) {
    try {
      names.set(readAgentIdentity({ home, agentName: name }).agentDid, name);
    } catch {
      // An unreadable home (bad mode, corrupt file) is reported by the commands that use it, not here.
    }
  }
  return names;
}
