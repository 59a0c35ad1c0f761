/**
 * The generated Workers types give `TextEncoder.encode` a `Uint8Array<ArrayBufferLike>`; workerd
 * returns an ArrayBuffer-backed array, which the sdk (typed against lib.dom) relies on. This
 * overload wins because tsconfig includes `worker-configuration.d.ts` before `src`.
 */
interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
