import { formatDid, JSON_STRUCTURE_LIMITS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES, readRelayFrame } from "./frame-reader";

const did = formatDid({ authority: "registry.example", entity: "agent", id: createUlid() });
const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const read = (text: string) => readRelayFrame(Buffer.from(text));

/** A deliver frame's text in the relay's member order, with `payload` spliced in as given. */
function deliverText(payload: string, head = '"v":1,"type":"deliver","id":"ID"'): { id: string; text: string } {
  const id = createUlid();
  const members = `${head.replace("ID", id)},"ts":"2026-01-01T00:00:00.000Z","fromAgentDid":"${did}","toAgentDid":"${did}"`;
  return { id, text: `{${members},"payload":${payload},"messageId":"${id}"}` };
}

describe("readRelayFrame", () => {
  it("parses a frame whose payload is at the limits", () => {
    const reading = read(deliverText(nested(JSON_STRUCTURE_LIMITS.maxDepth)).text);
    expect(reading).toMatchObject({ ok: true, frame: { type: "deliver" } });
  });

  it("leaves a frame past the limits unparsed and reads its id from the members before the payload", () => {
    const { id, text } = deliverText(nested(JSON_STRUCTURE_LIMITS.maxDepth + 1));
    expect(read(text)).toEqual({ ok: false, reason: "too_complex", error: expect.any(String), deliverId: id });
    const spaced = deliverText(nested(10_000), ' "v" : 1 ,\n "id" : "ID" , "type" : "deliver"');
    expect(read(spaced.text)).toMatchObject({ reason: "too_complex", deliverId: spaced.id });
  });

  it("reads the id of a frame past the size bound from its first bytes", () => {
    const { id, text } = deliverText(JSON.stringify("x".repeat(MAX_FRAME_BYTES)));
    expect(read(text)).toMatchObject({ ok: false, reason: "too_large", deliverId: id });
  });

  it("names no id unless the opening members say deliver and give one ULID id", () => {
    const deep = nested(10_000);
    const heads = [
      '"v":1,"type":"receipt","id":"ID"',
      '"v":1,"id":"ID"',
      '"v":1,"type":"deliver","id":"not-a-ulid"',
      '"v":1,"type":"deliver","id":"ID","id":"ID"',
      '"v":1,"note":"a\\"b","type":"deliver","id":"ID"',
      '"v":1,"payload":[1],"type":"deliver","id":"ID"',
    ];
    for (const head of heads) {
      const reading = read(deliverText(deep, head).text);
      expect(reading).toMatchObject({ ok: false, reason: "too_complex" });
      expect(reading).not.toHaveProperty("deliverId");
    }
    expect(read(`[${deep}]`)).not.toHaveProperty("deliverId");
  });

  it("bounds a deliver_batch by one payload's limits over all its entries, each two levels deeper", () => {
    const entry = (payload: string) => {
      const id = createUlid();
      return `{"id":"${id}","fromAgentDid":"${did}","toAgentDid":"${did}","payload":${payload},"messageId":"${id}"}`;
    };
    const batch = (entries: string[]) =>
      `{"v":1,"type":"deliver_batch","id":"${createUlid()}","ts":"2026-01-01T00:00:00.000Z","messages":[${entries.join(",")}]}`;
    const deepest = nested(JSON_STRUCTURE_LIMITS.maxDepth);
    const reading = read(batch([entry(deepest), entry(deepest)]));
    expect(reading).toMatchObject({ ok: true, frame: { type: "deliver_batch", messages: [{}, {}] } });
    const manyValues = `[${Array(JSON_STRUCTURE_LIMITS.maxValues / 2)
      .fill(1)
      .join(",")}]`;
    expect(read(batch([entry(manyValues), entry(manyValues)]))).toMatchObject({ ok: true });
    expect(read(batch([entry(manyValues), entry(manyValues), entry(manyValues)]))).toMatchObject({
      ok: false,
      reason: "too_complex",
    });
    const tooDeep = read(batch([entry(nested(JSON_STRUCTURE_LIMITS.maxDepth + 1))]));
    expect(tooDeep).toMatchObject({ ok: false, reason: "too_complex" });
    expect(tooDeep).not.toHaveProperty("deliverId");
  });

  it("reports text that is not a frame as malformed", () => {
    expect(read("{not json")).toMatchObject({ ok: false, reason: "malformed" });
    expect(read('{"v":1,"type":"nonsense"}')).toMatchObject({ ok: false, reason: "malformed" });
  });
});
