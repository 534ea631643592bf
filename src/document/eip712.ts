/**
 * The EIP-712 encoding primitives shared by every signed message (consent grants, ledger writes):
 * ABI words, hashStruct of static members, the cached domain separator and the final digest. Done
 * directly rather than through a generic encoder because the gateway hashes on hot paths; the tests
 * compare every digest with ethers' TypedDataEncoder.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { bytesToHex, type Hex } from "./ids";
import { decodeHex, utf8 } from "./encoding";
import { DocumentError } from "./errors";
import type { TypedDataDomain } from "./typedData";

/** keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)") */
const DOMAIN_TYPEHASH = keccak_256(
  utf8("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

/** An ABI word holding `size` bytes of hex, right-aligned (address) or whole (bytes32). */
export function bytesWord(hex: string, size: number, name: string): Uint8Array {
  const b = decodeHex(hex, size);
  if (!b) throw new DocumentError("INVALID_PARAMETER", `${name} must be ${size} bytes of hex`);
  if (size === 32) return b;
  const w = new Uint8Array(32);
  w.set(b, 32 - size);
  return w;
}

/** An ABI word holding an unsigned integer that must fit `bits` bits. */
export function uintWord(value: bigint | number, bits: number, name: string): Uint8Array {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && (bits > 52 || value < 2 ** bits)) {
    const w = new Uint8Array(32);
    for (let i = 31, v = value; v > 0; i--, v = Math.floor(v / 256)) w[i] = v % 256;
    return w;
  }
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new DocumentError("INVALID_PARAMETER", `${name} must be an integer`);
  }
  if (v < 0n || v >= 1n << BigInt(bits))
    throw new DocumentError("INVALID_PARAMETER", `${name} must fit in uint${bits}`);
  const w = new Uint8Array(32);
  for (let i = 31; i >= 0 && v > 0n; i--) {
    w[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return w;
}

/** keccak256 of ABI words laid end to end: hashStruct of a message whose members are all static. */
export function hashWords(words: Uint8Array[]): Uint8Array {
  const buf = new Uint8Array(32 * words.length);
  words.forEach((w, i) => buf.set(w, 32 * i));
  return keccak_256(buf);
}

const domainCache = new Map<string, Uint8Array>();

/** The EIP-712 domain separator, cached per (name, version, chainId, contract). */
export function domainSeparator(domain: TypedDataDomain): Hex {
  return bytesToHex(domainSeparatorBytes(domain));
}

function domainSeparatorBytes(domain: TypedDataDomain): Uint8Array {
  const key = `${domain.name}\u0000${domain.version}\u0000${domain.chainId}\u0000${String(domain.verifyingContract).toLowerCase()}`;
  let sep = domainCache.get(key);
  if (!sep) {
    sep = hashWords([
      DOMAIN_TYPEHASH,
      keccak_256(utf8(domain.name)),
      keccak_256(utf8(domain.version)),
      uintWord(domain.chainId, 256, "chainId"),
      bytesWord(domain.verifyingContract, 20, "verifyingContract"),
    ]);
    if (domainCache.size >= 256) domainCache.clear();
    domainCache.set(key, sep);
  }
  return sep;
}

/** keccak256("\x19\x01" ‖ domainSeparator ‖ structHash): what the signer signs. */
export function typedDataDigest(domain: TypedDataDomain, structHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(66);
  buf[0] = 0x19;
  buf[1] = 0x01;
  buf.set(domainSeparatorBytes(domain), 2);
  buf.set(structHash, 34);
  return keccak_256(buf);
}
