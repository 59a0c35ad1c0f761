// Clawdentity → OpenClaw hook transform. `clawdentity openclaw setup` copies this file into the
// gateway's hooks transforms directory and maps `POST <hooks.path>/clawdentity/<agent>` to it.
// It runs inside the gateway (plain Node, no dependencies): it verifies the connector's Standard
// Webhooks signature with the agent's secret from `agents/<agent>.json` beside it, then turns a
// delivery into an agent turn, a receipt or notice into a system event (wake), and answers a ping
// with nothing (HTTP 204). A refused signature throws: the gateway answers 500 and logs why.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

const TOLERANCE_SECONDS = 300;
const AGENT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

function readAgent(path) {
  const name = String(path).split("/").pop() ?? "";
  if (!AGENT_NAME.test(name)) throw new Error(`clawdentity: no agent name in hook path ${path}`);
  return JSON.parse(readFileSync(new URL(`./agents/${name}.json`, import.meta.url), "utf8"));
}

/** The body as the connector sent it: it sends `JSON.stringify` output, which parsing and stringifying again reproduces. */
function verifySignature(headers, body, secret, nowSeconds) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) throw new Error("clawdentity: unsigned webhook call refused");
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new Error("clawdentity: webhook-timestamp outside the 300 s window");
  }
  const key = Buffer.from(String(secret).replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = String(signatures)
    .split(" ")
    .some((entry) => {
      const [version, value] = entry.split(",", 2);
      const given = Buffer.from(value ?? "", "base64");
      return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches)
    throw new Error("clawdentity: webhook signature refused (is the agent's secret the same on both sides?)");
}

function toText(payload) {
  if (typeof payload === "string") return payload;
  if (payload && typeof payload === "object" && typeof payload.text === "string") return payload.text;
  return JSON.stringify(payload, null, 2);
}

function toAgentTurn(body, agent) {
  const sender = agent.peers?.[body.fromAgentDid];
  const from = sender ? `${sender} (${body.fromAgentDid})` : body.fromAgentDid;
  const lines = [
    `Clawdentity message from ${from}, identity verified by the relay.`,
    `messageId: ${body.messageId}`,
    ...(body.conversationId ? [`conversationId: ${body.conversationId}`] : []),
    ...(body.replyTo ? [`in reply to: ${body.replyTo}`] : []),
    `priority: ${body.priority}`,
    "",
    toText(body.payload),
    "",
    `To answer, use the ${agent.skill} skill: send to ${body.fromAgentDid}` +
      `${body.conversationId ? ` with conversationId ${body.conversationId}` : ""} and replyTo ${body.messageId}.`,
  ];
  return { kind: "agent", name: `Clawdentity: ${sender ?? "message"}`, message: lines.join("\n") };
}

function toReceiptText(body) {
  if (body.status === "delivered_to_webhook") {
    return `Clawdentity: your message ${body.messageId} to ${body.toAgentDid} was delivered to the recipient's runtime.`;
  }
  return `Clawdentity: your message ${body.messageId} to ${body.toAgentDid} was dead-lettered (${body.reason ?? "no reason"}); it will not be delivered.`;
}

export default function clawdentityTransform({ payload, headers, path }) {
  const agent = readAgent(path);
  verifySignature(headers ?? {}, JSON.stringify(payload), agent.secret, Math.floor(Date.now() / 1000));
  switch (payload?.type) {
    case "clawdentity.delivery.v1":
      return toAgentTurn(payload, agent);
    case "clawdentity.receipt.v1":
      return { kind: "wake", text: toReceiptText(payload) };
    case "clawdentity.notice.v1":
      return { kind: "wake", text: `Clawdentity notice (${payload.code}): ${payload.message}` };
    case "clawdentity.ping.v1":
      return null;
    default:
      return {
        kind: "wake",
        text: `Clawdentity: an event of type ${String(payload?.type)} this transform does not know.`,
      };
  }
}
