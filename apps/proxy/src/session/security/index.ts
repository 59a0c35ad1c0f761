export { type AdmissionPolicy, createAdmissionPolicy } from "./admission-policy";
export { createRevocationKeeper, type RevocationKeeper } from "./revocation-keeper";
export { createTrustKeeper, type TrustKeeper } from "./trust-keeper";
