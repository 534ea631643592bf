/**
 * A certificate as an SD-JWT VC (RFC 9901 SD-JWT; IETF SD-JWT VC: typ `dc+sd-jwt`, `vct`, `iss`,
 * `cnf`), and its presentation with a key-binding JWT (typ `kb+jwt`: iat, aud, nonce, sd_hash).
 *
 * The issuer-signed JWT carries in clear only what a verifier needs before any disclosure: iss (the
 * agency's issuer URL, whose keys are published as JWT VC Issuer Metadata), iat, nbf/exp (the
 * certificate's validFrom/validUntil), vct, cnf.jwk (this certificate's holder key) and status (its
 * entries in the agency's status lists). Everything the certledger document says besides is selectively disclosable,
 * each disclosure with its own 128-bit salt: sub (the holder's did:pkh), certificateType,
 * credentialStatus (chain, ledger, certId, batch) and every field of credentialSubject, recursively
 * (each property of a nested object and each array element is a disclosure of its own).
 *
 * Keys are secp256k1 (the agencies' and holders' Ethereum keys): JWS alg ES256K (RFC 8812), the
 * signature being r ‖ s of ECDSA over SHA-256 of the signing input. Issuance is split so that a key
 * outside this process can sign: prepareSdJwtVc gives the signing input, finishSdJwtVc joins the
 * signature. No I/O: the same module runs in the browser bundle (the wallet presents with it).
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { sha256 } from "@noble/hashes/sha2";
import { keccak256 } from "./keccak";
import { bytesToHex } from "./ids";
import { DocumentError } from "./errors";
import { parseIsoSeconds } from "./encoding";
import { defaultRandom, type RandomSource } from "./build";
import { ledgerStatus, type CertificateDocument, type CertificateDocumentWithStatusEntries } from "./format";
import type { JsonValue } from "./strictJson";
import type { BitstringStatusListEntry } from "./statusList";

export const SD_JWT_VC_TYP = "dc+sd-jwt";
export const KB_JWT_TYP = "kb+jwt";
export const SD_JWT_ALG = "ES256K";
/** The hash of disclosures and of sd_hash (IANA "Named Information Hash Algorithm" name). */
export const SD_HASH_ALG = "sha-256";
const SALT_BYTES = 16;

/** A secp256k1 public key as a JWK (RFC 7517, curve name per RFC 8812). */
export interface Secp256k1Jwk {
  kty: "EC";
  crv: "secp256k1";
  x: string;
  y: string;
  kid?: string;
}

/** What a certledger SD-JWT VC's `status` claim points at: one entry of a status list (its purpose, list URL, index). */
export type StatusListEntry = Pick<
  BitstringStatusListEntry,
  "statusPurpose" | "statusListCredential" | "statusListIndex"
>;

// ----- encodings ------------------------------------------------------------------------------

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true });
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** base64url without padding (RFC 4648 §5), as JWS uses it. */
export function base64url(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? ENCODER.encode(bytes) : bytes;
  let out = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[n >>> 18] + B64[(n >>> 12) & 63];
    if (i + 1 < b.length) out += B64[(n >>> 6) & 63];
    if (i + 2 < b.length) out += B64[n & 63];
  }
  return out;
}

export function base64urlDecode(text: string): Uint8Array {
  if (typeof text !== "string" || text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text))
    throw new DocumentError("INVALID_PARAMETER", "not base64url");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => (i + k < text.length ? B64_INDEX.get(text[i + k])! : 0));
    const n = (c[0] << 18) | (c[1] << 12) | (c[2] << 6) | c[3];
    out[o++] = n >>> 16;
    if (i + 2 < text.length) out[o++] = (n >>> 8) & 255;
    if (i + 3 < text.length) out[o++] = n & 255;
  }
  return out;
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(DECODER.decode(base64urlDecode(part))) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DocumentError("INVALID_PARAMETER", `the ${what} is not a base64url JSON object`);
}

// ----- keys and signatures --------------------------------------------------------------------

/** The JWK of a secp256k1 public key (33-byte compressed or 65-byte uncompressed). */
export function publicKeyToJwk(publicKey: Uint8Array): Secp256k1Jwk {
  let point;
  try {
    point = secp256k1.ProjectivePoint.fromHex(publicKey);
  } catch {
    throw new DocumentError("INVALID_PARAMETER", "not a secp256k1 public key");
  }
  const raw = point.toRawBytes(false);
  return { kty: "EC", crv: "secp256k1", x: base64url(raw.subarray(1, 33)), y: base64url(raw.subarray(33, 65)) };
}

/** The 65-byte public key of a JWK; throws DocumentError when it is not a point of secp256k1. */
export function jwkToPublicKey(jwk: unknown): Uint8Array {
  const j = jwk as Partial<Secp256k1Jwk> | null;
  if (typeof j !== "object" || j === null || j.kty !== "EC" || j.crv !== "secp256k1")
    throw new DocumentError("INVALID_PARAMETER", 'the key must be a JWK with kty "EC" and crv "secp256k1"');
  let x: Uint8Array, y: Uint8Array;
  try {
    x = base64urlDecode(j.x ?? "");
    y = base64urlDecode(j.y ?? "");
  } catch {
    throw new DocumentError("INVALID_PARAMETER", "the JWK's x and y must be base64url");
  }
  if (x.length !== 32 || y.length !== 32)
    throw new DocumentError("INVALID_PARAMETER", "the JWK's x and y must be 32 bytes each");
  const raw = new Uint8Array(65);
  raw[0] = 4;
  raw.set(x, 1);
  raw.set(y, 33);
  try {
    secp256k1.ProjectivePoint.fromHex(raw).assertValidity();
  } catch {
    throw new DocumentError("INVALID_PARAMETER", "the JWK is not a point of secp256k1");
  }
  return raw;
}

/** The Ethereum address (lower case) of a JWK's key: the last 20 bytes of keccak256(x ‖ y). */
export function jwkAddress(jwk: unknown): `0x${string}` {
  return bytesToHex(keccak256(jwkToPublicKey(jwk).subarray(1)).subarray(12)).toLowerCase() as `0x${string}`;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the `kid` of an issuer key. */
export function jwkThumbprint(jwk: Secp256k1Jwk): string {
  jwkToPublicKey(jwk);
  return base64url(sha256(ENCODER.encode(`{"crv":"secp256k1","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`)));
}

/** SHA-256 of a JWS signing input: the digest an ES256K signer signs. */
export function es256kDigest(signingInput: string): Uint8Array {
  return sha256(ENCODER.encode(signingInput));
}

/** ES256K signature (base64url of r ‖ s, low s) of a signing input with a private key. */
export function es256kSign(privateKey: Uint8Array, signingInput: string): string {
  return base64url(secp256k1.sign(es256kDigest(signingInput), privateKey, { lowS: true }).toCompactRawBytes());
}

/** r ‖ s of a base64url ES256K signature, or undefined when it is not 64 bytes. */
function compactSignature(signature: string): Uint8Array | undefined {
  try {
    const b = base64urlDecode(signature);
    return b.length === 64 ? b : undefined;
  } catch {
    return undefined;
  }
}

export function es256kVerify(jwk: unknown, signingInput: string, signature: string): boolean {
  const sig = compactSignature(signature);
  if (!sig) return false;
  try {
    return secp256k1.verify(sig, es256kDigest(signingInput), jwkToPublicKey(jwk), { lowS: false });
  } catch {
    return false;
  }
}

/**
 * The keys an ES256K signature could come from (ECDSA leaves two candidates without a recovery bit):
 * the caller keeps the one whose address it expects.
 */
export function es256kSignerCandidates(signingInput: string, signature: string): Secp256k1Jwk[] {
  const sig = compactSignature(signature);
  if (!sig) return [];
  const digest = es256kDigest(signingInput);
  const out: Secp256k1Jwk[] = [];
  for (const bit of [0, 1]) {
    try {
      const point = secp256k1.Signature.fromCompact(sig).addRecoveryBit(bit).recoverPublicKey(digest);
      out.push(publicKeyToJwk(point.toRawBytes(false)));
    } catch {
      // this recovery bit gives no point
    }
  }
  return out;
}

// ----- disclosures ----------------------------------------------------------------------------

function saltOf(random: RandomSource): string {
  const b = random(SALT_BYTES);
  if (!(b instanceof Uint8Array) || b.length !== SALT_BYTES)
    throw new DocumentError("INVALID_PARAMETER", `the random source must return ${SALT_BYTES} bytes`);
  return base64url(b);
}

/** The digest of a disclosure as it appears in `_sd` or `{"...": digest}`: base64url(SHA-256(ASCII)). */
export function disclosureDigest(disclosure: string): string {
  return base64url(sha256(ENCODER.encode(disclosure)));
}

class DisclosureWriter {
  readonly disclosures: string[] = [];
  constructor(private readonly random: RandomSource) {}

  private add(content: JsonValue[]): string {
    const d = base64url(JSON.stringify(content));
    this.disclosures.push(d);
    return disclosureDigest(d);
  }

  /** Every property disclosable; digests sorted so that their order says nothing of the claims'. */
  object(obj: { [k: string]: JsonValue }): { [k: string]: JsonValue } {
    const keys = Object.keys(obj);
    if (keys.length === 0) return {};
    const sd = keys.map((k) => this.add([saltOf(this.random), k, this.value(obj[k])]));
    return { _sd: sd.sort() };
  }

  value(v: JsonValue): JsonValue {
    if (Array.isArray(v)) return v.map((e) => ({ "...": this.add([saltOf(this.random), this.value(e)]) }));
    if (v !== null && typeof v === "object") return this.object(v);
    return v;
  }
}

// ----- issuance -------------------------------------------------------------------------------

export interface PrepareSdJwtVcParameters {
  /** An unredacted certledger document whose integrity the caller checked (with or without status list entries). */
  document: CertificateDocument | CertificateDocumentWithStatusEntries;
  /** The agency's issuer identifier (an https URL whose JWT VC Issuer Metadata lists its keys). */
  issuer: string;
  /** The issuing key's public JWK: its thumbprint becomes the header's kid. */
  issuerKey: Secp256k1Jwk;
  /** This certificate's holder key (cnf.jwk). */
  holderKey: Secp256k1Jwk;
  /** Unix seconds. */
  issuedAt: number;
  /** The certificate's entries in the status lists; none: no `status` claim. */
  status?: StatusListEntry[];
  random?: RandomSource;
}

export interface UnsignedSdJwtVc {
  /** base64url(header) "." base64url(payload): what ES256K signs (SHA-256 of its ASCII). */
  signingInput: string;
  /** The disclosures, in the order they were made. */
  disclosures: string[];
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** The vct of a certledger certificate type. */
export function certificateVct(typeCode: string): string {
  return `urn:certledger:type:${typeCode}`;
}

/**
 * The `status` claim of an SD-JWT VC, from the certificate's status list entries. This is where the
 * status list's per-certificate entries become the credential's status reference.
 */
export function sdJwtStatusClaim(entries: readonly StatusListEntry[]): Record<string, unknown> | undefined {
  if (entries.length === 0) return undefined;
  return {
    bitstring_status_list: entries.map((e) => ({
      type: "BitstringStatusListEntry",
      statusPurpose: e.statusPurpose,
      statusListCredential: e.statusListCredential,
      statusListIndex: e.statusListIndex,
    })),
  };
}

/** Claim names the credential itself uses at the top level, which no field may take. */
const TOP_LEVEL_CLAIMS = new Set([
  "iss",
  "iat",
  "nbf",
  "exp",
  "vct",
  "vct#integrity",
  "cnf",
  "status",
  "sub",
  "certificateType",
  "credentialStatus",
]);
/** Names RFC 9901 reserves at every level. */
const SD_RESERVED = new Set(["_sd", "_sd_alg", "..."]);

/**
 * A field named like a claim of the credential (iss, cnf...) would, once disclosed, stand beside or
 * for that claim; one named _sd or ... would break the structure. Such a certificate cannot be exported.
 */
function checkFieldNames(fields: { [k: string]: JsonValue }): void {
  const bad = (name: string, top: boolean) =>
    new DocumentError(
      "INVALID_FIELD",
      `the field "${name}" cannot be an SD-JWT VC claim: ${top ? "the credential uses that name itself" : "SD-JWT reserves it"}`,
    );
  for (const k of Object.keys(fields)) if (TOP_LEVEL_CLAIMS.has(k)) throw bad(k, true);
  const walk = (v: JsonValue) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object")
      for (const [k, inner] of Object.entries(v)) {
        if (SD_RESERVED.has(k)) throw bad(k, false);
        walk(inner);
      }
  };
  walk(fields);
}

/** The issuer-signed JWT's header and payload and every disclosure, ready to sign. */
export function prepareSdJwtVc(params: PrepareSdJwtVcParameters): UnsignedSdJwtVc {
  const { document } = params;
  if (document.proof.redacted.length > 0)
    throw new DocumentError("INVALID_PARAMETER", "export the whole document: this one has redacted fields");
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(params.issuer))
    throw new DocumentError("INVALID_PARAMETER", "the issuer must be an http(s) URL without query or fragment");
  jwkToPublicKey(params.holderKey);
  const writer = new DisclosureWriter(params.random ?? defaultRandom);
  const { id: subject, ...fields } = document.credentialSubject;
  checkFieldNames(fields);
  const disclosed = writer.object({
    sub: subject,
    certificateType: { id: document.certificateType.id, code: document.certificateType.code },
    // The ledger's entry only: a document's status list entries go in the status claim below.
    credentialStatus: ledgerStatus(document) as unknown as JsonValue,
    ...fields,
  });
  const status = sdJwtStatusClaim(params.status ?? []);
  const payload: Record<string, unknown> = {
    iss: params.issuer,
    iat: params.issuedAt,
    nbf: parseIsoSeconds(document.validFrom),
    exp: parseIsoSeconds(document.validUntil),
    vct: certificateVct(document.certificateType.code),
    cnf: { jwk: { kty: "EC", crv: "secp256k1", x: params.holderKey.x, y: params.holderKey.y } },
    ...(status ? { status } : {}),
    _sd_alg: SD_HASH_ALG,
    ...disclosed,
  };
  const header = { alg: SD_JWT_ALG, typ: SD_JWT_VC_TYP, kid: jwkThumbprint(params.issuerKey) };
  return {
    signingInput: `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`,
    disclosures: writer.disclosures,
    header,
    payload,
  };
}

/** The SD-JWT (compact): issuer-signed JWT ~ disclosures ~ (no key binding yet). */
export function finishSdJwtVc(signingInput: string, disclosures: readonly string[], signature: string): string {
  return `${signingInput}.${signature}~${disclosures.map((d) => `${d}~`).join("")}`;
}

// ----- reading and presenting ----------------------------------------------------------------

export interface ParsedSdJwt {
  signingInput: string;
  signature: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Each disclosure with its digest and decoded content ([salt, name, value] or [salt, value]). */
  disclosures: { text: string; digest: string; name?: string; value: unknown }[];
  keyBinding?: string;
}

/** Splits and decodes an SD-JWT (with or without a key-binding JWT). Checks no signature. */
export function parseSdJwt(sdJwt: string): ParsedSdJwt {
  if (typeof sdJwt !== "string" || !sdJwt.includes("~"))
    throw new DocumentError("INVALID_PARAMETER", "an SD-JWT is <jwt>~<disclosure>~...~[<kb-jwt>]");
  const parts = sdJwt.split("~");
  const jws = parts[0].split(".");
  if (jws.length !== 3) throw new DocumentError("INVALID_PARAMETER", "the issuer-signed JWT must have three parts");
  const last = parts[parts.length - 1];
  const disclosures = parts.slice(1, -1).map((text) => {
    let content: unknown;
    try {
      content = JSON.parse(DECODER.decode(base64urlDecode(text)));
    } catch {
      throw new DocumentError("INVALID_PARAMETER", "a disclosure is not base64url JSON");
    }
    if (!Array.isArray(content) || (content.length !== 2 && content.length !== 3) || typeof content[0] !== "string")
      throw new DocumentError("INVALID_PARAMETER", "a disclosure is [salt, name, value] or [salt, value]");
    if (content.length === 3 && typeof content[1] !== "string")
      throw new DocumentError("INVALID_PARAMETER", "a disclosure's claim name must be a string");
    return content.length === 3
      ? { text, digest: disclosureDigest(text), name: content[1] as string, value: content[2] }
      : { text, digest: disclosureDigest(text), value: content[1] };
  });
  return {
    signingInput: `${jws[0]}.${jws[1]}`,
    signature: jws[2],
    header: decodeJsonPart(jws[0], "JWT header"),
    payload: decodeJsonPart(jws[1], "JWT payload"),
    disclosures,
    keyBinding: last === "" ? undefined : last,
  };
}

/** Digests an object or array embeds directly (its own `_sd` and `{"...": d}` entries, not deeper). */
function digestsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const e of value) {
      if (
        e !== null &&
        typeof e === "object" &&
        !Array.isArray(e) &&
        typeof (e as { "...": unknown })["..."] === "string"
      )
        out.push((e as { "...": string })["..."]);
      else digestsIn(e, out);
    }
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k !== "_sd") digestsIn(v, out);
      else if (Array.isArray(v)) for (const d of v) if (typeof d === "string") out.push(d);
    }
  }
  return out;
}

/**
 * Checks that every disclosure is referenced exactly once from the payload or another disclosure
 * (RFC 9901 §7.1), and returns the names of the top-level disclosable claims.
 */
export function checkDisclosures(parsed: Pick<ParsedSdJwt, "payload" | "disclosures">): string[] {
  const byDigest = new Map(parsed.disclosures.map((d) => [d.digest, d]));
  if (byDigest.size !== parsed.disclosures.length)
    throw new DocumentError("INVALID_PARAMETER", "a disclosure appears twice");
  const seen = new Set<string>();
  const names: string[] = [];
  const visit = (digests: string[], top: boolean) => {
    for (const digest of digests) {
      const d = byDigest.get(digest);
      if (!d) continue; // undisclosed (or a decoy)
      if (seen.has(digest)) throw new DocumentError("INVALID_PARAMETER", "a digest is referenced twice");
      seen.add(digest);
      if (top && d.name !== undefined) names.push(d.name);
      visit(digestsIn(d.value), false);
    }
  };
  visit(digestsIn(parsed.payload), true);
  if (seen.size !== byDigest.size)
    throw new DocumentError("INVALID_PARAMETER", "a disclosure is not referenced by the issuer-signed JWT");
  return names;
}

/** The claims the SD-JWT shows: its payload with every present disclosure put in place (no signature check). */
export function disclosedClaims(parsed: Pick<ParsedSdJwt, "payload" | "disclosures">): Record<string, unknown> {
  const byDigest = new Map(parsed.disclosures.map((d) => [d.digest, d]));
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const e of value) {
        const ref =
          e !== null && typeof e === "object" && !Array.isArray(e) ? (e as { "...": unknown })["..."] : undefined;
        if (typeof ref !== "string") out.push(resolve(e));
        else if (byDigest.has(ref)) out.push(resolve(byDigest.get(ref)!.value));
      }
      return out;
    }
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "_sd_alg") continue;
      if (k !== "_sd") out[k] = resolve(v);
      else if (Array.isArray(v))
        for (const digest of v) {
          const d = byDigest.get(digest as string);
          if (d?.name !== undefined) out[d.name] = resolve(d.value);
        }
    }
    return out;
  };
  return resolve(parsed.payload) as Record<string, unknown>;
}

export interface PresentSdJwtVcParameters {
  /** The SD-JWT VC as issued (all disclosures). */
  sdJwt: string;
  /** Top-level claim names to disclose (e.g. "name", "certificateType"); each with everything under it. */
  disclose: readonly string[];
  /** This certificate's holder private key (the key in cnf.jwk). */
  holderPrivateKey: Uint8Array;
  /** The verifier's nonce and audience, as the verifier asked. */
  nonce: string;
  aud: string;
  /** Unix seconds. */
  iat: number;
}

/** The presentation: issuer-signed JWT ~ the picked disclosures ~ key-binding JWT. */
export function presentSdJwtVc(params: PresentSdJwtVcParameters): string {
  const parsed = parseSdJwt(params.sdJwt);
  if (parsed.keyBinding) throw new DocumentError("INVALID_PARAMETER", "present the SD-JWT as issued, without a KB-JWT");
  if (typeof params.nonce !== "string" || params.nonce.length === 0 || typeof params.aud !== "string" || !params.aud)
    throw new DocumentError("INVALID_PARAMETER", "the verifier's nonce and aud are required");
  const available = checkDisclosures(parsed);
  const unknown = params.disclose.filter((n) => !available.includes(n));
  if (unknown.length > 0)
    throw new DocumentError(
      "INVALID_PARAMETER",
      `no disclosable claim named ${unknown.map((n) => `"${n}"`).join(", ")}`,
    );
  const cnf = (parsed.payload.cnf as { jwk?: unknown } | undefined)?.jwk;
  const holder = publicKeyToJwk(secp256k1.getPublicKey(params.holderPrivateKey, false));
  if (!cnf || jwkAddress(cnf) !== jwkAddress(holder))
    throw new DocumentError("INVALID_PARAMETER", "this key is not the credential's holder key (cnf.jwk)");

  const byDigest = new Map(parsed.disclosures.map((d) => [d.digest, d]));
  const keep: string[] = [];
  const take = (digests: string[]) => {
    for (const digest of digests) {
      const d = byDigest.get(digest);
      if (!d) continue;
      keep.push(d.text);
      take(digestsIn(d.value));
    }
  };
  for (const digest of digestsIn(parsed.payload)) {
    const d = byDigest.get(digest);
    if (d?.name !== undefined && params.disclose.includes(d.name)) {
      keep.push(d.text);
      take(digestsIn(d.value));
    }
  }
  const presented = finishSdJwtVc(parsed.signingInput, keep, parsed.signature);
  const kbHeader = { alg: SD_JWT_ALG, typ: KB_JWT_TYP };
  const kbPayload = {
    iat: params.iat,
    aud: params.aud,
    nonce: params.nonce,
    sd_hash: base64url(sha256(ENCODER.encode(presented))),
  };
  const kbInput = `${base64url(JSON.stringify(kbHeader))}.${base64url(JSON.stringify(kbPayload))}`;
  return `${presented}${kbInput}.${es256kSign(params.holderPrivateKey, kbInput)}`;
}
