import type { Style } from "../output";
import type { WebhookArrival } from "./create-webhook-listener";

/** A payload on one line, cut short past `max` characters. */
function toPayloadText(payload: unknown, max = 200): string {
  const text = JSON.stringify(payload) ?? "undefined";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line per webhook call, for people: what kind, which message, from or to whom, and what. */
export function formatArrival(arrival: WebhookArrival, style: Style, now = new Date()): string {
  const time = style.dim(now.toISOString().slice(11, 23));
  const { body } = arrival;
  if (body.type === "clawdentity.delivery.v1") {
    return [
      `${time} ${style.bold("delivery")} ${body.messageId} from ${body.fromAgentDid}`,
      `${body.priority}${body.conversationId ? ` conversation ${body.conversationId}` : ""}:`,
      toPayloadText(body.payload),
    ].join(" ");
  }
  if (body.type === "clawdentity.receipt.v1") {
    const status = body.status === "delivered_to_webhook" ? style.ok(body.status) : style.error(body.status);
    return `${time} ${style.bold("receipt")}  ${body.messageId} ${status}${body.reason ? ` (${body.reason})` : ""} to ${body.toAgentDid}`;
  }
  // A notice about the agent itself, a ping (PROTOCOL.md §9), or a kind newer than this CLI.
  const other = body as { type: string; code?: unknown; message?: unknown };
  const kind = other.type.replace(/^clawdentity\./, "").replace(/\.v\d+$/, "");
  const detail =
    other.code === undefined ? toPayloadText(other) : `${style.warn(String(other.code))}: ${String(other.message)}`;
  return `${time} ${style.bold(kind.padEnd(8))} ${detail}`;
}
