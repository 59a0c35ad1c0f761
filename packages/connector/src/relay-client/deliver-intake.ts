import { type DeliverFrame, FRAME_BATCH_LIMITS, type RelayFrame } from "@clawdentity/protocol";
import type WebSocket from "ws";
import type { DeliverDecision } from "../inbox";
import { type Logger, toErrorMessage } from "../logger";

/** Fields every frame the connector writes starts with. */
export type FrameHead = { v: 1; id: string; ts: string };

export interface DeliverIntakeDeps {
  logger: Logger;
  /** Stores the deliver frames read in one turn together (group commit); a decision per frame, in order. */
  handleDeliver(frames: readonly DeliverFrame[]): DeliverDecision[];
  sendOn(ws: WebSocket, frame: RelayFrame): void;
  frameHead(): FrameHead;
  /** The relay confirmed batch frames on this socket (`hello_ack`). */
  batching(ws: WebSocket): boolean;
}

/**
 * Deliver frames read in the same turn of the event loop (one socket read carries several while
 * the relay's window is open, a `deliver_batch` carries several in one frame) are stored in one
 * transaction at its end, then acknowledged: in one `deliver_ack_batch` per `maxAcks` messages on a
 * batching socket, with each refusal and its reason beside the accepted ids, else one `deliver_ack`
 * each. Nothing is acked before its commit.
 */
export function createDeliverIntake(deps: DeliverIntakeDeps) {
  const { logger, sendOn, frameHead } = deps;
  const read = new Map<WebSocket, DeliverFrame[]>();
  let commitTimer: NodeJS.Immediate | null = null;

  const ackEach = (ws: WebSocket, frames: readonly DeliverFrame[], decisions: readonly DeliverDecision[]) => {
    frames.forEach((frame, index) => {
      const decision = decisions[index] as DeliverDecision;
      sendOn(ws, {
        ...frameHead(),
        type: "deliver_ack",
        ackId: frame.id,
        accepted: decision.accepted,
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
    });
  };

  const ackBatched = (ws: WebSocket, frames: readonly DeliverFrame[], decisions: readonly DeliverDecision[]) => {
    for (let start = 0; start < frames.length; start += FRAME_BATCH_LIMITS.maxAcks) {
      const accepted: string[] = [];
      const refused: Array<{ ackId: string; reason: string }> = [];
      frames.slice(start, start + FRAME_BATCH_LIMITS.maxAcks).forEach((frame, offset) => {
        const decision = decisions[start + offset] as DeliverDecision;
        if (decision.accepted) accepted.push(frame.id);
        else refused.push({ ackId: frame.id, reason: decision.reason ?? "refused" });
      });
      sendOn(ws, { ...frameHead(), type: "deliver_ack_batch", accepted, refused });
    }
  };

  const commit = () => {
    commitTimer = null;
    for (const [ws, frames] of read) {
      read.delete(ws);
      let decisions: DeliverDecision[];
      try {
        decisions = deps.handleDeliver(frames);
      } catch (error) {
        logger.error("deliver frames not stored; not acknowledged", {
          count: frames.length,
          error: toErrorMessage(error),
        });
        continue;
      }
      if (deps.batching(ws)) ackBatched(ws, frames, decisions);
      else ackEach(ws, frames, decisions);
    }
  };

  return {
    /** Frames read from `ws`, stored and acked at the end of this turn. */
    add(ws: WebSocket, frames: readonly DeliverFrame[]): void {
      const held = read.get(ws) ?? [];
      held.push(...frames);
      read.set(ws, held);
      commitTimer ??= setImmediate(commit);
    },
    /** Frames read but not stored stay unacked: the relay offers them again on the next connection. */
    drop(): void {
      if (commitTimer) clearImmediate(commitTimer);
      commitTimer = null;
      read.clear();
    },
  };
}
