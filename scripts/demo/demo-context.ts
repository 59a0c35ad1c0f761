import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliRunner, createCliRunner, type ScratchStack, type SentMessage, type WorldAgent } from "../harness";

export type AgentName = "alice" | "bob";

export interface DemoMessage extends SentMessage {
  from: AgentName;
  to: AgentName;
  priority: "critical" | "normal" | "low";
}

/** What the steps build up and share; `dispose` releases whatever exists, in reverse order. */
export interface DemoContext {
  home: string;
  cli: CliRunner;
  stack: ScratchStack | null;
  agents: Partial<Record<AgentName, WorldAgent>>;
  messages: DemoMessage[];
  agent(name: AgentName): WorldAgent;
  dispose(): Promise<void>;
  /** Synchronous last resort when the process exits early (Ctrl-C): stop connectors, remove folders. */
  abandon(): void;
}

export function createDemoContext(options: { verbose: boolean; log: (line: string) => void }): DemoContext {
  const home = mkdtempSync(join(tmpdir(), "clawdentity-demo-home-"));
  const cli = createCliRunner({
    home,
    onCommand: options.verbose
      ? (argv) => options.log(`$ clawdentity ${argv.filter((arg) => arg !== "--json").join(" ")}`)
      : undefined,
  });
  const context: DemoContext = {
    home,
    cli,
    stack: null,
    agents: {},
    messages: [],
    agent(name) {
      const found = context.agents[name];
      if (!found) throw new Error(`${name} was not created`);
      return found;
    },
    async dispose() {
      for (const agent of Object.values(context.agents)) {
        await agent.connector?.kill();
        await agent.webhook.close();
      }
      await context.stack?.dispose();
      rmSync(home, { recursive: true, force: true });
    },
    abandon() {
      for (const agent of Object.values(context.agents)) agent.connector?.signal("SIGTERM");
      if (context.stack) rmSync(context.stack.stateDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
  return context;
}
