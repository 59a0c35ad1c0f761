import type { Command } from "commander";
import type { CliIo } from "../cli-io";
import { DEFAULT_PROXY_URL, DEFAULT_REGISTRY_URL, readCliConfig, toCliConfigPath, writeCliConfig } from "../config";
import { type RunState, toAction } from "./command-context";
import { parseHttpUrl } from "./option-parsers";

interface InitOptions {
  registryUrl?: string;
  proxyUrl?: string;
}

/** `init`: where the registry and proxy are, written to `<home>/config.json`. */
export function registerInitCommand(program: Command, io: CliIo, state: RunState): void {
  program
    .command("init")
    .description("create or update <home>/config.json with the registry and proxy URLs")
    .option(
      "--registry-url <url>",
      `registry base URL (default: $CLAWDENTITY_REGISTRY_URL, else the saved one, else ${DEFAULT_REGISTRY_URL})`,
      parseHttpUrl,
    )
    .option(
      "--proxy-url <url>",
      `proxy base URL (default: $CLAWDENTITY_PROXY_URL, else the saved one, else ${DEFAULT_PROXY_URL})`,
      parseHttpUrl,
    )
    .action(
      toAction<InitOptions>(io, state, async ({ home }, { opts }) => {
        const existing = readCliConfig(home);
        const fromEnv = (name: string) => (io.env[name]?.trim() ? parseHttpUrl(io.env[name].trim()) : undefined);
        const registryUrl =
          opts.registryUrl ?? fromEnv("CLAWDENTITY_REGISTRY_URL") ?? existing?.registryUrl ?? DEFAULT_REGISTRY_URL;
        const proxyUrl = opts.proxyUrl ?? fromEnv("CLAWDENTITY_PROXY_URL") ?? existing?.proxyUrl ?? DEFAULT_PROXY_URL;
        // An owner token belongs to one registry: pointing at another one forgets it.
        const keepOwner = existing !== null && existing.registryUrl === registryUrl;
        const config = {
          version: 1 as const,
          registryUrl,
          proxyUrl,
          ...(keepOwner && existing.token ? { token: existing.token } : {}),
          ...(keepOwner && existing.ownerDid ? { ownerDid: existing.ownerDid } : {}),
          ...(existing?.defaultAgent ? { defaultAgent: existing.defaultAgent } : {}),
        };
        const configPath = writeCliConfig(home, config);
        return {
          json: {
            home,
            configPath,
            created: existing === null,
            registryUrl,
            proxyUrl,
            ownerDid: config.ownerDid ?? null,
            hasToken: config.token !== undefined,
          },
          text: [
            `${existing ? "updated" : "created"} ${toCliConfigPath(home)}`,
            `  registry  ${registryUrl}`,
            `  proxy     ${proxyUrl}`,
            ...(config.ownerDid ? [`  owner     ${config.ownerDid}`] : []),
          ],
        };
      }),
    );
}
