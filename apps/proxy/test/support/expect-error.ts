import { errorEnvelopeSchema } from "@clawdentity/protocol";
import { expect } from "vitest";

/** Asserts a PROTOCOL.md §7 error: status, code, envelope shape and the request id echoed in the header. */
export async function expectError(response: Response, status: number, code: string) {
  const body = errorEnvelopeSchema.parse(await response.json());
  expect({ status: response.status, code: body.error.code }).toEqual({ status, code });
  expect(response.headers.get("x-request-id")).toBe(body.error.requestId);
  return body.error;
}
