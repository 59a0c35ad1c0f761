import type { WebhookReceiver } from "./webhook-receiver";

/** Per-messageId accounting of one batch of sent messages: what the recipient and the sender's runtimes got. */
export interface DeliveryFigures {
  sent: number;
  /** Sent messages the recipient's runtime answered 2xx at least once. */
  deliveredUnique: number;
  /** Extra 2xx-answered deliveries of those messages (at least once: deduplicable by messageId). */
  duplicates: number;
  /** Sent messages with a terminal receipt (every receipt status is terminal) at the sender's runtime. */
  receiptsAtSender: number;
  /** Of those, how many say `dead_lettered`. */
  deadLettered: number;
  missingDeliveries: string[];
  missingReceipts: string[];
}

export function countDeliveryFigures(input: {
  messageIds: readonly string[];
  recipient: Pick<WebhookReceiver, "deliveries">;
  sender: Pick<WebhookReceiver, "receipts">;
}): DeliveryFigures {
  const wanted = new Set(input.messageIds);
  const deliveries = new Map<string, number>();
  for (const body of input.recipient.deliveries) {
    if (wanted.has(body.messageId)) deliveries.set(body.messageId, (deliveries.get(body.messageId) ?? 0) + 1);
  }
  const receipts = new Map<string, string>();
  for (const body of input.sender.receipts) {
    if (wanted.has(body.messageId) && !receipts.has(body.messageId)) receipts.set(body.messageId, body.status);
  }
  const delivered = [...deliveries.values()];
  return {
    sent: wanted.size,
    deliveredUnique: deliveries.size,
    duplicates: delivered.reduce((sum, count) => sum + count, 0) - deliveries.size,
    receiptsAtSender: receipts.size,
    deadLettered: [...receipts.values()].filter((status) => status === "dead_lettered").length,
    missingDeliveries: [...wanted].filter((id) => !deliveries.has(id)),
    missingReceipts: [...wanted].filter((id) => !receipts.has(id)),
  };
}

/** One line per batch, printed before any assertion so a failure shows it. */
export function formatDeliveryFigures(label: string, figures: DeliveryFigures): string {
  const sample = (ids: string[]) =>
    ids.length > 0 ? ` (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""})` : "";
  return [
    `${label}: sent ${figures.sent}`,
    `delivered unique ${figures.deliveredUnique}`,
    `duplicates ${figures.duplicates}`,
    `receipts at the sender ${figures.receiptsAtSender} (${figures.deadLettered} dead_lettered)`,
    `missing deliveries ${figures.missingDeliveries.length}${sample(figures.missingDeliveries)}`,
    `missing receipts ${figures.missingReceipts.length}${sample(figures.missingReceipts)}`,
  ].join(", ");
}
