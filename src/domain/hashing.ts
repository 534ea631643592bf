/** Hashes the use cases need (pure; @noble/hashes runs in Node and the browser). */
import { sha256 } from "@noble/hashes/sha2";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import canonicalize from "canonicalize";
import type { Bytes32 } from "./ports";

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * sha256Hex for long texts (a batch's canonical request, megabytes): the platform's WebCrypto digest,
 * native and off the calling thread, where the portable sha256 held the event loop ~70 ms per 10,000 items.
 */
export async function sha256HexOfLong(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
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
