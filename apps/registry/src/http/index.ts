export { REGISTRY_ERROR_CODE_SET } from "./error-codes";
export { type JsonBodyOptions, REGISTRY_MAX_BODY_BYTES, readJson, toJsonBody } from "./read-json";
