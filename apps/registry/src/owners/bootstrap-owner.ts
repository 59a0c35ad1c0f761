import type { BootstrapRequest, OwnerSessionResponse } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import { isSecretTokenMatch, toSecretHash } from "../auth";
import type { RegistryContext } from "../context";
import { NO_OWNER_YET, toChangedRows } from "../db";
import { createOwnerSession } from "./owner-session";

/** Creates the first admin; the secret is checked before anything about the registry's state is revealed. */
export async function bootstrapOwner(
  context: RegistryContext,
  input: { secret: string | undefined; request: BootstrapRequest },
): Promise<OwnerSessionResponse> {
  const { config, db, clock } = context;
  if (config.bootstrapSecret === null) {
    throw new AppError("REGISTRY_BOOTSTRAP_DISABLED", 403, "bootstrap is disabled: BOOTSTRAP_SECRET is not set");
  }
  if (!input.secret || !(await isSecretTokenMatch(input.secret, await toSecretHash(config.bootstrapSecret)))) {
    throw new AppError("REGISTRY_BOOTSTRAP_SECRET_INVALID", 401, "x-bootstrap-secret is missing or wrong");
  }
  const session = await createOwnerSession(db, {
    didAuthority: config.didAuthority,
    role: "admin",
    displayName: input.request.displayName ?? "admin",
    tokenName: input.request.tokenName ?? "bootstrap",
    nowMs: clock.nowMs(),
    guard: NO_OWNER_YET,
  });
  const [ownerInsert] = await db.batch(session.statements);
  if (toChangedRows(ownerInsert) === 0) {
    throw new AppError("REGISTRY_BOOTSTRAP_ALREADY_DONE", 409, "the registry already has owners");
  }
  return session.toResponse();
}
