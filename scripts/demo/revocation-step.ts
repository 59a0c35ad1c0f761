import { type Json, readStatus, sendAndWait, sendMessage, waitFor } from "../harness";
import type { DemoStep } from "./demo-step";

export const revocationStep: DemoStep = {
  title: "Revoke alice at the registry: the proxy refuses her within seconds",
  async run(context, detail) {
    const bob = context.agent("bob");
    await context.cli.ok("agent", "revoke", "alice", "--yes");
    const revokedAt = performance.now();
    const since = () => Math.round(performance.now() - revokedAt);

    const refusal = await waitFor(
      "a signed request of alice refused",
      async () => {
        const attempt = await context.cli.run("--json", "--agent", "alice", "pair", "peers");
        return attempt.exitCode !== 0 && attempt.error()?.code === "PROXY_AUTH_AGENT_REVOKED" ? since() : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    detail(`alice's signed requests refused (401 PROXY_AUTH_AGENT_REVOKED) ${refusal} ms after the registry answered`);

    const socket = await waitFor(
      "alice's relay socket closed",
      async () => {
        const status = await readStatus<Json>(context.cli, "alice");
        const current = status.connector?.status?.socket;
        return current?.lastCloseCode === 4003 ? current : undefined;
      },
      { timeoutMs: 10_000 },
    );
    detail(`alice's relay socket closed with ${socket.lastCloseCode} (revoked) after ${since()} ms; no reconnect`);

    const next = await sendAndWait(context.cli, "alice", bob.did, { text: "am I still allowed?" }, { waitSeconds: 10 });
    const outcome = next.json<Json>();
    if (outcome.status !== "dead_lettered" || outcome.deadLetterReason !== "sender_revoked") {
      throw new Error(`alice's next send ended ${outcome.status} (${String(outcome.deadLetterReason)})`);
    }
    detail(
      `alice's next send ${outcome.messageId}: refused by the proxy, dead-lettered sender_revoked (${since()} ms)`,
    );
    const toAlice = await sendMessage(context.cli, "bob", context.agent("alice").did, { text: "still there?" });
    await waitFor("bob's send to alice dead-lettered", async () => {
      const { deadLetters } = await context.cli.ok<{ deadLetters: Json[] }>("--agent", "bob", "dead-letters", "list");
      return deadLetters.find((entry) => entry.messageId === toAlice.messageId && entry.reason === "recipient_revoked");
    });
    detail("bob's message to alice: refused, dead-lettered recipient_revoked");
    if (bob.webhook.calls.has(outcome.messageId)) throw new Error("bob's runtime received a revoked agent's message");
  },
};
