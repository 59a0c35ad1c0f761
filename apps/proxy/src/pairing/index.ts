export { PAIRING_MAX_BODY_BYTES, registerPairingRoutes } from "./pairing-routes";
export {
  createPairingTickets,
  PAIRING_TICKET_TYPE,
  type PairingTicketClaims,
  type PairingTickets,
} from "./pairing-ticket";
export { registerTrustRoutes } from "./trust-routes";
