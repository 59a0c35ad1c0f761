export { registerAgentRoutes } from "./agent-routes";
export { registerBootstrapRoutes } from "./bootstrap-routes";
export { registerHealthRoutes } from "./health-routes";
export { registerInviteRoutes } from "./invite-routes";
export { registerKeyRoutes } from "./key-routes";
export { registerMeRoutes } from "./me-routes";
export { registerRenewalRoutes } from "./renewal-routes";
export { registerResolveRoutes } from "./resolve-routes";
export type { RouteDeps } from "./route-deps";
