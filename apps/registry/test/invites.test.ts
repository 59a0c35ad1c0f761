import {
  createdInviteResponseSchema,
  inviteListResponseSchema,
  type OwnerSessionResponse,
  ownerSessionResponseSchema,
} from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { bootstrapAdmin, createMember, createTestRegistry, expectError } from "./helpers";

describe("invites", () => {
  const registry = createTestRegistry();
  let admin: OwnerSessionResponse;

  beforeAll(async () => {
    admin = await bootstrapAdmin(registry);
  });

  const createInvite = async (body: unknown = {}) =>
    createdInviteResponseSchema.parse((await registry.call("POST", "/v1/invites", { token: admin.secret, body })).body);
  const redeem = (body: unknown) => registry.call("POST", "/v1/invites/redeem", { body });

  it("lets an admin invite an owner who redeems it for a token", async () => {
    const { invite, code } = await createInvite({ note: "for Ada", expiresInDays: 2 });
    expect(invite).toMatchObject({ role: "member", note: "for Ada", createdByDid: admin.owner.did, redeemedAt: null });
    expect(Date.parse(invite.expiresAt) - Date.parse(invite.createdAt)).toBe(2 * 86_400_000);

    const response = await redeem({ code, displayName: "Ada", tokenName: "ada-laptop" });
    expect(response.status).toBe(201);
    const session = ownerSessionResponseSchema.parse(response.body);
    expect(session.owner).toMatchObject({ displayName: "Ada", role: "member" });
    expect(session.token.name).toBe("ada-laptop");
    expect((await registry.call("GET", "/v1/me", { token: session.secret })).status).toBe(200);

    const list = inviteListResponseSchema.parse(
      (await registry.call("GET", "/v1/invites", { token: admin.secret })).body,
    );
    expect(list.invites.find((entry) => entry.id === invite.id)).toMatchObject({ redeemedByDid: session.owner.did });
  });

  it("refuses a second redemption, also when two race", async () => {
    const { code } = await createInvite();
    const [first, second] = await Promise.all([redeem({ code }), redeem({ code })]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const again = await redeem({ code });
    expectError(again, 409, "REGISTRY_INVITE_USED");
  });

  it("refuses an expired invite", async () => {
    const { code } = await createInvite({ expiresInDays: 1 });
    registry.clock.advance(86_400_000);
    const response = await redeem({ code });
    expectError(response, 410, "REGISTRY_INVITE_EXPIRED");
  });

  it("refuses unknown, forged and malformed codes alike", async () => {
    const { code } = await createInvite();
    const forged = `${code.slice(0, -4)}AAAA`;
    for (const candidate of [forged, "clw_inv_nope", "hello", code.replace("clw_inv_", "clw_pat_")]) {
      const response = await redeem({ code: candidate });
      expect(response.status, candidate).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_INVITE_INVALID" } });
    }
    expect((await redeem({})).status).toBe(400);
    expect((await redeem({ code })).status).toBe(201);
  });

  it("keeps invites to admins", async () => {
    const member = await createMember(registry, admin);
    const create = await registry.call("POST", "/v1/invites", { token: member.secret, body: {} });
    expectError(create, 403, "REGISTRY_FORBIDDEN");
    expect((await registry.call("GET", "/v1/invites", { token: member.secret })).status).toBe(403);
    expect((await registry.call("POST", "/v1/invites", { body: {} })).status).toBe(401);
  });

  it("can invite another admin", async () => {
    const { code } = await createInvite({ role: "admin" });
    const session = ownerSessionResponseSchema.parse((await redeem({ code })).body);
    expect(session.owner.role).toBe("admin");
    expect((await registry.call("POST", "/v1/invites", { token: session.secret, body: {} })).status).toBe(201);
  });

  it("validates invite requests", async () => {
    for (const body of [{ role: "owner" }, { expiresInDays: 0 }, { expiresInDays: 31 }, { note: "" }]) {
      const response = await registry.call("POST", "/v1/invites", { token: admin.secret, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_VALIDATION_FAILED" } });
    }
  });
});
