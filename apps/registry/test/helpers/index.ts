export * from "./actors";
export * from "./producers";
export * from "./registry";
export * from "./verify";
