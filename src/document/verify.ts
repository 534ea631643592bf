/**
 * Integrity of a certificate document, without any chain access: is the document exactly what the
 * issuer committed to (certId), and which fields does it disclose? The chain-side checks (issued,
 * status, accreditation, grants) build on the certId this returns.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { bytesToHex, type Hex } from "./ids";
import {
  decodeHex,
  isLowerHex,
  parseChecksumAddress,
  parseDidPkh,
  parseIsoSeconds,
  toCaip10,
  type Address,
} from "./encoding";
import {
  MAX_BATCH_PROOF_LENGTH,
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
import { certIdBytes, compareBytes, computeLeafHash, flattenFields, type FieldNode } from "./leaves";
import { copyJsonValue, JsonReadError, parseStrictJson, type JsonObject, type JsonValue } from "./strictJson";
import { batchLeafBytes, processBatchProofBytes } from "./batch";
import { readStatusEntries, verifyStatusEntries } from "./statusEntries";
import type { BitstringStatusListEntry } from "./statusList";

export type IntegrityCode = "OK" | "TAMPERED" | "MALFORMED";

export interface VerifyDocumentIntegrityReturnType {
  code: IntegrityCode;
  /** Why the document is not OK, in a sentence. */
  reason?: string;
  /** Set when OK: the certId the document commits to (look it up on chain). */
  certId?: Hex;
  documentRoot?: Hex;
  /** The certificate's holder key (from credentialSubject.id), when OK. */
  holder?: Address;
  /** The issuing agency key (from issuer), when OK. */
  issuer?: Address;
  chainId?: number;
  ledger?: Address;
  certificateType?: { id: number; code: string };
  /** Unix seconds, when OK. */
  validFrom?: number;
  validUntil?: number;
  /** When batched and OK: the batch root, this certificate's leaf and its proof. */
  batch?: { root: Hex; leaf: Hex; proof: Hex[] };
  /** When OK and the document carries them: its status list entries and the key that signed them. */
  statusEntries?: { entries: BitstringStatusListEntry[]; signer: Address };
  /** Canonical paths of the disclosed fields, sorted; [] unless OK. */
  disclosed: string[];
  /** When OK: the value of each disclosed field, by path. */
  values?: Record<string, JsonValue>;
  /** When OK: how many field leaves are redacted (their paths are not revealed). */
  redactedCount?: number;
}

const JSON_LIMITS = { maxLength: MAX_DOCUMENT_LENGTH, maxDepth: MAX_FIELD_DEPTH + 2 };
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });
const TOP_KEYS = new Set([
  "@context",
  "type",
  "certificateType",
  "issuer",
  "validFrom",
  "validUntil",
  "credentialSubject",
  "credentialStatus",
  "proof",
]);

class Verdict extends Error {
  constructor(
    readonly code: "TAMPERED" | "MALFORMED",
    readonly reason: string,
  ) {
    super(reason);
  }
}
const malformed = (reason: string): never => {
  throw new Verdict("MALFORMED", reason);
};
const tampered = (reason: string): never => {
  throw new Verdict("TAMPERED", reason);
};

/** Reads any input (JSON text, UTF-8 bytes, or an already-parsed value) into bounded plain JSON. */
export function readDocumentInput(input: unknown): JsonValue {
  try {
    if (typeof input === "string") return parseStrictJson(input, JSON_LIMITS);
    if (input instanceof Uint8Array) {
      if (input.length > MAX_DOCUMENT_LENGTH) {
        return malformed(`the input is ${input.length} bytes, more than the limit of ${MAX_DOCUMENT_LENGTH}`);
      }
      let text: string;
      try {
        text = UTF8_DECODER.decode(input);
      } catch {
        return malformed("the input bytes are not UTF-8");
      }
      return parseStrictJson(text, JSON_LIMITS);
    }
    return copyJsonValue(input, JSON_LIMITS);
  } catch (e) {
    if (e instanceof JsonReadError) return malformed(`not a strict JSON document: ${e.message}`);
    throw e;
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function needObject(v: unknown, what: string): JsonObject {
  return isObject(v) ? v : malformed(`${what} must be an object`);
}
function onlyKeys(o: JsonObject, allowed: readonly string[], what: string) {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) malformed(`${what} has an unknown member ${JSON.stringify(k.slice(0, 64))}`);
}
function needUint(v: unknown, max: number, what: string): number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max
    ? v
    : malformed(`${what} must be an integer from 0 to ${max}`);
}

/** Everything an integrity check learns about a document that has the right shape. */
export interface InspectedDocument {
  document: CertificateDocument;
  certId: Hex;
  documentRoot: Hex;
  holder: Address;
  issuer: Address;
  chainId: number;
  ledger: Address;
  validFrom: number;
  validUntil: number;
  /** Disclosed field leaves with their hashes. */
  fields: { node: FieldNode; hash: Uint8Array }[];
  batch?: { root: Hex; leaf: Hex; proof: Hex[] };
  /** The status list entries it carries, with the key that signed them (is it the agency's? the caller asks). */
  statusEntries?: { entries: BitstringStatusListEntry[]; signer: Address };
}

/** Checks shape (MALFORMED) then commitments (TAMPERED); throws Verdict. */
function inspect(value: JsonValue): InspectedDocument {
  const doc = needObject(value, "the document");
  for (const k of Object.keys(doc))
    if (!TOP_KEYS.has(k)) malformed(`unknown top-level member ${JSON.stringify(k.slice(0, 64))}`);
  for (const k of TOP_KEYS) if (!(k in doc)) malformed(`missing member "${k}"`);

  const context = doc["@context"];
  if (!Array.isArray(context) || context.length !== 1 || context[0] !== VC_CONTEXT_V2) {
    malformed(`"@context" must be ["${VC_CONTEXT_V2}"]`);
  }

  const ct = needObject(doc.certificateType, "certificateType");
  onlyKeys(ct, ["id", "code"], "certificateType");
  const typeId = needUint(ct.id, 0xffffffff, "certificateType.id");
  const typeCode =
    typeof ct.code === "string" && TYPE_CODE.test(ct.code)
      ? ct.code
      : malformed("certificateType.code must be a type code");

  const type = doc.type as JsonValue[];
  if (!Array.isArray(type) || type.length !== 2 || type[0] !== "VerifiableCredential" || typeof type[1] !== "string") {
    malformed('type must be ["VerifiableCredential", <certificate type code>]');
  }

  const issuerDid = parseDidPkh(doc.issuer) ?? malformed("issuer must be did:pkh:eip155:<chainId>:<EIP-55 address>");
  const validFrom =
    parseIsoSeconds(doc.validFrom) ?? malformed("validFrom must be an ISO 8601 UTC time in whole seconds");
  const validUntil =
    parseIsoSeconds(doc.validUntil) ?? malformed("validUntil must be an ISO 8601 UTC time in whole seconds");

  const subject = needObject(doc.credentialSubject, "credentialSubject");
  const holderDid =
    parseDidPkh(subject.id) ?? malformed("credentialSubject.id must be did:pkh:eip155:<chainId>:<EIP-55 address>");

  // One ledger status (as issued), or the ledger's then the signed status list entries (statusEntries.ts).
  const statusValue = doc.credentialStatus;
  const withEntries = Array.isArray(statusValue);
  const status = needObject(withEntries ? statusValue[0] : statusValue, "credentialStatus");
  onlyKeys(status, ["type", "chainId", "ledger", "certId", "batch"], "credentialStatus");
  if (status.type !== STATUS_TYPE) malformed(`credentialStatus.type must be "${STATUS_TYPE}"`);
  const chainId = needUint(status.chainId, Number.MAX_SAFE_INTEGER, "credentialStatus.chainId");
  const ledger = parseChecksumAddress(status.ledger) ?? malformed("credentialStatus.ledger must be an EIP-55 address");
  const claimedCertId = isLowerHex(status.certId, 32)
    ? status.certId
    : malformed("credentialStatus.certId must be 0x + 64 lowercase hex digits");
  let batch: { root: Hex; proof: Hex[] } | undefined;
  if (status.batch !== undefined) {
    const b = needObject(status.batch, "credentialStatus.batch");
    onlyKeys(b, ["root", "proof"], "credentialStatus.batch");
    const root = isLowerHex(b.root, 32)
      ? b.root
      : malformed("credentialStatus.batch.root must be a 32-byte lowercase hex");
    if (
      !Array.isArray(b.proof) ||
      b.proof.length > MAX_BATCH_PROOF_LENGTH ||
      !b.proof.every((p) => isLowerHex(p, 32))
    ) {
      malformed(`credentialStatus.batch.proof must be at most ${MAX_BATCH_PROOF_LENGTH} 32-byte lowercase hex strings`);
    }
    batch = { root, proof: b.proof as Hex[] };
  }

  const proof = needObject(doc.proof, "proof");
  onlyKeys(
    proof,
    withEntries ? ["type", "salts", "redacted", "statusEntryProof"] : ["type", "salts", "redacted"],
    "proof",
  );
  let entries: BitstringStatusListEntry[] | undefined;
  if (withEntries) {
    try {
      entries = readStatusEntries((statusValue as JsonValue[]).slice(1));
    } catch (e) {
      malformed(`credentialStatus: ${(e as Error).message}`);
    }
    if (typeof proof.statusEntryProof !== "string") malformed("proof.statusEntryProof must be the entries' signature");
  }
  if (proof.type !== PROOF_TYPE) malformed(`proof.type must be "${PROOF_TYPE}"`);
  const salts = needObject(proof.salts, "proof.salts");
  const redacted = proof.redacted;
  if (!Array.isArray(redacted) || !redacted.every((h) => isLowerHex(h, 32))) {
    malformed("proof.redacted must be an array of 32-byte lowercase hex leaf hashes");
  }
  const saltKeys = Object.keys(salts);
  if (saltKeys.length + (redacted as unknown[]).length > MAX_LEAVES) malformed(`more than ${MAX_LEAVES} leaves`);
  for (const k of saltKeys) {
    if (!isLowerHex(salts[k], SALT_BYTES))
      malformed(`the salt of ${JSON.stringify(k.slice(0, 64))} must be 0x + 32 lowercase hex digits`);
  }

  // Shape is right from here on: any mismatch is a change to what the issuer committed to.
  if (type[1] !== typeCode) tampered(`type names "${type[1]}" but certificateType.code is "${typeCode}"`);
  if (issuerDid.chainId !== chainId)
    tampered(`the issuer DID names chain ${issuerDid.chainId}, credentialStatus chain ${chainId}`);
  if (holderDid.chainId !== chainId)
    tampered(`the holder DID names chain ${holderDid.chainId}, credentialStatus chain ${chainId}`);

  const leaves: Uint8Array[] = [];
  let used = 0;
  // The salt's hex (checked above): computeLeafHash decodes it straight into its buffer.
  const saltOf = (path: string): string | undefined => {
    const s = Object.prototype.hasOwnProperty.call(salts, path) ? salts[path] : undefined;
    if (s === undefined) return undefined;
    used++;
    return s as string;
  };
  const meta: Record<(typeof META_PATHS)[number], JsonValue> = {
    "@certificateType": { code: typeCode, id: typeId },
    "@issuer": doc.issuer as string,
    "@ledger": toCaip10(chainId, ledger),
    "@validFrom": validFrom,
    "@validUntil": validUntil,
  };
  for (const path of META_PATHS) {
    const salt = saltOf(path) ?? tampered(`the salt of ${path} is missing`);
    leaves.push(computeLeafHash(salt, path, meta[path]));
  }

  const fields: InspectedDocument["fields"] = [];
  for (const node of flattenFields(subject, true)) {
    const salt = saltOf(node.path);
    if (salt) {
      const hash = computeLeafHash(salt, node.path, node.value);
      fields.push({ node, hash });
      leaves.push(hash);
    } else if (node.value === null && node.inArray) {
      // A redacted array element keeps its place as null; a trailing one would only hide length.
      if (node.last) tampered(`${node.path} is a redacted element at the end of its array`);
    } else {
      tampered(`field ${node.path} has no salt`);
    }
  }
  if (used !== saltKeys.length) {
    const unused = saltKeys.find((k) => !META_PATHS.includes(k as never) && !fields.some((f) => f.node.path === k));
    tampered(`the salt of ${JSON.stringify((unused ?? "?").slice(0, 64))} belongs to no field`);
  }
  if (leaves.length + (redacted as unknown[]).length > MAX_LEAVES) malformed(`more than ${MAX_LEAVES} leaves`);

  for (let i = 1; i < (redacted as string[]).length; i++) {
    if ((redacted as string[])[i - 1] >= (redacted as string[])[i])
      tampered("proof.redacted is not strictly ascending");
  }
  for (const h of redacted as string[]) leaves.push(decodeHex(h, 32)!);
  leaves.sort(compareBytes);
  const buf = new Uint8Array(32 * leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    if (i > 0 && compareBytes(leaves[i - 1], leaves[i]) === 0) tampered("two leaves have the same hash");
    buf.set(leaves[i], 32 * i);
  }
  const rootBytes = keccak_256(buf);
  const documentRoot = bytesToHex(rootBytes);
  const certIdRaw = certIdBytes(decodeHex(holderDid.address, 20)!, rootBytes);
  const certId = bytesToHex(certIdRaw);
  if (certId !== claimedCertId) tampered("the document does not hash to its certId");
  if (validFrom >= validUntil) tampered("validFrom is not before validUntil");

  let statusEntries: InspectedDocument["statusEntries"];
  if (entries) {
    try {
      statusEntries = {
        entries,
        signer: verifyStatusEntries(certId, entries, proof.statusEntryProof as string).signer,
      };
    } catch (e) {
      tampered(`the status list entries are not the ones signed for it: ${(e as Error).message}`);
    }
  }

  let batchInfo: InspectedDocument["batch"];
  if (batch) {
    // On bytes from the certId's own bytes: the proof's elements were checked to be 32-byte hex above.
    const leaf = batchLeafBytes(certIdRaw, validFrom, validUntil);
    const root = processBatchProofBytes(leaf, batch.proof);
    if (!root || bytesToHex(root) !== batch.root) tampered("the batch proof does not lead to the batch root");
    batchInfo = { root: batch.root, leaf: bytesToHex(leaf), proof: batch.proof };
  }

  return {
    document: doc as unknown as CertificateDocument,
    certId,
    documentRoot,
    holder: holderDid.address,
    issuer: issuerDid.address,
    chainId,
    ledger,
    validFrom,
    validUntil,
    fields,
    batch: batchInfo,
    ...(statusEntries ? { statusEntries } : {}),
  };
}

/** Inspects a document, throwing Verdict on anything but OK (for redactDocument and friends). */
export function inspectDocument(input: unknown): InspectedDocument {
  return inspect(readDocumentInput(input));
}
export { Verdict as IntegrityVerdictError };

/**
 * Checks that a document is exactly what its issuer committed to: recomputes every disclosed leaf,
 * the document root and certId (and the batch proof, when batched) and lists the disclosed fields.
 * Accepts JSON text, UTF-8 bytes or a parsed value. Never throws: a verdict says what is wrong.
 */
/** The disclosed paths, sorted, and their values keyed in the same order. */
function disclosedValues(fields: { node: { path: string; value: JsonValue } }[]): {
  disclosed: string[];
  values: Record<string, JsonValue>;
} {
  const sorted = fields.slice().sort((a, b) => (a.node.path < b.node.path ? -1 : a.node.path > b.node.path ? 1 : 0));
  const disclosed: string[] = new Array(sorted.length);
  const values: Record<string, JsonValue> = {};
  for (let i = 0; i < sorted.length; i++) {
    disclosed[i] = sorted[i].node.path;
    values[sorted[i].node.path] = sorted[i].node.value;
  }
  return { disclosed, values };
}

export function verifyDocumentIntegrity(input: unknown): VerifyDocumentIntegrityReturnType {
  try {
    const d = inspectDocument(input);
    return {
      code: "OK",
      certId: d.certId,
      documentRoot: d.documentRoot,
      holder: d.holder,
      issuer: d.issuer,
      chainId: d.chainId,
      ledger: d.ledger,
      certificateType: { id: d.document.certificateType.id, code: d.document.certificateType.code },
      validFrom: d.validFrom,
      validUntil: d.validUntil,
      ...(d.batch ? { batch: d.batch } : {}),
      ...(d.statusEntries ? { statusEntries: d.statusEntries } : {}),
      ...disclosedValues(d.fields),
      redactedCount: d.document.proof.redacted.length,
    };
  } catch (e) {
    if (e instanceof Verdict) return { code: e.code, reason: e.reason, disclosed: [] };
    // Anything else (a hostile Proxy, an exhausted stack) is still a verdict, never an exception.
    return {
      code: "MALFORMED",
      reason: `unreadable input: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200),
      disclosed: [],
    };
  }
}
