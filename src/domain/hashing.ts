/** Hashes the use cases need (pure; @noble/hashes runs in Node and the browser). */
import { sha256 } from "@noble/hashes/sha2";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import canonicalize from "canonicalize";
import type { Bytes32 } from "./ports";

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** keccak256 of a UTF-8 string as 0x hex: how a purpose code becomes the grant's `purpose`. */
export function purposeHash(code: string): Bytes32 {
  return `0x${bytesToHex(keccak_256(utf8ToBytes(code)))}`;
}

/** RFC 8785 canonical JSON: two bodies that mean the same hash the same. */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? "null";
}

export function randomToken(bytes = 32): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
