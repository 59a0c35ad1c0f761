export { registerFederationPairingRoutes } from "./federation-pairing-routes";
export { PAIRING_MAX_BODY_BYTES, registerPairingRoutes } from "./pairing-routes";
export { createPairingTickets, type PairingTickets, readTicketClaims, type TicketIssuer } from "./pairing-ticket";
export { registerTrustRoutes } from "./trust-routes";
