import { describe, expect, it } from "vitest";
import { CLOSED_CIRCUIT, toCircuitAfterFailure, toCircuitPhase, toDispatchAllowance } from "./circuit-breaker";

const settings = { failureThreshold: 5, openMs: 30_000 };

describe("circuit breaker", () => {
  it("opens on the fifth consecutive failure", () => {
    let state = CLOSED_CIRCUIT;
    for (let failure = 1; failure <= 4; failure++) {
      state = toCircuitAfterFailure(state, 100, settings);
      expect(toCircuitPhase(state, 100)).toBe("closed");
    }
    state = toCircuitAfterFailure(state, 100, settings);
    expect(state).toEqual({ consecutiveFailures: 5, openUntilMs: 30_100 });
    expect(toCircuitPhase(state, 30_099)).toBe("open");
    expect(toCircuitPhase(state, 30_100)).toBe("half_open");
  });

  it("re-opens when the half-open trial fails", () => {
    const halfOpen = { consecutiveFailures: 5, openUntilMs: 1_000 };
    expect(toCircuitAfterFailure(halfOpen, 2_000, settings).openUntilMs).toBe(32_000);
  });

  it("allows the window when closed, one trial when half-open, nothing when open", () => {
    expect(toDispatchAllowance("closed", 16, 3)).toBe(13);
    expect(toDispatchAllowance("closed", 16, 20)).toBe(0);
    expect(toDispatchAllowance("half_open", 16, 0)).toBe(1);
    expect(toDispatchAllowance("half_open", 16, 1)).toBe(0);
    expect(toDispatchAllowance("open", 16, 0)).toBe(0);
  });
});
