import {
  type AgentRegistrationRequest,
  type AgentRenewalPolicyRequest,
  agentChallengeResponseSchema,
  agentListResponseSchema,
  agentResponseSchema,
  agentWithAitResponseSchema,
  BOOTSTRAP_SECRET_HEADER,
  type BootstrapRequest,
  type CreateInviteRequest,
  createdInviteResponseSchema,
  healthResponseSchema,
  inviteListResponseSchema,
  meResponseSchema,
  ownerSessionResponseSchema,
  REGISTRY_PATHS,
  type RedeemInviteRequest,
  type ReissueAgentRequest,
  resolveAgentResponseSchema,
} from "@clawdentity/protocol";
import { CliError } from "../cli-error";
import { createApiCaller } from "./call-api";

export interface RegistryClientOptions {
  fetch: typeof fetch;
  registryUrl: string;
  /** The owner's personal access token; only the owner routes need it. */
  token?: string;
}

export type RegistryClient = ReturnType<typeof createRegistryClient>;

/** Typed calls to the registry's routes (apps/registry/README.md). */
export function createRegistryClient(options: RegistryClientOptions) {
  const call = createApiCaller({ fetch: options.fetch, service: "registry", baseUrl: options.registryUrl });
  const owner = () => {
    if (!options.token)
      throw new CliError({ code: "CLI_TOKEN_REQUIRED", message: "this command needs an owner token" });
    return { authorization: `Bearer ${options.token}` };
  };
  const agentPath = (id: string) => `${REGISTRY_PATHS.agents}/${encodeURIComponent(id)}`;

  return {
    health: () => call("GET", REGISTRY_PATHS.health, healthResponseSchema),
    bootstrap: (secret: string, body: BootstrapRequest) =>
      call("POST", REGISTRY_PATHS.bootstrap, ownerSessionResponseSchema, {
        body,
        headers: { [BOOTSTRAP_SECRET_HEADER]: secret },
      }),
    me: () => call("GET", REGISTRY_PATHS.me, meResponseSchema, { headers: owner() }),
    createInvite: (body: CreateInviteRequest) =>
      call("POST", REGISTRY_PATHS.invites, createdInviteResponseSchema, { body, headers: owner() }),
    listInvites: () => call("GET", REGISTRY_PATHS.invites, inviteListResponseSchema, { headers: owner() }),
    redeemInvite: (body: RedeemInviteRequest) =>
      call("POST", REGISTRY_PATHS.inviteRedeem, ownerSessionResponseSchema, { body }),
    createChallenge: (publicKey: string) =>
      call("POST", REGISTRY_PATHS.agentChallenge, agentChallengeResponseSchema, {
        body: { publicKey },
        headers: owner(),
      }),
    registerAgent: (body: AgentRegistrationRequest) =>
      call("POST", REGISTRY_PATHS.agents, agentWithAitResponseSchema, { body, headers: owner() }),
    listAgents: (query: { limit?: number; cursor?: string; status?: string }) =>
      call("GET", REGISTRY_PATHS.agents, agentListResponseSchema, { headers: owner(), query }),
    resolveAgent: (id: string) =>
      call("GET", `${REGISTRY_PATHS.resolve}/${encodeURIComponent(id)}`, resolveAgentResponseSchema),
    reissueAgent: (id: string, body: ReissueAgentRequest) =>
      call("POST", `${agentPath(id)}/reissue`, agentWithAitResponseSchema, { body, headers: owner() }),
    revokeAgent: (id: string) => call("DELETE", agentPath(id), agentResponseSchema, { headers: owner() }),
    setRenewalPolicy: (id: string, body: AgentRenewalPolicyRequest) =>
      call("PATCH", `${agentPath(id)}/renewal`, agentResponseSchema, { body, headers: owner() }),
  };
}
