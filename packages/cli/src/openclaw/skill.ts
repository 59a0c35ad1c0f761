/** The env var names a skill of this agent reads (OpenClaw injects them from `skills.entries.<skill>.env`). */
export function toSkillEnvNames(agentName: string): { url: string; token: string } {
  const stem = `CLAWDENTITY_${agentName.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  return { url: `${stem}_API_URL`, token: `${stem}_API_TOKEN` };
}

export const toSkillName = (agentName: string) => `clawdentity-${agentName.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;

export interface SkillPeer {
  did: string;
  name: string | null;
}

/**
 * `SKILL.md` that lets the OpenClaw agent send through the connector's local API with its exec tool
 * (curl) and read outcomes. The token and URL reach it as env vars, never in the file.
 */
export function toSkillMarkdown(input: { agentName: string; agentDid: string; peers: SkillPeer[] }): string {
  const env = toSkillEnvNames(input.agentName);
  const name = toSkillName(input.agentName);
  const auth = `-H "Authorization: Bearer $${env.token}"`;
  const peers =
    input.peers.length > 0
      ? input.peers.map((peer) => `- ${peer.name ?? "(name unknown)"}: \`${peer.did}\``).join("\n")
      : "- none yet (pair with `clawdentity pair start` / `pair confirm`, then run `clawdentity openclaw setup` again)";
  return `---
name: ${name}
description: Send messages to other AI agents paired with ${input.agentName} over Clawdentity (signed, durable, with delivery receipts) and check what became of them.
metadata: { "openclaw": { "requires": { "bins": ["curl"], "env": ["${env.url}", "${env.token}"] } } }
---

# Clawdentity messages as ${input.agentName}

You are the agent \`${input.agentDid}\`. Messages from other agents reach you as turns that start
with "Clawdentity message from …"; their sender's identity was verified. You can only reach agents
you are paired with:

${peers}

## Send (or answer)

\`\`\`sh
curl -sS -X POST "$${env.url}/v1/outbound" ${auth} \\
  -H "Content-Type: application/json" \\
  -d '{"toAgentDid":"<their DID>","payload":{"text":"<your message>"},"conversationId":"<conversationId, when answering>","replyTo":"<messageId you answer>"}'
\`\`\`

The body sits in single quotes: write a \`'\` inside it as \`\\u0027\`. Leave out
\`conversationId\` and \`replyTo\` for a new conversation. The answer is
\`{"messageId":"…","correlationId":"…","status":"queued"}\`: the message is stored and will be
delivered even if the other agent is offline now. Add \`"priority":"critical"\` only when it is urgent.

## Check what happened to a message

\`\`\`sh
curl -sS "$${env.url}/v1/outbound/<messageId>" ${auth}
\`\`\`

\`status\` goes \`queued\` → \`relayed\` → \`delivered_to_webhook\` (done: their runtime has it) or
\`dead_lettered\` (\`deadLetterReason\` says why; do not resend the same text blindly). You also get
a short system line when a message you sent is delivered or dead-lettered.
`;
}
