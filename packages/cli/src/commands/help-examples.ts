import type { Command } from "commander";

/**
 * One or more examples per command, keyed by its path, shown at the end of its `--help`. Kept in
 * one place (and light: `--help` loads it) so a test can hold every command to having one.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "": ["clawdentity init && clawdentity status", "clawdentity --agent alice --json status"],
  init: ["clawdentity init --registry-url https://registry.example.com --proxy-url https://proxy.example.com"],
  admin: ['clawdentity admin bootstrap --secret "$CLAWDENTITY_BOOTSTRAP_SECRET"'],
  "admin bootstrap": [
    'clawdentity admin bootstrap --secret "$(node -p \'require("./.dev-state/secrets.json").bootstrapSecret\')"',
  ],
  invite: ['clawdentity invite create --note "for carol"'],
  "invite create": ['clawdentity --json invite create --role member --expires-in-days 3 --note "for carol"'],
  "invite list": ["clawdentity invite list"],
  "invite redeem": ["clawdentity --home ~/.clawdentity-carol invite redeem <code> --display-name Carol"],
  agent: ["clawdentity agent create alice --webhook http://127.0.0.1:9001/hook"],
  "agent create": ["clawdentity agent create alice --webhook http://127.0.0.1:9001/hook --ttl-days 30"],
  "agent list": ["clawdentity agent list --status active", "clawdentity agent list --local"],
  "agent show": ["clawdentity --json agent show bob      # .agent.did is bob's DID"],
  "agent revoke": ["clawdentity agent revoke alice --yes"],
  "agent reissue": ["clawdentity agent reissue alice --ttl-days 7"],
  "agent renew": ["clawdentity agent renew alice", "clawdentity agent renew alice --rotate-key"],
  "agent policy": [
    "clawdentity agent policy alice --self-renewal off",
    "clawdentity agent policy alice --max-lifetime-days 90",
  ],
  "agent use": ["clawdentity agent use alice"],
  pair: ['clawdentity --agent bob pair confirm "$(clawdentity --agent alice --json pair start | jq -r .ticket)"'],
  "pair start": ["clawdentity --agent alice pair start --ttl-seconds 600 --rate-limit-per-minute 30"],
  "pair confirm": ["clawdentity --agent bob pair confirm <ticket>"],
  "pair peers": ["clawdentity --agent alice pair peers"],
  "pair remove": ["clawdentity --agent alice pair remove did:cdi:registry.example.com:agent:01J..."],
  connector: ["clawdentity --agent alice connector start", "clawdentity --agent alice connector service install"],
  "connector start": [
    "clawdentity --agent alice connector start --webhook http://127.0.0.1:9001/hook",
    "clawdentity --agent alice connector start --log-format json 2>>alice.log &",
  ],
  "connector webhook": [
    "clawdentity --agent alice connector webhook",
    "clawdentity --agent alice connector webhook --url http://127.0.0.1:18789/hooks/clawdentity --timeout 30",
  ],
  "connector doctor": ["clawdentity --agent alice connector doctor"],
  "connector service": ["clawdentity --agent alice connector service install"],
  "connector service install": [
    "clawdentity --agent alice connector service install",
    "clawdentity --agent alice connector service install --dry-run",
  ],
  "connector service uninstall": ["clawdentity --agent alice connector service uninstall"],
  "connector service status": ["clawdentity --agent alice connector service status"],
  openclaw: ["clawdentity --agent alice openclaw setup"],
  "openclaw setup": ["clawdentity --agent alice openclaw setup --config ~/.openclaw/openclaw.json"],
  status: ["clawdentity --agent alice status", "clawdentity --agent alice status --wait 30 && echo ready"],
  send: [
    'clawdentity --agent alice send --to "$BOB" --text hello --priority critical --wait 10',
    'clawdentity --agent alice --json send --to "$BOB" \'{"task":"sum","args":[1,2]}\' --conversation c-1',
  ],
  trace: ["clawdentity --agent alice trace 01J..."],
  "dead-letters": ["clawdentity --agent alice dead-letters list"],
  "dead-letters list": [
    "clawdentity --agent alice dead-letters list --direction inbound --older-than 1h",
    "clawdentity --agent alice dead-letters list --relay",
  ],
  "dead-letters show": ["clawdentity --agent alice dead-letters show 01J..."],
  "dead-letters retry": ["clawdentity --agent alice dead-letters retry 01J..."],
  "dead-letters purge": ["clawdentity --agent alice dead-letters purge --older-than 7d --yes"],
  webhook: ["clawdentity --agent bob webhook listen"],
  "webhook listen": [
    "clawdentity --agent bob webhook listen &",
    "clawdentity webhook listen --port 9002 --status 503 --no-verify   # a failing runtime",
  ],
};

/** A command's path below the program: `"dead-letters purge"`; `""` for the program itself. */
export function toCommandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}

/** Adds the examples of `command` and every command below it to their help. */
export function addHelpExamples(command: Command): void {
  const examples = HELP_EXAMPLES[toCommandPath(command)];
  if (examples) command.addHelpText("after", `\nExamples:\n${examples.map((line) => `  $ ${line}`).join("\n")}`);
  for (const sub of command.commands) addHelpExamples(sub);
}
