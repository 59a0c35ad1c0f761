import { OWNER_ROLES } from "@clawdentity/protocol";
import { type Command, Option } from "commander";
import type { CliIo } from "../cli-io";
import { formatTable } from "../output";
import { type RunState, toAction } from "./command-context";
import { toIntegerParser } from "./option-parsers";
import { toOwnerSessionResult } from "./owner-session";

interface CreateOptions {
  role?: (typeof OWNER_ROLES)[number];
  expiresInDays?: number;
  note?: string;
}

interface RedeemOptions {
  displayName?: string;
  tokenName?: string;
  save: boolean;
}

/** `invite create|list|redeem`: admins invite owners; an invite code becomes an owner and a token. */
export function registerInviteCommand(program: Command, io: CliIo, state: RunState): void {
  const invite = program.command("invite").description("invite owners to the registry");

  invite
    .command("create")
    .description("create an invite code (admin only)")
    .addOption(new Option("--role <role>", "role of the invited owner (default: member)").choices(OWNER_ROLES))
    .option("--expires-in-days <days>", "validity, 1-30 days (default: 7)", toIntegerParser(1, 30))
    .option("--note <text>", "a note kept with the invite")
    .action(
      toAction<CreateOptions>(io, state, async (context, { opts }) => {
        const created = await context.registry({ owner: true }).createInvite({
          ...(opts.role ? { role: opts.role } : {}),
          ...(opts.expiresInDays ? { expiresInDays: opts.expiresInDays } : {}),
          ...(opts.note ? { note: opts.note } : {}),
        });
        return {
          json: created,
          text: [
            `invite ${created.invite.id} (${created.invite.role}, expires ${created.invite.expiresAt})`,
            created.code,
          ],
        };
      }),
    );

  invite
    .command("list")
    .description("list invites, newest first (admin only)")
    .action(
      toAction(io, state, async (context) => {
        const listed = await context.registry({ owner: true }).listInvites();
        return {
          json: listed,
          text: formatTable(
            ["ID", "ROLE", "EXPIRES", "REDEEMED BY", "NOTE"],
            listed.invites.map((item) => [item.id, item.role, item.expiresAt, item.redeemedByDid, item.note]),
          ),
        };
      }),
    );

  invite
    .command("redeem")
    .description("become an owner with an invite code and save the new token in <home>/config.json")
    .argument("<code>", "the clw_inv_... code")
    .option("--display-name <name>", "your display name")
    .option("--token-name <name>", "name of your first personal access token")
    .option("--no-save", "print the token without saving it")
    .action(
      toAction<RedeemOptions>(io, state, async (context, { args, opts }) => {
        const session = await context.registry().redeemInvite({
          code: args[0] ?? "",
          ...(opts.displayName ? { displayName: opts.displayName } : {}),
          ...(opts.tokenName ? { tokenName: opts.tokenName } : {}),
        });
        return toOwnerSessionResult(context.home, session, { save: opts.save, verb: "joined as" });
      }),
    );
}
