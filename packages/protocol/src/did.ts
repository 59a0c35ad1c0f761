import { z } from "zod";
import { ULID_PATTERN } from "./primitives";

export const DID_ENTITIES = ["agent", "human"] as const;
export type DidEntity = (typeof DID_ENTITIES)[number];

export interface ParsedDid {
  authority: string;
  entity: DidEntity;
  id: string;
}

const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const DID_PATTERN = /^did:cdi:([^:]+):(agent|human):([^:]+)$/;

export class DidParseError extends Error {
  override readonly name = "DidParseError";
}

/** Parses `did:cdi:<authority>:<entity>:<ULID>`; throws DidParseError on anything else. */
export function parseDid(value: string): ParsedDid {
  const match = DID_PATTERN.exec(value);
  if (!match) throw new DidParseError(`not a did:cdi identifier: ${JSON.stringify(value.slice(0, 120))}`);
  const [, authority = "", entity = "", id = ""] = match;
  if (!HOSTNAME_PATTERN.test(authority)) throw new DidParseError(`DID authority is not a hostname: ${authority}`);
  if (!ULID_PATTERN.test(id)) throw new DidParseError(`DID id is not a ULID: ${id}`);
  return { authority, entity: entity as DidEntity, id };
}

export function isDid(value: unknown, entity?: DidEntity): value is string {
  if (typeof value !== "string") return false;
  try {
    const parsed = parseDid(value);
    return entity === undefined || parsed.entity === entity;
  } catch {
    return false;
  }
}

export function formatDid(did: ParsedDid): string {
  const formatted = `did:cdi:${did.authority}:${did.entity}:${did.id}`;
  parseDid(formatted);
  return formatted;
}

/** The DID authority is the hostname of the registry's issuer URL. */
export function toDidAuthority(issuerUrl: string): string {
  return new URL(issuerUrl).hostname.toLowerCase();
}

const didSchemaFor = (entity?: DidEntity) =>
  z
    .string()
    .refine((value) => isDid(value, entity), entity ? `must be a did:cdi ${entity} DID` : "must be a did:cdi DID");

export const didSchema = didSchemaFor();
export const agentDidSchema = didSchemaFor("agent");
export const humanDidSchema = didSchemaFor("human");
