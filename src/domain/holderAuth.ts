/**
 * How a holder proves, without an account, that they hold a certificate: they sign (EIP-191) a short
 * text naming the request, with the per-certificate holder key. Their address is not stored anywhere;
 * the server checks certId = keccak256(abi.encode(signer, documentRoot)), so only the holder of the
 * key and the document can pass. A timestamp within the allowed skew and a one-time nonce stop replays.
 *
 * Headers: X-Holder-Document-Root, X-Holder-Timestamp (unix seconds), X-Holder-Nonce (8-64 chars of
 * [A-Za-z0-9_-]), X-Holder-Signature (0x + 65 bytes).
 */
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { computeCertId } from "../document/ids";
import { unauthorized } from "./errors";
import type { Address, Bytes32, DomainDeps, Hex } from "./ports";

export interface HolderAuthFields {
  method: string;
  /** The request path without the query string, e.g. /v1/holder/certificates/0x.../checks */
  path: string;
  certId: Bytes32;
  documentRoot: Bytes32;
  timestamp: number;
  nonce: string;
}

/** EIP-191 (personal_sign) digest of a text: keccak256("\x19Ethereum Signed Message:\n" + length + text). */
export function personalMessageDigest(text: string): Bytes32 {
  const body = utf8ToBytes(text);
  const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${body.length}`);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix, 0);
  all.set(body, prefix.length);
  return `0x${bytesToHex(keccak_256(all))}`;
}

/** The exact text the wallet signs. */
export function holderAuthMessage(f: HolderAuthFields): string {
  return [
    "certledger holder request",
    `${f.method.toUpperCase()} ${f.path}`,
    `certId: ${f.certId.toLowerCase()}`,
    `documentRoot: ${f.documentRoot.toLowerCase()}`,
    `timestamp: ${f.timestamp}`,
    `nonce: ${f.nonce}`,
  ].join("\n");
}

export async function authenticateHolder(
  deps: Pick<DomainDeps, "signatures" | "replay" | "clock">,
  f: HolderAuthFields & { signature: Hex },
  skewSeconds: number,
): Promise<Address> {
  const now = deps.clock.now();
  if (Math.abs(now - f.timestamp) > skewSeconds)
    throw unauthorized(
      "STALE_SIGNATURE",
      `The signed timestamp is more than ${skewSeconds} s from the server's clock; sign again with the current time.`,
    );
  const signer = deps.signatures.recoverPersonal(holderAuthMessage(f), f.signature);
  if (!signer) throw unauthorized("BAD_SIGNATURE", "The holder signature is malformed.");
  if (computeCertId(signer, f.documentRoot).toLowerCase() !== f.certId.toLowerCase())
    throw unauthorized("BAD_SIGNATURE", "The signature is not from this certificate's holder key.");
  // Only after the signature checks out, so nobody can burn a holder's nonces.
  const fresh = await deps.replay.claim(`holder:${f.certId.toLowerCase()}:${f.nonce}`, f.timestamp + skewSeconds + 1);
  if (!fresh)
    throw unauthorized("REPLAYED", "This signed request was already used; sign a new one with a fresh nonce.");
  return signer.toLowerCase() as Address;
}
