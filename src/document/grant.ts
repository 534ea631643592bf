/**
 * EIP-712 hashing and signing of the consent messages (typedData.ts holds their definitions,
 * eip712.ts the encoding they share with the ledger's messages).
 * grantId is the EIP-712 digest of a Grant. Hashing is done directly (cached domain separator,
 * precomputed type hashes) because the gateway computes grant ids on every presentation: ~10x
 * ethers' TypedDataEncoder. Signing uses @noble/curves (RFC 6979, low-s), so Node and the browser
 * produce the same signature for the same key and message.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex, type Hex } from "./ids";
import { decodeHex, toChecksumAddress, utf8, type Address } from "./encoding";
import { DocumentError } from "./errors";
import { bytesWord, hashWords, typedDataDigest, uintWord } from "./eip712";
import {
  DELEGATION_TYPE_STRING,
  GRANT_TYPE_STRING,
  RECORD_CHECK_TYPE_STRING,
  REVOKE_DELEGATION_TYPE_STRING,
  REVOKE_GRANT_TYPE_STRING,
  type DelegationMessage,
  type GrantMessage,
  type RevokeDelegationMessage,
  type RecordCheckMessage,
  type RevokeGrantMessage,
  type TypedDataDomain,
} from "./typedData";

export { domainSeparator } from "./eip712";

/** keccak256(GRANT_TYPE_STRING) */
export const GRANT_TYPEHASH: Hex = bytesToHex(keccak_256(utf8(GRANT_TYPE_STRING)));
/** keccak256(REVOKE_GRANT_TYPE_STRING) */
export const REVOKE_GRANT_TYPEHASH: Hex = bytesToHex(keccak_256(utf8(REVOKE_GRANT_TYPE_STRING)));
const GRANT_TYPEHASH_BYTES = decodeHex(GRANT_TYPEHASH, 32)!;
const REVOKE_GRANT_TYPEHASH_BYTES = decodeHex(REVOKE_GRANT_TYPEHASH, 32)!;
/** keccak256(RECORD_CHECK_TYPE_STRING) */
export const RECORD_CHECK_TYPEHASH: Hex = bytesToHex(keccak_256(utf8(RECORD_CHECK_TYPE_STRING)));
const RECORD_CHECK_TYPEHASH_BYTES = decodeHex(RECORD_CHECK_TYPEHASH, 32)!;
/** keccak256(DELEGATION_TYPE_STRING) */
export const DELEGATION_TYPEHASH: Hex = bytesToHex(keccak_256(utf8(DELEGATION_TYPE_STRING)));
const DELEGATION_TYPEHASH_BYTES = decodeHex(DELEGATION_TYPEHASH, 32)!;
/** keccak256(REVOKE_DELEGATION_TYPE_STRING) */
export const REVOKE_DELEGATION_TYPEHASH: Hex = bytesToHex(keccak_256(utf8(REVOKE_DELEGATION_TYPE_STRING)));
const REVOKE_DELEGATION_TYPEHASH_BYTES = decodeHex(REVOKE_DELEGATION_TYPEHASH, 32)!;

/** keccak256 of a purpose code ("open-bank-account"): the Grant's `purpose`. */
export function purposeHash(purposeCode: string): Hex {
  return bytesToHex(keccak_256(utf8(purposeCode)));
}

/** What a counter request tells the wallet about the grants it wants (GET /v1/counter/requests/{id}). */
export interface CounterRequestTerms {
  verifier: { address: string };
  purpose: string;
  expiresAt: number;
  /** uint256 as a decimal string. */
  nonce: string;
}

/** A Grant as an answer or a share carries it in JSON: times as numbers, the nonce as a decimal string. */
export interface GrantJson {
  certId: string;
  grantee: string;
  purpose: string;
  validUntil: number;
  maxUses: number;
  nonce: string;
  deadline: number;
}

/**
 * The Grant that answers a counter request for one certificate: to the verifier, for the request's
 * purpose and nonce, one use, valid and relayable until the request expires.
 */
export function counterGrant(request: CounterRequestTerms, certId: string): GrantJson {
  return {
    certId,
    grantee: request.verifier.address,
    purpose: purposeHash(request.purpose),
    validUntil: request.expiresAt,
    maxUses: 1,
    nonce: request.nonce,
    deadline: request.expiresAt,
  };
}

/** The EIP-712 message of a Grant in JSON form (the uint64 and uint256 fields as bigints), to sign it. */
export function grantMessage(g: GrantJson): GrantMessage {
  return { ...g, validUntil: BigInt(g.validUntil), nonce: BigInt(g.nonce), deadline: BigInt(g.deadline) };
}

function grantStructHash(m: GrantMessage): Uint8Array {
  if (typeof m.maxUses !== "number" && typeof m.maxUses !== "bigint")
    throw new DocumentError("INVALID_PARAMETER", "maxUses must be an integer");
  return hashWords([
    GRANT_TYPEHASH_BYTES,
    bytesWord(m.certId, 32, "certId"),
    bytesWord(m.grantee, 20, "grantee"),
    bytesWord(m.purpose, 32, "purpose"),
    uintWord(m.validUntil, 64, "validUntil"),
    uintWord(m.maxUses, 32, "maxUses"),
    uintWord(m.nonce, 256, "nonce"),
    uintWord(m.deadline, 64, "deadline"),
  ]);
}

/** grantId: the EIP-712 digest of a Grant (what the holder signs and the registry keys grants by). */
export function computeGrantId(domain: TypedDataDomain, grant: GrantMessage): Hex {
  return bytesToHex(typedDataDigest(domain, grantStructHash(grant)));
}

/** The EIP-712 digest, as hex, of a message whose members are all static (its typehash first). */
function digestOfWords(domain: TypedDataDomain, words: Uint8Array[]): Hex {
  return bytesToHex(typedDataDigest(domain, hashWords(words)));
}

/** delegationId: the EIP-712 digest of a Delegation (what the holder signs and the registry keys it by). */
export function computeDelegationId(domain: TypedDataDomain, d: DelegationMessage): Hex {
  if (typeof d.online !== "boolean") throw new DocumentError("INVALID_PARAMETER", "online must be a boolean");
  return digestOfWords(domain, [
    DELEGATION_TYPEHASH_BYTES,
    bytesWord(d.certId, 32, "certId"),
    bytesWord(d.delegate, 20, "delegate"),
    bytesWord(d.purpose, 32, "purpose"),
    bytesWord(d.verifier, 20, "verifier"),
    uintWord(d.online ? 1 : 0, 8, "online"),
    uintWord(d.validUntil, 64, "validUntil"),
    uintWord(d.nonce, 256, "nonce"),
    uintWord(d.deadline, 64, "deadline"),
  ]);
}

/** RevokeGrant and RevokeDelegation: (bytes32 id, uint256 nonce, uint64 deadline) under their own typehash. */
function hashRevocation(
  domain: TypedDataDomain,
  typehash: Uint8Array,
  idName: string,
  revokedId: string,
  nonce: bigint,
  deadline: bigint,
): Hex {
  return digestOfWords(domain, [
    typehash,
    bytesWord(revokedId, 32, idName),
    uintWord(nonce, 256, "nonce"),
    uintWord(deadline, 64, "deadline"),
  ]);
}

/** The EIP-712 digest of a RevokeDelegation. */
export function hashRevokeDelegation(domain: TypedDataDomain, message: RevokeDelegationMessage): Hex {
  const { delegationId, nonce, deadline } = message;
  return hashRevocation(domain, REVOKE_DELEGATION_TYPEHASH_BYTES, "delegationId", delegationId, nonce, deadline);
}

/** The EIP-712 digest of a RevokeGrant. */
export function hashRevokeGrant(domain: TypedDataDomain, message: RevokeGrantMessage): Hex {
  const { grantId, nonce, deadline } = message;
  return hashRevocation(domain, REVOKE_GRANT_TYPEHASH_BYTES, "grantId", grantId, nonce, deadline);
}

/** The EIP-712 digest of a RecordCheck: what a share link's key signs for one check under its grant. */
export function hashRecordCheck(domain: TypedDataDomain, message: RecordCheckMessage): Hex {
  return bytesToHex(
    typedDataDigest(
      domain,
      hashWords([
        RECORD_CHECK_TYPEHASH_BYTES,
        bytesWord(message.grantId, 32, "grantId"),
        uintWord(message.use, 32, "use"),
        uintWord(message.deadline, 64, "deadline"),
      ]),
    ),
  );
}

/** Address of a secp256k1 private key. */
export function privateKeyToAddress(privateKey: Uint8Array): Address {
  const pub = secp256k1.getPublicKey(privateKey, false);
  return toChecksumAddress(bytesToHex(keccak_256(pub.subarray(1)).subarray(12)));
}

/** Signs a 32-byte digest: 65-byte r ‖ s ‖ v (v = 27 or 28), as ecrecover and ethers expect. */
export function signDigest(privateKey: Uint8Array, digest: string): Hex {
  const sig = secp256k1.sign(bytesWord(digest, 32, "digest"), privateKey, { lowS: true });
  const out = new Uint8Array(65);
  out.set(sig.toCompactRawBytes(), 0);
  out[64] = 27 + sig.recovery;
  return bytesToHex(out);
}

/** The address that signed `digest`, or undefined when the signature is not a valid 65-byte one. */
export function recoverDigestSigner(digest: string, signature: string): Address | undefined {
  try {
    const bytes = decodeHex(signature, 65);
    const v = bytes ? bytes[64] : 0;
    if (!bytes || (v !== 27 && v !== 28)) return undefined;
    const sig = secp256k1.Signature.fromCompact(bytes.subarray(0, 64)).addRecoveryBit(v - 27);
    if (sig.hasHighS()) return undefined;
    const pub = sig.recoverPublicKey(bytesWord(digest, 32, "digest")).toRawBytes(false);
    return toChecksumAddress(bytesToHex(keccak_256(pub.subarray(1)).subarray(12)));
  } catch {
    return undefined;
  }
}
