/**
 * Byte, hex, address and DID encodings shared by the document library. Fast paths for the hot loop
 * of integrity checks (hex of 32-byte hashes), strict parsers for everything read from a document.
 */
import { keccak256 as keccak_256 } from "./keccak";
import type { Hex } from "./ids";
import { bytesToHex } from "./ids";
import { DocumentError } from "./errors";

export type Address = `0x${string}`;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[97 + i] = 10 + i;
  HEX_VALUE[65 + i] = 10 + i;
}

/** Decodes "0x" + 2n hex digits into n bytes; undefined when it is not exactly that. */
export function decodeHex(hex: string, byteLength?: number): Uint8Array | undefined {
  if (hex.length < 2 || (hex.length & 1) !== 0) return undefined;
  const n = (hex.length - 2) >> 1;
  if (byteLength !== undefined && n !== byteLength) return undefined;
  const out = new Uint8Array(n);
  return decodeHexInto(hex, out) ? out : undefined;
}

/** decodeHex into `out` (exactly out.length bytes, no allocation); false when `hex` is not that. */
export function decodeHexInto(hex: string, out: Uint8Array): boolean {
  const n = out.length;
  if (hex.length !== 2 + 2 * n || hex.charCodeAt(0) !== 48 || (hex.charCodeAt(1) | 32) !== 120) return false;
  for (let i = 0, j = 2; i < n; i++, j += 2) {
    const a = hex.charCodeAt(j);
    const b = hex.charCodeAt(j + 1);
    const hi = a < 128 ? HEX_VALUE[a] : -1;
    const lo = b < 128 ? HEX_VALUE[b] : -1;
    if (hi < 0 || lo < 0) return false;
    out[i] = (hi << 4) | lo;
  }
  return true;
}

/** True for "0x" followed by exactly 2*byteLength lowercase hex digits (the only form documents use). */
export function isLowerHex(value: unknown, byteLength: number): value is Hex {
  if (typeof value !== "string" || value.length !== 2 + 2 * byteLength) return false;
  if (value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 120) return false;
  for (let i = 2; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

const UTF8 = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return UTF8.encode(text);
}

export function keccakHex(bytes: Uint8Array): Hex {
  return bytesToHex(keccak_256(bytes));
}

// Issuer and ledger addresses repeat in every document: remember recent checksums (one keccak each).
const checksumCache = new Map<string, Address>();

/** The bytes of the address being checksummed, and its "0x" + 40 digits (reused: no garbage per address). */
const addressBytes = new Uint8Array(20);
const addressDigits = new Uint8Array(42);
const LOWER_HEX_DIGITS = new Uint8Array(Array.from("0123456789abcdef", (c) => c.charCodeAt(0)));
const ASCII = new TextDecoder();

/** EIP-55 mixed-case checksum form of a 20-byte address given in any case. */
export function toChecksumAddress(address: string): Address {
  const cached = typeof address === "string" ? checksumCache.get(address) : undefined;
  if (cached) return cached;
  if (typeof address !== "string" || !decodeHexInto(address, addressBytes))
    throw new DocumentError("INVALID_PARAMETER", `not a 20-byte hex address: ${String(address).slice(0, 44)}`);
  // Every holder is a new address: its lowercase digits are written as bytes, hashed as they are, and
  // a letter is raised where its nibble of the hash is 8 or more, in place (a string per digit, joined,
  // was a third of the cost).
  const d = addressDigits;
  d[0] = 48; // "0"
  d[1] = 120; // "x"
  for (let i = 0; i < 20; i++) {
    d[2 + 2 * i] = LOWER_HEX_DIGITS[addressBytes[i] >> 4];
    d[3 + 2 * i] = LOWER_HEX_DIGITS[addressBytes[i] & 15];
  }
  const hash = keccak_256(d.subarray(2));
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i & 1 ? 0 : 4)) & 15;
    if (nibble >= 8 && d[2 + i] >= 97) d[2 + i] -= 32;
  }
  const out = ASCII.decode(d) as Address;
  if (checksumCache.size >= 4096) checksumCache.clear();
  checksumCache.set(address, out);
  // A document names its holder by the checksummed form again (its did:pkh): that is one keccak less.
  checksumCache.set(out, out);
  return out;
}

/** The address when `value` is a correctly EIP-55-checksummed address, else undefined. */
export function parseChecksumAddress(value: unknown): Address | undefined {
  if (typeof value !== "string" || value.length !== 42 || !decodeHex(value, 20)) return undefined;
  return toChecksumAddress(value) === value ? (value as Address) : undefined;
}

/**
 * did:pkh (W3C CCG) for an EVM account: did:pkh:eip155:<chainId>:<EIP-55 address>. The checksummed
 * form is the only one a document accepts, so a DID has exactly one spelling.
 */
export function toDidPkh(chainId: number, address: string): string {
  return `did:pkh:eip155:${chainId}:${toChecksumAddress(address)}`;
}

const DID_PKH = /^did:pkh:eip155:([1-9][0-9]{0,15}):(0x[0-9a-fA-F]{40})$/;

export function parseDidPkh(value: unknown): { chainId: number; address: Address } | undefined {
  if (typeof value !== "string" || value.length > 80) return undefined;
  const m = DID_PKH.exec(value);
  if (!m) return undefined;
  const chainId = Number(m[1]);
  const address = parseChecksumAddress(m[2]);
  if (!Number.isSafeInteger(chainId) || !address) return undefined;
  return { chainId, address };
}

/** CAIP-10 account id of a contract: eip155:<chainId>:<EIP-55 address>. */
export function toCaip10(chainId: number, address: string): string {
  return `eip155:${chainId}:${toChecksumAddress(address)}`;
}

/**
 * Unix seconds the chain can store (40-bit times, docs/decisions/0002-one-slot-records.md) and ISO 8601
 * can spell (years ≤ 9999).
 */
export const MAX_TIME = 253_402_300_799; // 9999-12-31T23:59:59Z

/** Whole-second ISO 8601 UTC ("2026-01-01T00:00:00Z"), the only spelling of times in a document. */
export function toIsoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 19) + "Z";
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function parseIsoSeconds(value: unknown): number | undefined {
  if (typeof value !== "string" || !ISO_SECONDS.test(value)) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const seconds = ms / 1000;
  // Date.parse rolls "02-30" over to March: only the exact round trip is a real date.
  if (seconds < 0 || seconds > MAX_TIME || toIsoSeconds(seconds) !== value) return undefined;
  return seconds;
}

/** Accepts unix seconds (number or bigint) or a Date with whole seconds. */
export function toUnixSeconds(value: number | bigint | Date, name: string): number {
  const n = value instanceof Date ? value.getTime() / 1000 : typeof value === "bigint" ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TIME) {
    throw new DocumentError("INVALID_PARAMETER", `${name} must be whole unix seconds between 0 and ${MAX_TIME}`);
  }
  return n;
}
