export { createRegistrySigner, type RegistrySigner } from "./registry-signer";
export { createSignedCrl } from "./signed-crl";
