import { type DeliverFrame, FRAME_BATCH_LIMITS, type RelayFrame, toBatchItem } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { toIsoTimestamp } from "../../clock";

export interface PackableDeliver {
  frame: DeliverFrame;
  /** The length of the payload's JSON text, as stored. */
  payloadChars: number;
}

/**
 * The frames a batching socket gets for `delivers`, in the order given (priority, then age):
 * consecutive messages share a `deliver_batch` within `FRAME_BATCH_LIMITS`, so the connector can
 * bound the frame before it parses it; a message alone in its run (one over the payload budget,
 * or the last one left) goes as a plain `deliver`.
 */
export function packDelivers(delivers: readonly PackableDeliver[], nowMs: number): RelayFrame[] {
  const { maxMessages, maxPayloadChars } = FRAME_BATCH_LIMITS;
  const out: RelayFrame[] = [];
  let run: DeliverFrame[] = [];
  let runChars = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0] as DeliverFrame);
    if (run.length > 1) {
      const head = { v: 1 as const, id: createUlid(nowMs), ts: toIsoTimestamp(nowMs) };
      out.push({ ...head, type: "deliver_batch", messages: run.map(toBatchItem) });
    }
    run = [];
    runChars = 0;
  };
  for (const { frame, payloadChars } of delivers) {
    if (run.length === maxMessages || runChars + payloadChars > maxPayloadChars) flush();
    run.push(frame);
    runChars += payloadChars;
  }
  flush();
  return out;
}
