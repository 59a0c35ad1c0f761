export * from "./actors";
export * from "./producers";
export * from "./proxies";
export * from "./registry";
export * from "./verify";
