/**
 * SHA-256 and Ed25519 signing as one runtime does them. Web Crypto's (asynchronous, a trip off the
 * calling thread per call) unless the caller passes its own: a Node process signing every request
 * passes synchronous ones.
 */
export interface SigningPrimitives {
  sha256(data: Uint8Array<ArrayBuffer>): Uint8Array | Promise<Uint8Array>;
  signEd25519(privateKey: CryptoKey, data: Uint8Array<ArrayBuffer>): Uint8Array | Promise<Uint8Array>;
}

export const ED25519 = { name: "Ed25519" } as const;

export const webCryptoSigning: SigningPrimitives = {
  sha256: async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
  signEd25519: async (privateKey, data) => new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, data)),
};
