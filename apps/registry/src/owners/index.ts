export { bootstrapOwner } from "./bootstrap-owner";
export { createInvite } from "./create-invite";
export { createToken } from "./create-token";
export { createOwnerSession, type PendingOwnerSession } from "./owner-session";
export { redeemInvite } from "./redeem-invite";
