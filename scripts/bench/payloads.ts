/** `count` JSON payloads of about `bytes` bytes each, numbered so none is the same as another. */
export function createPayloads(count: number, bytes: number): Array<{ n: number; text: string }> {
  const overhead = JSON.stringify({ n: count, text: "" }).length;
  const text = "x".repeat(Math.max(0, bytes - overhead));
  return Array.from({ length: count }, (_, n) => ({ n, text }));
}
