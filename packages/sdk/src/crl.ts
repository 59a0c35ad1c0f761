import { CRL_TYPE, type CrlClaims, crlClaimsSchema } from "@clawdentity/protocol";
import { createSignedDocument } from "./jws";

const crl = createSignedDocument<CrlClaims>(CRL_TYPE, crlClaimsSchema, "CRL");

export const signCrl = crl.sign;
export const verifyCrl = crl.verify;
