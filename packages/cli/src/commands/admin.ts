import type { Command } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import { type RunState, toAction } from "./command-context";
import { toOwnerSessionResult } from "./owner-session";

interface BootstrapOptions {
  secret?: string;
  displayName?: string;
  tokenName?: string;
  save: boolean;
}

/** `admin bootstrap`: the registry's first owner (an admin), with the deployment's bootstrap secret. */
export function registerAdminCommand(program: Command, io: CliIo, state: RunState): void {
  const admin = program.command("admin").description("registry administration");
  admin
    .command("bootstrap")
    .description("create the first (admin) owner and save its token in <home>/config.json")
    .option("--secret <secret>", "the registry's BOOTSTRAP_SECRET (default: $CLAWDENTITY_BOOTSTRAP_SECRET)")
    .option("--display-name <name>", "the admin's display name")
    .option("--token-name <name>", "name of the first personal access token")
    .option("--no-save", "print the token without saving it")
    .action(
      toAction<BootstrapOptions>(io, state, async (context, { opts }) => {
        const secret = opts.secret ?? context.io.env.CLAWDENTITY_BOOTSTRAP_SECRET?.trim();
        if (!secret) {
          throw new CliError({
            code: "CLI_INVALID_ARGUMENT",
            message: "pass --secret <secret> or set CLAWDENTITY_BOOTSTRAP_SECRET",
          });
        }
        const session = await context.registry().bootstrap(secret, {
          ...(opts.displayName ? { displayName: opts.displayName } : {}),
          ...(opts.tokenName ? { tokenName: opts.tokenName } : {}),
        });
        return toOwnerSessionResult(context.home, session, { save: opts.save, verb: "bootstrapped" });
      }),
    );
}
