import { countBillable } from "./billable-ops";

/**
 * A Durable Object stub whose every method call (an RPC session, or `fetch`) is counted as one
 * billed Durable Object request. Properties that are not functions (`id`, `name`) pass through.
 */
export function toCountedStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        countBillable("durableObjectRpcCalls");
        return Reflect.apply(value, target, args);
      };
    },
  });
}
