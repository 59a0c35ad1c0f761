import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeliverFrame, Priority } from "@clawdentity/protocol";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAgentHome, createGroupCommit, createLocalApiToken } from "../src";
import {
  type ChildConnector,
  createDeliverFrame,
  createTestIdentities,
  framesOfType,
  settle,
  spawnConnector,
  startFakeProxy,
  startFakeWebhook,
  useConnectorRig,
  useTempStorage,
} from "./helpers";

const rig = useConnectorRig();
const openStorage = useTempStorage("group-commit");
const WAIT = { timeout: 30_000, interval: 50 };

const framesFor = (to: string, priorities: Priority[]): DeliverFrame[] =>
  priorities.map((priority, index) =>
    createDeliverFrame({ from: rig.ids.peer.agentDid, to, priority, payload: { index } }),
  );

/** The inbox's message ids in the order they were stored. */
function storedOrder(dbPath: string): string[] {
  const reader = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (reader.prepare("SELECT message_id FROM inbox ORDER BY seq").all() as Array<{ message_id: string }>).map(
      (row) => row.message_id,
    );
  } finally {
    reader.close();
  }
}

describe("deliver frames stored together (group commit)", () => {
  it("a batch mixing priorities is stored and acked in the order the relay sent it, every message delivered once", async () => {
    const committedAtAck: boolean[] = [];
    await rig.setup({
      onFrame: (frame) => {
        // Runs the instant an ack arrives: its message must already be committed, seen from another connection.
        if (frame.type === "deliver_ack") {
          committedAtAck.push(storedOrder(`${rig.node.dir}/connector.db`).includes(frame.ackId));
        }
      },
    });
    const frames = framesFor(rig.ids.agent.agentDid, [
      "critical",
      "critical",
      "normal",
      "normal",
      "normal",
      "low",
      "low",
    ]);
    rig.proxy.deliverLikeRelay(frames);
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(frames.length), WAIT);
    const ids = frames.map((frame) => frame.id);
    expect(storedOrder(`${rig.node.dir}/connector.db`)).toEqual(ids);
    const acks = framesOfType(rig.proxy.frames, "deliver_ack");
    expect(acks.map((ack) => ack.ackId)).toEqual(ids);
    expect(acks.every((ack) => ack.accepted)).toBe(true);
    expect(committedAtAck).toEqual(frames.map(() => true));
    expect(
      rig.webhook
        .deliveries()
        .map((call) => call.body.messageId)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it("one bad message does not sink the others: each is refused alone, the rest stored, acked and delivered", async () => {
    await rig.setup();
    const good = framesFor(rig.ids.agent.agentDid, ["normal", "normal", "normal"]);
    const misaddressed = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.peer.agentDid });
    const unstorable = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    // This one message's insert fails (its savepoint rolls back); the transaction around it commits.
    const inbox = rig.node.started.storage.inbox;
    const accept = inbox.accept.bind(inbox);
    inbox.accept = (message, options) => {
      if (message.messageId === unstorable.id) throw new Error("disk I/O error");
      return accept(message, options);
    };
    const batch = [good[0], misaddressed, good[1], unstorable, good[2]] as DeliverFrame[];
    for (const frame of batch) rig.proxy.sendFrame(frame);

    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(batch.length), WAIT);
    const acks = new Map(framesOfType(rig.proxy.frames, "deliver_ack").map((ack) => [ack.ackId, ack]));
    for (const frame of good) expect(acks.get(frame.id)).toMatchObject({ accepted: true });
    expect(acks.get(misaddressed.id)).toMatchObject({ accepted: false, reason: "wrong_recipient" });
    expect(acks.get(unstorable.id)).toMatchObject({ accepted: false, reason: "storage_unavailable" });
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(good.length), WAIT);
    expect(storedOrder(`${rig.node.dir}/connector.db`)).toEqual(good.map((frame) => frame.id));
  });
});

describe("a crash between a batch's commit and its acks (kill -9)", () => {
  const children: ChildConnector[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill9();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it.each([
    ["one deliver_ack per message", false],
    ["one deliver_ack_batch from a deliver_batch", true],
  ])(
    "loses nothing and delivers nothing twice (%s): the relay's redelivery is acked as a duplicate",
    async (_label, batch) => {
      const ids = await createTestIdentities();
      let crashed: Promise<void> | undefined;
      let first: ChildConnector | undefined;
      const proxy = await startFakeProxy({
        keys: ids.keys,
        batch,
        onFrame: (frame) => {
          // The batch is committed when its first ack is sent: no ack of that socket counts, and the
          // process dies as a crash would, before the relay took any of them.
          if ((frame.type !== "deliver_ack" && frame.type !== "deliver_ack_batch") || crashed) return;
          proxy.loseAcksOfOpenSockets();
          crashed = first?.kill9().then(() => undefined);
        },
      });
      const webhook = await startFakeWebhook();
      const home = mkdtempSync(join(tmpdir(), "connector-group-commit-"));
      cleanups.push(
        () => proxy.close(),
        () => webhook.close(),
        () => rmSync(home, { recursive: true, force: true }),
      );
      const token = createLocalApiToken();
      createAgentHome({
        home,
        agentName: "alice",
        identity: ids.agent,
        proxyUrl: proxy.url,
        deliveryWebhookUrl: webhook.url,
        localApiToken: token,
        tuning: { maxIdleMs: 50, reconnectBaseMs: 100, reconnectMaxMs: 500 },
      });
      webhook.respond(() => "hold");
      first = await spawnConnector({ home, agentName: "alice", token });
      children.push(first);
      await vi.waitFor(() => expect(proxy.openSockets()).toBe(1), WAIT);
      await vi.waitFor(() => expect(framesOfType(proxy.frames, "hello")).toHaveLength(1), WAIT);
      const frames = Array.from({ length: 12 }, (_, index) =>
        createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid, payload: { index } }),
      );
      proxy.deliverLikeRelay(frames);
      await vi.waitFor(() => expect(crashed).toBeDefined(), WAIT);
      await crashed;

      webhook.respond(() => 200);
      const second = await spawnConnector({ home, agentName: "alice", token });
      children.push(second);
      await vi.waitFor(
        () => expect(webhook.deliveries().filter((call) => call.answered === 200)).toHaveLength(frames.length),
        WAIT,
      );
      await settle(300);
      const delivered = webhook
        .deliveries()
        .filter((call) => call.answered === 200)
        .map((call) => call.body.messageId);
      expect(new Set(delivered).size).toBe(frames.length);
      expect(delivered.sort()).toEqual(frames.map((frame) => frame.id).sort());
      expect(storedOrder(join(home, "agents", "alice", "connector.db"))).toEqual(frames.map((frame) => frame.id));
      const batchAcks = framesOfType(proxy.frames, "deliver_ack_batch");
      expect(batchAcks.length > 0).toBe(batch);
      expect(await second.stop()).toBe(0);
    },
  );
});

describe("writes asked for together share one commit (outbound submits)", () => {
  it("one transaction for a turn's writes; the one that throws is rolled back and rejected alone", async () => {
    const storage = openStorage();
    const commits: number[] = [];
    const commitSoon = createGroupCommit({
      commitEach: (writes) => {
        commits.push(writes.length);
        return storage.commitEach(writes);
      },
      commitEachWithoutFsync: () => {
        throw new Error("a durable group commit waits for the disk");
      },
    });
    const insert = (key: string) => () => {
      storage.idempotency.insert({ key, messageId: key, correlationId: key, requestHash: "h", now: 1 });
      return key;
    };
    const results = await Promise.allSettled([
      commitSoon(insert("first")),
      commitSoon(() => {
        insert("doomed")();
        throw new Error("refused");
      }),
      commitSoon(insert("second")),
    ]);
    expect(commits).toEqual([3]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(["first", "doomed", "second"].map((key) => storage.idempotency.find(key)?.messageId ?? null)).toEqual([
      "first",
      null,
      "second",
    ]);
    await commitSoon(insert("later"));
    expect(commits).toEqual([3, 1]);
  });

  it("settles without waiting for the disk when asked, and still one commit per turn", async () => {
    const storage = openStorage();
    const commits: number[] = [];
    const settleSoon = createGroupCommit(
      {
        commitEach: () => {
          throw new Error("a settle does not wait for the disk");
        },
        commitEachWithoutFsync: (writes) => {
          commits.push(writes.length);
          return storage.commitEachWithoutFsync(writes);
        },
      },
      { fsync: false },
    );
    // SQLite's level inside each write: 1 is NORMAL (no fsync at commit), 2 is FULL.
    const levelDuring = () => storage.db.pragma("synchronous", { simple: true });
    const levels = await Promise.all([settleSoon(levelDuring), settleSoon(levelDuring), settleSoon(levelDuring)]);
    expect(commits).toEqual([3]);
    expect(levels).toEqual([1, 1, 1]);
    expect(storage.db.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("a group whose commit cannot begin fails every write in it, and the next group commits", async () => {
    const storage = openStorage();
    let broken = true;
    const settleSoon = createGroupCommit(
      {
        commitEach: storage.commitEach,
        commitEachWithoutFsync: (writes) => {
          if (broken) throw new Error("database is not open");
          return storage.commitEachWithoutFsync(writes);
        },
      },
      { fsync: false },
    );
    const results = await Promise.allSettled([settleSoon(() => 1), settleSoon(() => 2)]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    broken = false;
    await expect(settleSoon(() => 3)).resolves.toBe(3);
  });
});
