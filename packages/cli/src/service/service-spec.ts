import { createHash } from "node:crypto";
import { join } from "node:path";

/** What a service manager needs to run one agent's connector, whichever manager it is. */
export interface ServiceSpec {
  agentName: string;
  home: string;
  /** systemd unit name without `.service` / launchd label: one per agent home and agent. */
  name: string;
  /** The program and its arguments: this CLI's `connector start` for the agent, in the same home. */
  argv: string[];
  /** Where launchd writes the connector's output (systemd keeps it in the journal). */
  logPath: string;
}

/** A short, stable tag of a home folder, so two homes' agents of the same name get two services. */
function toHomeTag(home: string): string {
  return createHash("sha256").update(home).digest("hex").slice(0, 8);
}

/**
 * The service of `agentName` in `home`, running `selfCommand` (Node and this CLI's script):
 * `clawdentity --home <home> --agent <name> connector start`, so it uses the same agent home, the
 * same database and the same lock as a connector started by hand (and refuses to run beside one).
 */
export function toServiceSpec(input: {
  agentName: string;
  home: string;
  defaultHome: string;
  selfCommand: readonly string[];
  agentDir: string;
}): ServiceSpec {
  const suffix = input.home === input.defaultHome ? "" : `-${toHomeTag(input.home)}`;
  return {
    agentName: input.agentName,
    home: input.home,
    name: `clawdentity-connector-${input.agentName}${suffix}`,
    argv: [...input.selfCommand, "--home", input.home, "--agent", input.agentName, "connector", "start"],
    logPath: join(input.agentDir, "connector.log"),
  };
}
