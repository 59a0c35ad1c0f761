export { REGISTRY_ERROR_CODE_SET } from "./error-codes";
export { REGISTRY_MAX_BODY_BYTES, readJson } from "./read-json";
