import { EVENT_TYPES, type OwnerSessionResponse } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { bootstrapAdmin, createTestRegistry, createVerifier, expectError, registerAgent } from "./helpers";

describe("event feed (PROTOCOL.md §11.5)", () => {
  const registry = createTestRegistry();
  const verifier = createVerifier(registry);
  let admin: OwnerSessionResponse;

  beforeAll(async () => {
    admin = await bootstrapAdmin(registry);
  });

  it("pages the registry's events in commit order, signed with its keys", async () => {
    const agents = [];
    for (const name of ["one", "two", "three"]) {
      const registered = await registerAgent(registry, admin, { name });
      await registry.call("DELETE", `/v1/agents/${registered.agent.id}`, { token: admin.secret });
      agents.push(registered.agent.did);
    }
    const all = await verifier.fetchEventFeed();
    expect(all.cursor).toBe("0");
    expect(all.hasMore).toBe(false);
    expect(all.events.map((event) => event.type)).toEqual(Array(3).fill(EVENT_TYPES.agentAuthRevoked));
    expect(all.events.map((event) => (event.data as { agentDid: string }).agentDid)).toEqual(agents);

    const first = await verifier.fetchEventFeed("?limit=2");
    expect(first.events).toEqual(all.events.slice(0, 2));
    expect(first.hasMore).toBe(true);
    const second = await verifier.fetchEventFeed(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.events).toEqual(all.events.slice(2));
    expect(second.hasMore).toBe(false);
    const caughtUp = await verifier.fetchEventFeed(`?cursor=${second.nextCursor}`);
    expect(caughtUp).toMatchObject({ events: [], hasMore: false, nextCursor: second.nextCursor });
  });

  it("bounds the page size it serves", async () => {
    expectError(await registry.call("GET", "/v1/events?limit=101"), 400, "REGISTRY_VALIDATION_FAILED");
    expectError(await registry.call("GET", "/v1/events?cursor=abc"), 400, "REGISTRY_VALIDATION_FAILED");
  });
});
