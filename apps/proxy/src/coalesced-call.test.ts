import { describe, expect, it, vi } from "vitest";
import { createCoalescedCall, WAITING_CHECK_MS } from "./coalesced-call";

interface Call {
  key: string;
  items: string[];
  answer(results?: string[]): void;
  fail(error: Error): void;
}

/** A coalesced call whose calls are recorded and answered when the test says. */
function createRecorded(
  options: { maxItems?: number; maxBytes?: number; waitMs?: number; callsPerLeader?: number } = {},
) {
  const calls: Call[] = [];
  const coalesced = createCoalescedCall<string, string>({
    call: (_env, key, items) =>
      new Promise<string[]>((resolve, reject) =>
        calls.push({
          key,
          items,
          answer: (results = items.map((item) => `${item}:ok`)) => resolve(results),
          fail: reject,
        }),
      ),
    maxItems: options.maxItems ?? 64,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes, weigh: (item) => item.length }),
    ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
    ...(options.callsPerLeader === undefined ? {} : { callsPerLeader: options.callsPerLeader }),
  });
  const env = {} as Env;
  const background: Array<Promise<unknown>> = [];
  const waitUntil = (work: Promise<unknown>) => void background.push(work);
  const submit = (key: string, items: string[]) => coalesced.submit(env, key, items, waitUntil);
  /** Lets the queued continuations (a call's answer, the next leader's turn) run. */
  const turns = async () => {
    for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
  };
  /** A request for `key` once the key is free: its call goes at once and is answered; its results. */
  const submitAnswered = async (key: string, items: string[]) => {
    const answer = submit(key, items);
    await turns();
    calls.at(-1)?.answer();
    return answer;
  };
  return { calls, submit, turns, background, submitAnswered };
}

describe("createCoalescedCall", () => {
  it("calls at once for a key nothing is on its way to", async () => {
    const recorded = createRecorded();
    const answer = recorded.submit("a", ["m1"]);
    await recorded.turns();
    expect(recorded.calls.map(({ key, items }) => ({ key, items }))).toEqual([{ key: "a", items: ["m1"] }]);
    recorded.calls[0]?.answer();
    expect(await answer).toEqual(["m1:ok"]);
  });

  it("sends what came while a call was on its way in one next call, in order, each request its own results", async () => {
    const recorded = createRecorded();
    const first = recorded.submit("a", ["m1"]);
    await recorded.turns();
    const second = recorded.submit("a", ["m2"]);
    const third = recorded.submit("a", ["m3", "m4"]);
    const other = recorded.submit("b", ["b1"]);
    await recorded.turns();
    // Another key does not wait for "a".
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["b1"]]);
    recorded.calls[0]?.answer();
    await recorded.turns();
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["b1"], ["m2", "m3", "m4"]]);
    recorded.calls[1]?.answer();
    recorded.calls[2]?.answer(["r2", "r3", "r4"]);
    expect(await first).toEqual(["m1:ok"]);
    expect(await second).toEqual(["r2"]);
    expect(await third).toEqual(["r3", "r4"]);
    expect(await other).toEqual(["b1:ok"]);
  });

  it("splits what waits by items and bytes, never a request's own items", async () => {
    const recorded = createRecorded({ maxItems: 3, maxBytes: 10 });
    const answers = [recorded.submit("a", ["m0"])];
    await recorded.turns();
    answers.push(
      recorded.submit("a", ["aa", "bb"]),
      recorded.submit("a", ["cc", "dd"]),
      recorded.submit("a", ["eeeeeeeeeeeeeeee"]),
      recorded.submit("a", ["f", "g", "h", "i"]),
    );
    for (let round = 0; round < 5; round += 1) {
      recorded.calls.at(-1)?.answer();
      await recorded.turns();
    }
    expect(recorded.calls.map((call) => call.items)).toEqual([
      ["m0"],
      ["aa", "bb"],
      ["cc", "dd"],
      ["eeeeeeeeeeeeeeee"],
      ["f", "g", "h", "i"],
    ]);
    await Promise.all(answers);
  });

  it("fails only the requests of a failed call; those behind it still go", async () => {
    const recorded = createRecorded();
    const first = recorded.submit("a", ["m1"]);
    await recorded.turns();
    const second = recorded.submit("a", ["m2"]);
    recorded.calls[0]?.fail(new Error("session unavailable"));
    await expect(first).rejects.toThrow("session unavailable");
    await recorded.turns();
    recorded.calls[1]?.answer();
    expect(await second).toEqual(["m2:ok"]);
  });

  it("fails a call whose results do not match its items", async () => {
    const recorded = createRecorded();
    const answer = recorded.submit("a", ["m1", "m2"]);
    await recorded.turns();
    recorded.calls[0]?.answer(["only one"]);
    await expect(answer).rejects.toThrow("1 results for 2 items");
  });

  it("frees the key once nothing waits: the next request calls at once", async () => {
    const recorded = createRecorded();
    const first = recorded.submit("a", ["m1"]);
    await recorded.turns();
    recorded.calls[0]?.answer();
    await first;
    await recorded.turns();
    expect(await recorded.submitAnswered("a", ["m2"])).toEqual(["m2:ok"]);
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"]]);
  });

  it("a call that never answers fails its request in time and frees the key", async () => {
    const recorded = createRecorded({ waitMs: 30 });
    const stuck = recorded.submit("a", ["m1"]);
    await expect(stuck).rejects.toThrow("30 ms");
    await expect(stuck).rejects.toMatchObject({ code: "PROXY_SESSION_UNAVAILABLE", status: 503 });
    // It led the call at once: the call's own time limit failed it and freed the key.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await recorded.submitAnswered("a", ["m2"])).toEqual(["m2:ok"]);
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"]]);
  });

  it("a request that gives up waiting leaves the key's queue and never makes a call", async () => {
    const recorded = createRecorded({ waitMs: 200, maxItems: 1 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const stuck = recorded.submit("a", ["m1"]);
    await sleep(50);
    // m2 makes the next call when m1's times out (t≈200 ms); that call never answers either (until t≈400 ms).
    const led = recorded.submit("a", ["m2"]);
    await sleep(50);
    // m3 waits behind m2's call and gives up at t≈300 ms, before it could make a call of its own.
    const gaveUp = recorded.submit("a", ["m3"]);
    await expect(stuck).rejects.toThrow("200 ms");
    await expect(led).rejects.toThrow("200 ms");
    await expect(gaveUp).rejects.toThrow("within 200 ms");
    await expect(gaveUp).rejects.toMatchObject({ code: "PROXY_SESSION_UNAVAILABLE", status: 503 });
    await sleep(150);
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"]]);
    expect(await recorded.submitAnswered("a", ["m4"])).toEqual(["m4:ok"]);
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"], ["m4"]]);
  });

  it("a request that leads at once holds only its call's timer; one that waits holds its own", async () => {
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      const recorded = createRecorded();
      const first = recorded.submit("a", ["m1"]);
      await recorded.turns();
      expect(timers).toHaveBeenCalledTimes(1);
      const second = recorded.submit("a", ["m2"]);
      expect(timers).toHaveBeenCalledTimes(2);
      recorded.calls[0]?.answer();
      await recorded.turns();
      // The call m2 leads once m1's is done.
      expect(timers).toHaveBeenCalledTimes(3);
      recorded.calls[1]?.answer();
      expect(await first).toEqual(["m1:ok"]);
      expect(await second).toEqual(["m2:ok"]);
    } finally {
      timers.mockRestore();
    }
  });

  it("keeps every request's context alive until its outcome, the leader's until its call is done", async () => {
    const recorded = createRecorded();
    const first = recorded.submit("a", ["m1"]);
    const second = recorded.submit("a", ["m2"]);
    await recorded.turns();
    expect(recorded.calls.map((call) => call.items)).toEqual([["m1", "m2"]]);
    // One for each request's outcome, one for the call its leader made.
    expect(recorded.background).toHaveLength(3);
    recorded.calls[0]?.answer();
    await Promise.all([first, second, ...recorded.background]);
  });
  it("a waiting request takes its results from a timer of its own, never from the leader's promises", async () => {
    vi.useFakeTimers();
    try {
      const recorded = createRecorded();
      const settled: string[] = [];
      const first = recorded.submit("a", ["m1"]).then((results) => settled.push(...results));
      await recorded.turns();
      const second = recorded.submit("a", ["m2"]).then((results) => settled.push(...results));
      recorded.calls[0]?.answer();
      await recorded.turns();
      // The leader's own results come with its call; it makes the next call, for m2, at once.
      expect(settled).toEqual(["m1:ok"]);
      expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"]]);
      recorded.calls[1]?.answer();
      await recorded.turns();
      // m2's results are written, but m2 reads them only when its own timer fires.
      expect(settled).toEqual(["m1:ok"]);
      await vi.advanceTimersByTimeAsync(WAITING_CHECK_MS);
      expect(settled).toEqual(["m1:ok", "m2:ok"]);
      await Promise.all([first, second]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a leader stops after its calls in a row; a waiting request leads from its own timer", async () => {
    vi.useFakeTimers();
    try {
      const recorded = createRecorded({ maxItems: 1, callsPerLeader: 2 });
      const answers = [recorded.submit("a", ["m1"])];
      await recorded.turns();
      answers.push(recorded.submit("a", ["m2"]), recorded.submit("a", ["m3"]));
      recorded.calls[0]?.answer();
      await recorded.turns();
      recorded.calls[1]?.answer();
      await recorded.turns();
      // m1 made two calls and stopped; m3 waits with no leader until its own timer looks.
      expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"]]);
      await vi.advanceTimersByTimeAsync(WAITING_CHECK_MS);
      expect(recorded.calls.map((call) => call.items)).toEqual([["m1"], ["m2"], ["m3"]]);
      recorded.calls[2]?.answer();
      await vi.advanceTimersByTimeAsync(WAITING_CHECK_MS);
      expect(await Promise.all(answers)).toEqual([["m1:ok"], ["m2:ok"], ["m3:ok"]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
