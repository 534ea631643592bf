/**
 * The identifiers that tie a document to the chain, with the exact formulas of the contracts:
 *
 *   certId    = keccak256(abi.encode(address holder, bytes32 documentRoot))
 *   batchLeaf = keccak256(bytes.concat(keccak256(abi.encode(bytes32 certId, uint64 validFrom, uint64 validUntil))))
 *
 * batchLeaf is the OpenZeppelin StandardMerkleTree leaf of ["bytes32", "uint64", "uint64"], so any
 * standard Merkle library builds and checks batch proofs. No I/O; runs in Node and in the browser.
 */
import { keccak256 as keccak_256 } from "./keccak";

export type Hex = `0x${string}`;

/** The StandardMerkleTree leaf encoding of a batched certificate. */
export const BATCH_LEAF_ENCODING = ["bytes32", "uint64", "uint64"] as const;

export function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error(`not a hex string: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const HEX_DIGITS = new Uint8Array(Array.from("0123456789abcdef", (c) => c.charCodeAt(0)));

/** Decodes ASCII bytes to a string in one step; undefined where the runtime has no latin1 decoder. */
const asciiDecoder = ((): TextDecoder | undefined => {
  try {
    return new TextDecoder("latin1");
  } catch {
    return undefined;
  }
})();
/** "0x" and the hex digits of the last call, reused: a hash is written without a string per byte. */
let hexChars = new Uint8Array(66);

/**
 * Lowercase "0x" hex. Adding two digits at a time to a string made ~33 intermediate strings per hash
 * (1 KB of garbage and twice the time); the digits are written into one reused buffer and decoded once.
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  if (!asciiDecoder) {
    let s = "0x";
    for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
    return s as Hex;
  }
  const n = 2 + 2 * bytes.length;
  if (hexChars.length < n) hexChars = new Uint8Array(n);
  hexChars[0] = 48; // "0"
  hexChars[1] = 120; // "x"
  for (let i = 0, j = 2; i < bytes.length; i++, j += 2) {
    const v = bytes[i];
    hexChars[j] = HEX_DIGITS[v >> 4];
    hexChars[j + 1] = HEX_DIGITS[v & 15];
  }
  return asciiDecoder.decode(n === hexChars.length ? hexChars : hexChars.subarray(0, n)) as Hex;
}

function word(hex: string, size: number): Uint8Array {
  const b = hexToBytes(hex);
  if (b.length !== size) throw new Error(`expected ${size} bytes, got ${b.length}`);
  const w = new Uint8Array(32);
  w.set(b, 32 - size);
  return w;
}

function uintWord(value: bigint, bits: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new Error(`value out of uint${bits} range`);
  const w = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    w[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return w;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** certId = keccak256(abi.encode(holder, documentRoot)). */
export function computeCertId(holder: string, documentRoot: string): Hex {
  return bytesToHex(keccak_256(concat(word(holder, 20), word(documentRoot, 32))));
}

/** The StandardMerkleTree leaf of a batched certificate. */
export function computeBatchLeaf(certId: string, validFrom: bigint | number, validUntil: bigint | number): Hex {
  const inner = keccak_256(concat(word(certId, 32), uintWord(BigInt(validFrom), 64), uintWord(BigInt(validUntil), 64)));
  return bytesToHex(keccak_256(inner));
}
