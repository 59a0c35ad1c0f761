/**
 * The claims of the agent's own AIT, read without verifying (the CLI only shows them; every
 * verifier checks the signature). Null when the token is not a readable AIT.
 */
export { decodeAitClaims as toAitClaims } from "@clawdentity/sdk";
