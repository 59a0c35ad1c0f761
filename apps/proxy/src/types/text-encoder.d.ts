/**
 * The workers types type `TextEncoder.encode` as `Uint8Array<ArrayBufferLike>`; the runtime
 * returns a plain ArrayBuffer-backed array, which the shared sdk (typed against lib.dom) relies on.
 */
interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
