import { listAgentHomes } from "@clawdentity/connector";
import { toLocalAgentView } from "../agents";
import { readCliConfig, readLocalAgent } from "../config";
import { type CommandResult, formatTable } from "../output";
import type { CommandContext } from "./command-context";

/** `agent list --local`: the agent homes of this machine, which one is the default, which connectors run. */
export function listLocalAgents(context: CommandContext): Promise<CommandResult> {
  const defaultAgent = readCliConfig(context.home)?.defaultAgent ?? null;
  const agents = listAgentHomes(context.home).map((name) => {
    const view = toLocalAgentView(readLocalAgent(context.home, name));
    return {
      name,
      agentDid: view.agentDid,
      isDefault: name === defaultAgent,
      proxyUrl: view.proxyUrl,
      deliveryWebhookUrl: view.deliveryWebhookUrl,
      connector: view.connector,
    };
  });
  return Promise.resolve({
    json: { agents },
    text: formatTable(
      ["NAME", "DID", "DEFAULT", "CONNECTOR"],
      agents.map((item) => [
        item.name,
        item.agentDid,
        item.isDefault ? "yes" : "",
        item.connector.running ? item.connector.localApiUrl : "stopped",
      ]),
    ),
  });
}
