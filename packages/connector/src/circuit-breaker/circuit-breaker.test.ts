import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "./circuit-breaker";

function setup() {
  let now = 1_000_000;
  const changes: string[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold: 5,
    openMs: 30_000,
    clock: { nowMs: () => now },
    onStateChange: (state) => changes.push(state),
  });
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

const failTimes = (breaker: ReturnType<typeof setup>["breaker"], times: number) => {
  for (let index = 0; index < times; index++) breaker.acquire()?.fail();
};

describe("circuit breaker", () => {
  it("opens after 5 consecutive failures and refuses permits while open", () => {
    const { breaker, changes } = setup();
    failTimes(breaker, 4);
    expect(breaker.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 4 });
    failTimes(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ state: "open", consecutiveFailures: 5, nextTrialAt: 1_030_000 });
    expect(breaker.acquire()).toBeNull();
    expect(changes).toEqual(["open"]);
  });

  it("a success in between resets the count", () => {
    const { breaker } = setup();
    failTimes(breaker, 4);
    breaker.acquire()?.succeed();
    failTimes(breaker, 4);
    expect(breaker.snapshot().state).toBe("closed");
  });

  it("half-opens after openMs with exactly one trial, reopens on failure, closes on success", () => {
    const { breaker, changes, advance } = setup();
    failTimes(breaker, 5);
    advance(29_999);
    expect(breaker.acquire()).toBeNull();
    advance(1);
    const trial = breaker.acquire();
    expect(trial?.trial).toBe(true);
    expect(breaker.snapshot().state).toBe("half_open");
    expect(breaker.acquire()).toBeNull();
    trial?.fail();
    expect(breaker.snapshot().state).toBe("open");
    expect(breaker.acquire()).toBeNull();

    advance(30_000);
    const second = breaker.acquire();
    second?.succeed();
    expect(breaker.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, openedAt: null });
    expect(breaker.acquire()?.trial).toBe(false);
    expect(changes).toEqual(["open", "half_open", "open", "half_open", "closed"]);
  });

  it("a released trial lets the next caller try", () => {
    const { breaker, advance } = setup();
    failTimes(breaker, 5);
    advance(30_000);
    breaker.acquire()?.release();
    expect(breaker.snapshot().state).toBe("half_open");
    expect(breaker.acquire()?.trial).toBe(true);
  });
});
