/**
 * Leaf hashing, flattening of fields into leaves, and the document root. Hot path of every build
 * and every integrity check, so it hashes with @noble/hashes and avoids intermediate hex.
 */
import { keccak256 as keccak_256 } from "./keccak";
import canonicalize from "canonicalize";
import { decodeHexInto } from "./encoding";
import { SALT_BYTES } from "./format";
import { appendSegment, type PathSegment } from "./paths";
import type { JsonValue } from "./strictJson";

const ENCODER = new TextEncoder();

/** Node 20+ checks well-formed UTF-16 natively (canonicalize relies on it too). */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** RFC 8785 canonical JSON of a value (the `canonicalize` package, by one of the RFC's authors). */
export function canonicalJson(value: unknown): string {
  // Most leaves are strings: canonicalize writes a well-formed one as JSON.stringify does (RFC 8785's
  // string rules are ECMAScript's), after setting up its walk (a Set, frames) for it. Anything else,
  // and a string with a lone surrogate (which it refuses), goes through canonicalize itself.
  if (typeof value === "string" && isWellFormed?.call(value)) return JSON.stringify(value);
  return canonicalize(value) as string;
}

/**
 * keccak256(salt[16] ‖ uint32be(len(path)) ‖ utf8(path) ‖ utf8(JCS(value))). The salt is given as
 * bytes, or as the document's "0x" + 32 hex digits (decoded straight into the buffer, no copy);
 * a salt string that is not hex of SALT_BYTES bytes throws.
 */
export function computeLeafHash(salt: Uint8Array | string, path: string, value: JsonValue): Uint8Array {
  const json = canonicalJson(value);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: encode both strings straight into one reused
  // buffer (keccak256 copies what it reads). The path goes in at a fixed offset through a view kept
  // with the buffer; the JSON is encoded at the buffer's far end, the same way, and moved into place
  // with copyWithin: a leaf allocates its hash and one view of its input, nothing per step.
  const p = typeof salt === "string" ? SALT_BYTES : salt.length;
  const need = 2 * (p + 4 + 3 * (path.length + json.length));
  if (scratch.length < need) grow(need);
  const buf = scratch;
  if (typeof salt === "string") {
    if (!decodeHexInto(salt, saltView)) throw new Error("a salt must be 0x + 32 hex digits");
  } else buf.set(salt, 0);
  const pathView = p === SALT_BYTES ? afterSalt : buf.subarray(p + 4);
  const n = ENCODER.encodeInto(path, pathView).written;
  buf[p] = n >>> 24;
  buf[p + 1] = (n >>> 16) & 255;
  buf[p + 2] = (n >>> 8) & 255;
  buf[p + 3] = n & 255;
  const m = ENCODER.encodeInto(json, farEnd).written;
  buf.copyWithin(p + 4 + n, farEnd.byteOffset, farEnd.byteOffset + m);
  return keccak_256(buf.subarray(0, p + 4 + n + m));
}
let scratch = new Uint8Array(0);
let saltView = scratch;
let afterSalt = scratch;
let farEnd = scratch;
/** A buffer of `size` bytes, its first half for the leaf's input and its second for encoding the JSON. */
function grow(size: number): void {
  scratch = new Uint8Array(Math.max(size, 2 * scratch.length, 2048));
  saltView = scratch.subarray(0, SALT_BYTES);
  afterSalt = scratch.subarray(SALT_BYTES + 4, scratch.length >> 1);
  farEnd = scratch.subarray(scratch.length >> 1);
}
grow(2048);

/** computeCertId (ids.ts) on raw bytes: keccak256(abi.encode(address holder, bytes32 documentRoot)). */
export function certIdBytes(holder: Uint8Array, documentRoot: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(holder, 12);
  buf.set(documentRoot, 32);
  return keccak_256(buf);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** keccak256 over the 32-byte leaves sorted ascending; throws on a duplicate leaf. */
export function computeDocumentRoot(leaves: Uint8Array[]): Uint8Array {
  const sorted = leaves.slice().sort(compareBytes);
  const buf = new Uint8Array(32 * sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && compareBytes(sorted[i - 1], sorted[i]) === 0) throw new Error("duplicate leaf");
    buf.set(sorted[i], 32 * i);
  }
  return keccak_256(buf);
}

export interface FieldNode {
  path: string;
  segments: PathSegment[];
  value: JsonValue;
  /** Inside an array (where an unsalted null marks a redacted element). */
  inArray: boolean;
  /** Last element of its array. */
  last: boolean;
}

/**
 * Walks fields depth-first in key order as given and yields every leaf position: scalars, and
 * empty objects or arrays (so that "tags": [] survives a round trip).
 */
export function flattenFields(fields: { [key: string]: JsonValue }, skipTopLevelId: boolean): FieldNode[] {
  const out: FieldNode[] = [];
  const walk = (value: JsonValue, path: string, segments: PathSegment[], inArray: boolean, last: boolean) => {
    if (value !== null && typeof value === "object") {
      if (Array.isArray(value)) {
        if (value.length > 0) {
          for (let i = 0; i < value.length; i++) {
            walk(value[i], appendSegment(path, i), [...segments, i], true, i === value.length - 1);
          }
          return;
        }
      } else {
        const keys = Object.keys(value);
        if (keys.length > 0) {
          for (const k of keys) walk(value[k], appendSegment(path, k), [...segments, k], false, false);
          return;
        }
      }
    }
    out.push({ path, segments, value, inArray, last });
  };
  for (const k of Object.keys(fields)) {
    if (skipTopLevelId && k === "id") continue;
    walk(fields[k], appendSegment("", k, true), [k], false, false);
  }
  return out;
}
