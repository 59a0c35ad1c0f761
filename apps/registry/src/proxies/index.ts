export { attestHome } from "./attest-home";
export { findProxyRecord, listProxyRecords, registerProxy, revokeProxy } from "./register-proxy";
