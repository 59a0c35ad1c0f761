import type { NoticeWebhookBody } from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import type { ConnectorStorage } from "../storage";

export interface IdentityNoticeInput {
  agentDid: string;
  code: string;
  message: string;
  aitExpiresAt: number;
  errorCode?: string | null;
  retryAt?: number | null;
}

/** The `clawdentity.notice.v1` body of a notice about the agent's identity (PROTOCOL.md §9.3). */
export function toIdentityNoticeBody(input: IdentityNoticeInput & { noticeId: string; at: number }): NoticeWebhookBody {
  return {
    type: "clawdentity.notice.v1",
    noticeId: input.noticeId,
    agentDid: input.agentDid,
    code: input.code,
    message: input.message,
    at: toIsoTimestamp(input.at),
    aitExpiresAt: toIsoTimestamp(input.aitExpiresAt),
    ...(input.errorCode ? { errorCode: input.errorCode } : {}),
    ...(input.retryAt ? { retryAt: toIsoTimestamp(input.retryAt) } : {}),
  };
}

/**
 * Queues a notice for the runtime with the receipt notices (same retries and limits); its own ULID
 * stands where a receipt has its messageId.
 */
export function enqueueIdentityNotice(
  storage: ConnectorStorage,
  input: IdentityNoticeInput & { now: number; ttlMs: number },
): void {
  const noticeId = createUlid(input.now);
  storage.runtimeNotifications.enqueue({
    messageId: noticeId,
    body: toIdentityNoticeBody({ ...input, noticeId, at: input.now }),
    now: input.now,
    ttlMs: input.ttlMs,
  });
}
