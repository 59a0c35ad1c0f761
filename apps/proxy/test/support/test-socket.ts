import { createUlid } from "@clawdentity/sdk";

/** A frame as the connector receives it: raw JSON, so tests see exactly which fields were sent. */
export type ReceivedFrame = Record<string, unknown> & { type: string; id: string };

export interface SocketClose {
  code: number;
  reason: string;
}

const WAIT_LIMIT_MS = 10_000;

/** The messages a frame pushed: a deliver itself, or each entry of a deliver_batch as a deliver. */
export function toMessages(frame: ReceivedFrame): ReceivedFrame[] {
  if (frame.type === "deliver") return [frame];
  if (frame.type !== "deliver_batch") return [];
  const entries = frame.messages as Array<Record<string, unknown> & { id: string }>;
  return entries.map((entry) => ({ ...entry, v: frame.v, type: "deliver", ts: frame.ts }));
}

/** An acknowledgement the test sent, to be confirmed applied by the session's storage. */
export type SentAck =
  | { type: "deliver_ack"; messageId: string; accepted: boolean; attempt: number }
  | { type: "receipt_ack"; ackId: string };

/** Reads the session's storage to tell whether it has applied an acknowledgement yet. */
export type AckProbe = (ack: SentAck) => Promise<boolean>;

/**
 * The connector's end of a relay WebSocket, with helpers that wait for frames in order. Under
 * load workerd may hand the session a later frame before an earlier one, so a heartbeat round
 * trip alone does not prove an ack was applied: `sync()` also waits, through `probe`, until the
 * session's storage shows every ack sent since the last `sync()`.
 */
export class TestSocket {
  readonly received: ReceivedFrame[] = [];
  readonly closed: Promise<SocketClose>;
  #unread: ReceivedFrame[] = [];
  #waiters: Array<() => void> = [];
  #unconfirmed: SentAck[] = [];

  constructor(
    readonly ws: WebSocket,
    private readonly probe?: AckProbe,
  ) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as ReceivedFrame;
      this.received.push(frame);
      this.#unread.push(frame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        resolve({ code: event.code, reason: event.reason });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  /** The next unread frame of `type` (or of any of `type`); frames of other types before it stay unread. */
  async next(type: string | readonly string[]): Promise<ReceivedFrame> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    const types = typeof type === "string" ? [type] : type;
    for (;;) {
      const index = this.#unread.findIndex((frame) => types.includes(frame.type));
      if (index >= 0) return this.#unread.splice(index, 1)[0] as ReceivedFrame;
      if (Date.now() > deadline) throw new Error(`no ${type} frame arrived; unread: ${JSON.stringify(this.#unread)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }

  /** The next `count` unread frames of `type`, in arrival order. */
  async nextMany(type: string, count: number): Promise<ReceivedFrame[]> {
    const frames: ReceivedFrame[] = [];
    while (frames.length < count) frames.push(await this.next(type));
    return frames;
  }

  /**
   * The next `count` messages pushed, whether each came in a `deliver` or in a `deliver_batch`,
   * in arrival order; an entry of a batch is returned as the deliver frame it stands for.
   */
  async nextMessages(count: number): Promise<ReceivedFrame[]> {
    const messages: ReceivedFrame[] = [];
    while (messages.length < count) messages.push(...toMessages(await this.next(["deliver", "deliver_batch"])));
    return messages;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ v: 1, id: createUlid(), ts: new Date().toISOString(), ...frame }));
  }

  ack(messageId: string, accepted: boolean, reason?: string): void {
    this.send({ type: "deliver_ack", ackId: messageId, accepted, ...(reason ? { reason } : {}) });
    this.#expectApplied(messageId, accepted);
  }

  /** One `deliver_ack_batch`: the accepted ids, and the refused ones with their reasons. */
  ackBatch(accepted: readonly string[], refused: ReadonlyArray<{ ackId: string; reason: string }> = []): void {
    this.send({ type: "deliver_ack_batch", accepted, refused });
    for (const messageId of accepted) this.#expectApplied(messageId, true);
    for (const { ackId } of refused) this.#expectApplied(ackId, false);
  }

  ackReceiptBatch(ackIds: readonly string[]): void {
    this.send({ type: "receipt_ack_batch", ackIds });
    for (const ackId of ackIds) this.#unconfirmed.push({ type: "receipt_ack", ackId });
  }

  #expectApplied(messageId: string, accepted: boolean): void {
    const attempt = this.received.flatMap(toMessages).filter((frame) => frame.id === messageId).length;
    this.#unconfirmed.push({ type: "deliver_ack", messageId, accepted, attempt });
  }

  ackReceipt(receiptFrameId: string): void {
    this.send({ type: "receipt_ack", ackId: receiptFrameId });
    this.#unconfirmed.push({ type: "receipt_ack", ackId: receiptFrameId });
  }

  /**
   * Round-trips a heartbeat, then waits until the session applied every ack sent since the last
   * call. It is no barrier for frames the session sends: those may arrive after the heartbeat
   * ack, so "nothing was pushed" is read from the session's storage (`proxy.messageStates`),
   * never from an empty socket.
   */
  async sync(): Promise<void> {
    const id = createUlid();
    this.send({ type: "heartbeat", id });
    for (;;) {
      const ack = await this.next("heartbeat_ack");
      if (ack.ackId === id) break;
    }
    const probe = this.probe;
    if (!probe) return;
    for (const sent of this.#unconfirmed.splice(0)) {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (!(await probe(sent))) {
        if (Date.now() > deadline) throw new Error(`the session never applied ${JSON.stringify(sent)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  close(): void {
    this.ws.close(1000, "test done");
  }
}
