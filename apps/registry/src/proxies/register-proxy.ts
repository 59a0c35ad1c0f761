import type { ProxyListResponse, ProxyResponse, RegisterProxyRequest } from "@clawdentity/protocol";
import { toProxyKid } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryContext } from "../context";
import { findProxy, insertProxy, listProxies, type OwnerRow, revokeProxyRow, toProxyRecord } from "../db";

const notFound = () => new AppError("REGISTRY_PROXY_NOT_FOUND", 404, "no proxy key with that kid");

/** An operator registers one proxy key; its kid is the key's own thumbprint (PROTOCOL.md §11.1). */
export async function registerProxy(
  context: RegistryContext,
  input: { creator: OwnerRow; request: RegisterProxyRequest },
): Promise<ProxyResponse> {
  const { db, clock } = context;
  const row = {
    kid: await toProxyKid(input.request.publicKey),
    origin: input.request.origin,
    public_key: input.request.publicKey,
    status: "active" as const,
    created_by_owner_id: input.creator.id,
    created_at: clock.nowMs(),
    revoked_at: null,
  };
  if (!(await insertProxy(db, row))) {
    throw new AppError("REGISTRY_PROXY_KEY_IN_USE", 409, "that proxy key is or was registered");
  }
  return { proxy: toProxyRecord(row) };
}

export async function findProxyRecord(context: RegistryContext, kid: string): Promise<ProxyResponse> {
  const row = await findProxy(context.db, kid);
  if (!row) throw notFound();
  return { proxy: toProxyRecord(row) };
}

export async function listProxyRecords(context: RegistryContext): Promise<ProxyListResponse> {
  return { proxies: (await listProxies(context.db)).map(toProxyRecord) };
}

/** Idempotent; from now on the registry refuses the key, and proxies within their cache bound (60 s). */
export async function revokeProxy(context: RegistryContext, kid: string): Promise<ProxyResponse> {
  const { db, clock } = context;
  if (!(await findProxy(db, kid))) throw notFound();
  await revokeProxyRow(db, { kid, nowMs: clock.nowMs() });
  return findProxyRecord(context, kid);
}
