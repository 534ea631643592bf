/**
 * Builds a certificate document (docs/architecture.md#the-certificate-document): salts every leaf,
 * hashes, and commits to the holder.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { bytesToHex, type Hex } from "./ids";
import { decodeHex, toCaip10, toChecksumAddress, toDidPkh, toIsoSeconds, toUnixSeconds } from "./encoding";
import { DocumentError } from "./errors";
import {
  MAX_DOCUMENT_LENGTH,
  MAX_FIELD_DEPTH,
  MAX_LEAVES,
  META_PATHS,
  PROOF_TYPE,
  SALT_BYTES,
  STATUS_TYPE,
  TYPE_CODE,
  VC_CONTEXT_V2,
  type CertificateDocument,
} from "./format";
import { certIdBytes, compareBytes, computeLeafHash, flattenFields } from "./leaves";
import { copyJsonValue, JsonReadError, type JsonObject, type JsonValue } from "./strictJson";

/**
 * A source of random bytes. The default is crypto.getRandomValues (Node 20 and browsers); pass
 * another only to make tests deterministic.
 */
export type RandomSource = (length: number) => Uint8Array;

const RANDOM_POOL_BYTES = 65_536;
let randomPool: Uint8Array = new Uint8Array(0);
let randomPoolUsed = 0;

function freshRandom(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let o = 0; o < length; o += 65536)
    globalThis.crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)));
  return out;
}

export const defaultRandom: RandomSource = (length) => {
  if (length > RANDOM_POOL_BYTES / 8) return freshRandom(length);
  // A document's salts are a few hundred bytes: one getRandomValues call each (~7 µs) was most of what
  // drawing them cost in a batch. They are cut from a pool filled 64 kB at a time instead; every byte
  // is handed out once (a copy), and a spent pool is replaced, never refilled in place.
  if (randomPoolUsed + length > randomPool.length) {
    randomPool = freshRandom(RANDOM_POOL_BYTES);
    randomPoolUsed = 0;
  }
  const out = randomPool.slice(randomPoolUsed, randomPoolUsed + length);
  randomPoolUsed += length;
  return out;
};

export interface BuildDocumentParameters {
  certificateType: { id: number; code: string };
  /** The issuing agency's signing key address. */
  issuer: string;
  /** This certificate's own holder key address (a fresh BIP-32 child per certificate). */
  holder: string;
  chainId: number | bigint;
  /** Address of the CertificateLedger contract. */
  ledger: string;
  /** Unix seconds (or a Date with whole seconds). */
  validFrom: number | bigint | Date;
  validUntil: number | bigint | Date;
  /** The certificate's fields: any JSON object (nested objects and arrays allowed), without "id". */
  fields: Record<string, unknown>;
  /** Deterministic tests only. */
  random?: RandomSource;
}

export interface BuildDocumentReturnType {
  document: CertificateDocument;
  certId: Hex;
  documentRoot: Hex;
}

/** Builds a salted, hashed certificate document and its certId. Throws DocumentError on bad input. */
export function buildDocument(params: BuildDocumentParameters): BuildDocumentReturnType {
  const { document, certId, documentRoot } = buildDocumentText(params);
  return { document, certId, documentRoot };
}

/**
 * buildDocument, with the document's JSON text (JSON.stringify's, made once to check its length): a
 * caller that stores or sends the text takes it rather than serialising the document again.
 */
export function buildDocumentText(params: BuildDocumentParameters): BuildDocumentReturnType & { text: string } {
  const { certificateType } = params;
  if (
    typeof certificateType !== "object" ||
    certificateType === null ||
    !Number.isInteger(certificateType.id) ||
    certificateType.id < 0 ||
    certificateType.id > 0xffffffff ||
    typeof certificateType.code !== "string" ||
    !TYPE_CODE.test(certificateType.code)
  ) {
    throw new DocumentError(
      "INVALID_PARAMETER",
      "certificateType must be { id: uint32, code: a letter then up to 63 letters, digits, _ or - }",
    );
  }
  const chainId = typeof params.chainId === "bigint" ? Number(params.chainId) : params.chainId;
  if (!Number.isSafeInteger(chainId) || chainId < 1)
    throw new DocumentError("INVALID_PARAMETER", "chainId must be a positive safe integer");
  const issuer = toChecksumAddress(params.issuer);
  const holder = toChecksumAddress(params.holder);
  const ledger = toChecksumAddress(params.ledger);
  const validFrom = toUnixSeconds(params.validFrom, "validFrom");
  const validUntil = toUnixSeconds(params.validUntil, "validUntil");
  if (validFrom >= validUntil) throw new DocumentError("INVALID_PARAMETER", "validFrom must be before validUntil");

  let fields: JsonObject;
  try {
    const copy = copyJsonValue(params.fields, { maxLength: MAX_DOCUMENT_LENGTH, maxDepth: MAX_FIELD_DEPTH });
    if (typeof copy !== "object" || copy === null || Array.isArray(copy))
      throw new JsonReadError("fields must be an object");
    fields = copy;
  } catch (e) {
    throw new DocumentError("INVALID_FIELD", e instanceof Error ? e.message : String(e));
  }
  if (Object.prototype.hasOwnProperty.call(fields, "id")) {
    throw new DocumentError(
      "INVALID_FIELD",
      'a top-level field may not be named "id": credentialSubject.id is the holder',
    );
  }

  const issuerDid = toDidPkh(chainId, issuer);
  const meta: Record<(typeof META_PATHS)[number], JsonValue> = {
    "@certificateType": { code: certificateType.code, id: certificateType.id },
    "@issuer": issuerDid,
    "@ledger": toCaip10(chainId, ledger),
    "@validFrom": validFrom,
    "@validUntil": validUntil,
  };
  const nodes = flattenFields(fields, false);
  const count = META_PATHS.length + nodes.length;
  if (count > MAX_LEAVES)
    throw new DocumentError("INVALID_FIELD", `the fields make ${count} leaves, more than ${MAX_LEAVES}`);

  const random = params.random ?? defaultRandom;
  const saltBytes = random(SALT_BYTES * count);
  if (!(saltBytes instanceof Uint8Array) || saltBytes.length !== SALT_BYTES * count) {
    throw new DocumentError("INVALID_PARAMETER", `the random source must return ${SALT_BYTES * count} bytes`);
  }

  const salts: Record<string, Hex> = {};
  const leaves: Uint8Array[] = [];
  const add = (k: number, path: string, value: JsonValue) => {
    const salt = saltBytes.subarray(SALT_BYTES * k, SALT_BYTES * (k + 1));
    salts[path] = bytesToHex(salt);
    leaves.push(computeLeafHash(salt, path, value));
  };
  META_PATHS.forEach((path, k) => add(k, path, meta[path]));
  nodes.forEach((node, k) => add(META_PATHS.length + k, node.path, node.value));

  leaves.sort(compareBytes);
  const buf = new Uint8Array(32 * leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    // A repeat would need two equal salts: only a broken random source gets here.
    if (i > 0 && compareBytes(leaves[i - 1], leaves[i]) === 0)
      throw new DocumentError("INVALID_PARAMETER", "the random source repeated a salt");
    buf.set(leaves[i], 32 * i);
  }
  const rootBytes = keccak_256(buf);
  const documentRoot = bytesToHex(rootBytes);
  const certId = bytesToHex(certIdBytes(decodeHex(holder, 20)!, rootBytes));

  const document: CertificateDocument = {
    "@context": [VC_CONTEXT_V2],
    type: ["VerifiableCredential", certificateType.code],
    certificateType: { id: certificateType.id, code: certificateType.code },
    issuer: issuerDid,
    validFrom: toIsoSeconds(validFrom),
    validUntil: toIsoSeconds(validUntil),
    credentialSubject: { id: toDidPkh(chainId, holder), ...fields },
    credentialStatus: { type: STATUS_TYPE, chainId, ledger, certId },
    proof: { type: PROOF_TYPE, salts, redacted: [] },
  };
  const text = JSON.stringify(document);
  if (text.length > MAX_DOCUMENT_LENGTH) {
    throw new DocumentError("INVALID_FIELD", `the document would be larger than ${MAX_DOCUMENT_LENGTH} characters`);
  }
  return { document, certId, documentRoot, text };
}
