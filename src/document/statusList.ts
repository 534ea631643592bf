/**
 * W3C Bitstring Status List v1.0: the lists an agency publishes (revocation, suspension), secured as a
 * JWT per VC-JOSE-COSE (`typ: vc+jwt`, `alg: ES256K`, the agency's secp256k1 key), and the check a
 * verifier makes offline: the bit of a certificate's entry in a downloaded list.
 *
 * encodedList = "u" (multibase base64url, no padding) + base64url(GZIP(bitstring)); index 0 is the
 * left-most bit (the most significant bit of the first byte). No I/O: runs in Node and the browser.
 */
import { Gunzip, gzipSync } from "fflate";
import { base64urlnopad } from "@scure/base";
import { secp256k1 } from "@noble/curves/secp256k1";
import { es256kSign, es256kVerify, jwkAddress, publicKeyToJwk, type Secp256k1Jwk } from "./sdJwt";
import { parseDidPkh, toChecksumAddress, toDidPkh, toIsoSeconds, utf8, type Address } from "./encoding";

/** The smallest list the specification allows (16 KiB of bits): the herd a checked entry hides in. */
export const STATUS_LIST_MIN_LENGTH = 131_072;
/** The largest list this library decodes (16 MiB of bits): a bound on what a hostile list may inflate to. */
export const STATUS_LIST_MAX_LENGTH = 16 * 1024 * 1024 * 8;
export const STATUS_PURPOSES = ["revocation", "suspension"] as const;
export type StatusPurpose = (typeof STATUS_PURPOSES)[number];

export const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";

/** A credential's `credentialStatus` entry pointing into a list (BitstringStatusListEntry). */
export interface BitstringStatusListEntry {
  id: string;
  type: "BitstringStatusListEntry";
  statusPurpose: StatusPurpose;
  /** A decimal integer, as a string (the specification's form). */
  statusListIndex: string;
  statusListCredential: string;
}

export interface BitstringStatusListCredential {
  "@context": string[];
  id: string;
  type: ["VerifiableCredential", "BitstringStatusListCredential"];
  issuer: string;
  validFrom: string;
  /** When the list stops answering: a verifier holding it later fetches it again (ISO 8601). */
  validUntil?: string;
  credentialSubject: {
    id: string;
    type: "BitstringStatusList";
    statusPurpose: StatusPurpose;
    encodedList: string;
  };
}

/** Why a list or an entry cannot be read (the specification's error names, where it has one). */
export type StatusListErrorCode =
  | "STATUS_LIST_MALFORMED"
  | "STATUS_LIST_LENGTH_ERROR"
  | "STATUS_LIST_RANGE_ERROR"
  | "STATUS_LIST_PURPOSE_MISMATCH"
  | "STATUS_LIST_WRONG_LIST"
  | "STATUS_LIST_BAD_SIGNATURE"
  | "STATUS_ENTRY_MALFORMED"
  | "STATUS_ENTRY_BAD_SIGNATURE";

export class StatusListError extends Error {
  override readonly name = "StatusListError";
  constructor(
    readonly code: StatusListErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A zeroed bitstring of `length` bits (a multiple of 8). */
export function emptyStatusBits(length: number): Uint8Array {
  return new Uint8Array(Math.ceil(length / 8));
}

/** The bit at `index` (index 0 = the left-most bit). */
export function getStatusBit(bits: Uint8Array, index: number): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bits.length * 8)
    throw new StatusListError(
      "STATUS_LIST_RANGE_ERROR",
      `Index ${index} is outside the list (${bits.length * 8} entries).`,
    );
  return (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

export function setStatusBit(bits: Uint8Array, index: number, on: boolean): void {
  getStatusBit(bits, index);
  if (on) bits[index >> 3] |= 0x80 >> (index & 7);
  else bits[index >> 3] &= ~(0x80 >> (index & 7)) & 0xff;
}

/** The specification's encodedList of a bitstring. */
export function encodeStatusList(bits: Uint8Array): string {
  if (bits.length * 8 < STATUS_LIST_MIN_LENGTH)
    throw new StatusListError(
      "STATUS_LIST_LENGTH_ERROR",
      `A status list holds at least ${STATUS_LIST_MIN_LENGTH} entries; this one has ${bits.length * 8}.`,
    );
  return "u" + base64urlnopad.encode(gzipSync(bits, { mtime: 0 }));
}

/** The bitstring of an encodedList; refuses one shorter than the specification's minimum. */
export function decodeStatusList(encodedList: unknown): Uint8Array {
  if (typeof encodedList !== "string" || !encodedList.startsWith("u"))
    throw new StatusListError(
      "STATUS_LIST_MALFORMED",
      "encodedList must be multibase base64url: a string starting with 'u'.",
    );
  let bits: Uint8Array;
  try {
    bits = gunzipBounded(base64urlnopad.decode(encodedList.slice(1)), STATUS_LIST_MAX_LENGTH / 8);
  } catch (e) {
    throw new StatusListError(
      "STATUS_LIST_MALFORMED",
      `encodedList is not base64url of GZIP data: ${(e as Error).message}.`,
    );
  }
  if (bits.length * 8 < STATUS_LIST_MIN_LENGTH)
    throw new StatusListError(
      "STATUS_LIST_LENGTH_ERROR",
      `A status list holds at least ${STATUS_LIST_MIN_LENGTH} entries; this one has ${bits.length * 8}.`,
    );
  return bits;
}

/**
 * Inflates GZIP data, refusing past `limit` bytes: the input goes in 1 KiB slices (DEFLATE inflates at
 * most ~1,032 times), so a bomb is stopped after about a MiB more than the limit, whatever its trailer says.
 */
function gunzipBounded(gz: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const g = new Gunzip((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new Error(`the list inflates past ${limit} bytes`);
    chunks.push(chunk);
    if (final) ended = true;
  });
  for (let i = 0; i < gz.length; i += 1024) g.push(gz.subarray(i, i + 1024), i + 1024 >= gz.length);
  if (!ended) throw new Error("the GZIP data ends early");
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface StatusListCredentialParameters {
  /** The URL the list is published at (also its `statusListCredential` in entries). */
  id: string;
  /** The issuer's identifier (the agency key's did:pkh). */
  issuer: string;
  statusPurpose: StatusPurpose;
  bits: Uint8Array;
  /** Unix seconds. */
  validFrom: number;
  /** Unix seconds; none for a list with no end. */
  validUntil?: number;
}

export function buildStatusListCredential(p: StatusListCredentialParameters): BitstringStatusListCredential {
  return {
    "@context": [VC_V2_CONTEXT],
    id: p.id,
    type: ["VerifiableCredential", "BitstringStatusListCredential"],
    issuer: p.issuer,
    validFrom: toIsoSeconds(p.validFrom),
    ...(p.validUntil !== undefined ? { validUntil: toIsoSeconds(p.validUntil) } : {}),
    credentialSubject: {
      id: `${p.id}#list`,
      type: "BitstringStatusList",
      statusPurpose: p.statusPurpose,
      encodedList: encodeStatusList(p.bits),
    },
  };
}

/** The entry of a certificate at `index` of the list published at `listUrl`. */
export function statusListEntry(
  listUrl: string,
  statusPurpose: StatusPurpose,
  index: number,
): BitstringStatusListEntry {
  return {
    id: `${listUrl}#${index}`,
    type: "BitstringStatusListEntry",
    statusPurpose,
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
}

// ---------------------------------------------------------------------------------------------
// vc+jwt (VC-JOSE-COSE) with ES256K (RFC 8812): ECDSA secp256k1 over SHA-256, signature r ‖ s
// ---------------------------------------------------------------------------------------------

export interface StatusListJwtHeader {
  alg: "ES256K";
  typ: "vc+jwt";
  cty: "vc";
  /** did:pkh:eip155:<chainId>:<address>#blockchainAccountId: the agency signing key, as on chain. */
  kid: string;
  /** The same key's public point, so JOSE libraries check the signature; its address must be the kid's. */
  jwk: Secp256k1Jwk;
}

const b64json = (v: unknown) => base64urlnopad.encode(utf8(JSON.stringify(v)));

/** Signs a list credential with a secp256k1 private key: the compact JWS (application/vc+jwt). */
export function signStatusListJwt(
  credential: BitstringStatusListCredential,
  privateKey: Uint8Array,
  chainId: number,
): string {
  const header: StatusListJwtHeader = {
    alg: "ES256K",
    typ: "vc+jwt",
    cty: "vc",
    ...agencyKeyHeader(privateKey, chainId),
  };
  const input = `${b64json(header)}.${b64json(credential)}`;
  return `${input}.${es256kSign(privateKey, input)}`;
}

/** The header members naming an agency key: kid its did:pkh (as on chain), jwk its public point. */
export function agencyKeyHeader(privateKey: Uint8Array, chainId: number): { kid: string; jwk: Secp256k1Jwk } {
  const jwk = publicKeyToJwk(secp256k1.getPublicKey(privateKey, false));
  return { kid: `${toDidPkh(chainId, jwkAddress(jwk))}#blockchainAccountId`, jwk };
}

/**
 * The key a header names, when its jwk is a secp256k1 key and its kid the same key's did:pkh; else throws
 * `bad(why)`. Whether that key is one of the agency's is the caller's question.
 */
export function agencyKeyOfHeader(
  header: { kid?: unknown; jwk?: Partial<Secp256k1Jwk> },
  bad: (why: string) => Error,
): { address: Address; chainId: number } {
  if (!header.jwk || header.jwk.kty !== "EC" || header.jwk.crv !== "secp256k1") throw bad("carries no secp256k1 jwk");
  const did = typeof header.kid === "string" ? parseDidPkh(header.kid.replace(/#blockchainAccountId$/, "")) : undefined;
  let address: Address;
  try {
    address = toChecksumAddress(jwkAddress(header.jwk));
  } catch {
    throw bad("carries a malformed jwk");
  }
  if (!did || did.address.toLowerCase() !== address.toLowerCase()) throw bad("names a kid that is not its jwk's key");
  return { address, chainId: did.chainId };
}

export interface VerifiedStatusListJwt {
  credential: BitstringStatusListCredential;
  header: StatusListJwtHeader;
  /** The address of the key that signed (the kid's did:pkh address): look it up among the agency's keys. */
  signer: Address;
  chainId: number;
}

/** Checks a vc+jwt list's ES256K signature against its header key; throws StatusListError. */
export function verifyStatusListJwt(jwt: string): VerifiedStatusListJwt {
  const bad = (why: string) => new StatusListError("STATUS_LIST_BAD_SIGNATURE", `The list's JWT ${why}.`);
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new StatusListError("STATUS_LIST_MALFORMED", "A vc+jwt has three dot-separated parts.");
  let header: StatusListJwtHeader;
  let credential: BitstringStatusListCredential;
  try {
    header = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(parts[0]))) as StatusListJwtHeader;
    credential = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(parts[1]))) as BitstringStatusListCredential;
  } catch {
    throw new StatusListError("STATUS_LIST_MALFORMED", "The JWT's header or payload is not base64url JSON.");
  }
  if (header.alg !== "ES256K" || header.typ !== "vc+jwt") throw bad("is not an ES256K vc+jwt");
  const { address, chainId } = agencyKeyOfHeader(header, bad);
  const ok = es256kVerify(header.jwk, `${parts[0]}.${parts[1]}`, parts[2]);
  if (!ok) throw bad("signature does not verify with its key");
  if (
    typeof credential.issuer !== "string" ||
    credential.issuer.toLowerCase() !== toDidPkh(chainId, address).toLowerCase()
  )
    throw bad("was signed by a key that is not the credential's issuer");
  return { credential, header, signer: address, chainId };
}

export interface StatusFromListReturnType {
  statusPurpose: StatusPurpose;
  index: number;
  /** The bit: revoked (revocation list) or suspended (suspension list). */
  set: boolean;
  /** The list's issuer (the agency key's did:pkh). */
  issuer: string;
}

/**
 * Reads a certificate's status from a downloaded list, offline: asks nobody which certificate it is.
 * `list` is the credential (JSON) or its vc+jwt (signature checked; the signer must still be found
 * among the agency's keys on chain). Throws StatusListError when the list does not answer for `entry`.
 */
export function statusFromList(
  list: BitstringStatusListCredential | string,
  entry: Pick<BitstringStatusListEntry, "statusPurpose" | "statusListIndex" | "statusListCredential">,
): StatusFromListReturnType {
  const credential = typeof list === "string" ? verifyStatusListJwt(list).credential : list;
  const subject = credential?.credentialSubject;
  if (
    !credential ||
    !Array.isArray(credential.type) ||
    !credential.type.includes("BitstringStatusListCredential") ||
    subject?.type !== "BitstringStatusList"
  )
    throw new StatusListError("STATUS_LIST_MALFORMED", "This is not a BitstringStatusListCredential.");
  if (credential.id !== entry.statusListCredential)
    throw new StatusListError(
      "STATUS_LIST_WRONG_LIST",
      `The entry points at ${entry.statusListCredential}; this list is ${credential.id}.`,
    );
  if (subject.statusPurpose !== entry.statusPurpose)
    throw new StatusListError(
      "STATUS_LIST_PURPOSE_MISMATCH",
      `The entry's purpose is ${entry.statusPurpose}; the list's is ${subject.statusPurpose}.`,
    );
  const index = /^(0|[1-9]\d{0,15})$/.test(entry.statusListIndex) ? Number(entry.statusListIndex) : NaN;
  if (!Number.isSafeInteger(index))
    throw new StatusListError("STATUS_LIST_RANGE_ERROR", "statusListIndex must be a non-negative decimal integer.");
  const bits = decodeStatusList(subject.encodedList);
  return { statusPurpose: entry.statusPurpose, index, set: getStatusBit(bits, index), issuer: credential.issuer };
}
