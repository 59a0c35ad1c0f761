import type { IncomingMessage } from "node:http";
import { findJsonStructureProblem } from "@clawdentity/protocol";
import { toErrorCode } from "../http";

/** The proxy's answer to a refused WebSocket upgrade. */
export interface UpgradeRefusal {
  status: number;
  /** The PROTOCOL.md §7 error code, when the body was one. */
  code: string | undefined;
  /** `details.reason` of a revocation, when given. */
  reason: string | null;
}

/** An error envelope is small; anything longer is not read on. */
const MAX_BODY_BYTES = 16 * 1024;

/** Reads a refused upgrade's status and error code; never rejects. */
export function readUpgradeRefusal(response: IncomingMessage): Promise<UpgradeRefusal> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      const text = length <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString() : "";
      let json: unknown = null;
      try {
        if (text && !findJsonStructureProblem(text)) json = JSON.parse(text);
      } catch {}
      const reason = (json as { error?: { details?: { reason?: unknown } } } | null)?.error?.details?.reason;
      resolve({
        status: response.statusCode ?? 0,
        code: toErrorCode(json),
        reason: typeof reason === "string" ? reason : null,
      });
    };
    response.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
      else response.destroy();
    });
    response.on("end", finish);
    response.on("close", finish);
    response.on("error", finish);
  });
}
