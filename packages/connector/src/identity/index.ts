export { type ConnectorIdentity, createConnectorIdentity } from "./connector-identity";
export { type Credentials, IdentityError, toCredentials, toRenewAt } from "./credentials";
export type { HaltRecord, IdentityGate, IdentityHalt, IdentityKeeper, IdentityRefusal } from "./identity-keeper";
export { type RenewalAnswer, type RenewalRequest, requestRenewal } from "./renewal-client";
