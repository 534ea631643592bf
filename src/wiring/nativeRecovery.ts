/**
 * secp256k1 signature recovery through libsecp256k1 (the npm `secp256k1` addon), ~20 times faster than
 * the pure-JS recovery of the document library: every relayed grant, revocation, share-link check and
 * holder request recovers one signer, and in pure JS that was a third of the gateway's CPU under the
 * grants benchmark. Same answers as `recoverDigestSigner` (src/document/grant.ts): a 65-byte r ‖ s ‖ v
 * with v 27 or 28 and a low s, else undefined. Without the addon (a platform with no prebuilt binary),
 * the document library's recovery is used.
 */
import { createRequire } from "node:module";
import { bytesToHex, recoverDigestSigner } from "../document";
import { decodeHex } from "../document/encoding";
import { keccak256 } from "../document/keccak";

interface Secp256k1Addon {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

/** secp256k1's group order n, halved: an s above it is the malleable twin of a valid signature. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function loadAddon(): Secp256k1Addon | undefined {
  try {
    // The addon's binding (not its elliptic.js fallback, which is slower than the document library).
    return createRequire(__filename)("secp256k1/bindings") as Secp256k1Addon;
  } catch {
    return undefined;
  }
}

const addon = loadAddon();

/** Which implementation recovers signers in this process. */
export const recoveryImplementation: "libsecp256k1" | "js" = addon ? "libsecp256k1" : "js";

/** The lower-case address that signed the 32-byte `digest`, or undefined for an invalid signature. */
export function recoverSigner(digest: string, signature: string): string | undefined {
  if (!addon) return recoverDigestSigner(digest, signature)?.toLowerCase();
  const sig = decodeHex(signature, 65);
  const msg = decodeHex(digest, 32);
  if (!sig || !msg || (sig[64] !== 27 && sig[64] !== 28)) return undefined;
  if (BigInt(bytesToHex(sig.subarray(32, 64))) > HALF_N) return undefined;
  try {
    const pub = addon.ecdsaRecover(sig.subarray(0, 64), sig[64] - 27, msg, false);
    return bytesToHex(keccak256(pub.subarray(1)).subarray(12));
  } catch {
    return undefined;
  }
}
