import type { Command } from "commander";
import type { CliIo } from "../cli-io";
import { formatTable } from "../output";
import { type RunState, toAction } from "./command-context";
import { parseAgentDid, toIntegerParser } from "./option-parsers";

/** Limits this agent sets on what its PEER may send to it; the proxy caps them at its maxima. */
interface LimitOptions {
  rateLimitPerMinute?: number;
  queueQuota?: number;
}

interface StartOptions extends LimitOptions {
  ttlSeconds?: number;
}

const toLimits = (opts: LimitOptions) => ({
  ...(opts.rateLimitPerMinute ? { rateLimitPerMinute: opts.rateLimitPerMinute } : {}),
  ...(opts.queueQuota ? { queueQuota: opts.queueQuota } : {}),
});

const withLimitOptions = (command: Command) =>
  command
    .option(
      "--rate-limit-per-minute <n>",
      "messages per minute the peer may send to this agent (capped by the proxy)",
      toIntegerParser(1, 100_000),
    )
    .option(
      "--queue-quota <n>",
      "messages the peer may hold queued for this agent (capped by the proxy)",
      toIntegerParser(1, 1_000_000),
    );

/** `pair start|confirm|peers|remove`: mutual trust between two agents through their proxy. */
export function registerPairCommand(program: Command, io: CliIo, state: RunState): void {
  const pair = program.command("pair").description("pair agents so they may message each other");

  withLimitOptions(
    pair
      .command("start")
      .description("get a one-time pairing ticket for the peer to confirm")
      .option("--ttl-seconds <s>", "ticket validity, 30-3600 (default: the proxy's, 300)", toIntegerParser(30, 3600)),
  ).action(
    toAction<StartOptions>(io, state, async (context, { opts }) => {
      const agent = context.agent();
      const ticket = await context.proxy(agent).createPairingTicket({
        ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
        ...toLimits(opts),
      });
      return {
        json: ticket,
        text: [
          `pairing ticket for ${ticket.initiatorAgentDid} (expires ${ticket.expiresAt}); the peer runs:`,
          `clawdentity pair confirm ${ticket.ticket}`,
        ],
      };
    }),
  );

  withLimitOptions(
    pair
      .command("confirm")
      .description("confirm a peer's ticket: both agents then trust each other")
      .argument("<ticket>", "the ticket printed by pair start"),
  ).action(
    toAction<LimitOptions>(io, state, async (context, { args, opts }) => {
      const confirmed = await context.proxy(context.agent()).confirmPairing(args[0] ?? "", toLimits(opts));
      return { json: confirmed, text: `paired with ${confirmed.peer.agentDid}` };
    }),
  );

  pair
    .command("peers")
    .description("the agents this agent trusts")
    .action(
      toAction(io, state, async (context) => {
        const listed = await context.proxy(context.agent()).listPeers();
        return {
          json: listed,
          text:
            listed.peers.length === 0
              ? "no peers"
              : formatTable(
                  ["PEER", "PAIRED AT", "RATE/MIN", "QUOTA"],
                  listed.peers.map((peer) => [peer.agentDid, peer.pairedAt, peer.rateLimitPerMinute, peer.queueQuota]),
                ),
        };
      }),
    );

  pair
    .command("remove")
    .description("end the trust with a peer, on both sides")
    .argument("<peerDid>", "the peer agent's DID", parseAgentDid)
    .action(
      toAction(io, state, async (context, { args }) => {
        const peerDid = args[0] ?? "";
        const report = await context.proxy(context.agent()).removePeer(peerDid);
        if (!report) return { json: { removed: true, peerAgentDid: peerDid }, text: `removed ${peerDid}` };
        return {
          json: { removed: true, peerAgentDid: peerDid, ...report },
          text: `removed ${peerDid} here; its proxy could not be told (${report.code}), so it may still take this agent's messages`,
        };
      }),
    );
}
