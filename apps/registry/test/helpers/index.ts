export * from "./actors";
export * from "./registry";
