export * from "./agent-store";
export * from "./challenge-store";
export * from "./guarded-insert";
export * from "./invite-store";
export * from "./nonce-store";
export * from "./owner-store";
export * from "./revocation-store";
export * from "./token-store";
