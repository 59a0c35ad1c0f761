export { API_TIMEOUT_MS, type ApiCallOptions, type CallApiInput, callApi, createApiCaller, toApiUrl } from "./call-api";
export { type ConnectorClient, createConnectorClient, type DeadLetterFilter } from "./connector-client";
export { type AgentProxyClient, createAgentProxyClient, createProxyHealthCheck } from "./proxy-client";
export { createRegistryClient, type RegistryClient, type RegistryClientOptions } from "./registry-client";
