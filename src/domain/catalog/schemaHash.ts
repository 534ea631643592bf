/**
 * schemaHash(type) = keccak256(JCS(schema)): the value the authority registry stores for a type, so
 * anyone can check that the schema a gateway validates against is the registered one. JCS (RFC 8785)
 * makes the hash independent of key order and number formatting.
 */
import canonicalize from "canonicalize";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, type Hex } from "../../document/ids";
import type { JsonSchema } from "./schemaKit";

export function hashJson(value: unknown): Hex {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("hashJson: value has no JSON form");
  return bytesToHex(keccak_256(new TextEncoder().encode(text)));
}

export function hashSchema(schema: JsonSchema): Hex {
  return hashJson(schema);
}
