/**
 * A certificate's entries in its agency's Bitstring Status Lists, carried in its own document, and the
 * status check a verifier makes from lists fetched whole: nobody is asked about the certificate
 * (docs/decisions/0022-status-entries-in-the-document.md).
 *
 * Document form (W3C VC 2.0 allows several status entries): `credentialStatus` becomes an array, the
 * ledger's `CertLedgerStatus` first, then one `BitstringStatusListEntry` per purpose; and
 * `proof.statusEntryProof` binds them. The entries are drawn after the certId is fixed, so they are no
 * leaves: the agency signs them instead, a detached JWS (RFC 7515 appendix F), ES256K (RFC 8812), over
 * the RFC 8785 form of `{ certId, credentialStatus: entries }`, with the lists' own header (kid: the
 * agency key's did:pkh, jwk: its public key). No I/O: runs in Node and the browser.
 */
import { base64urlnopad } from "@scure/base";
import { canonicalJson } from "./leaves";
import { parseDidPkh, utf8, type Address } from "./encoding";
import { es256kSign, es256kVerify, type Secp256k1Jwk } from "./sdJwt";
import {
  STATUS_PURPOSES,
  agencyKeyHeader,
  agencyKeyOfHeader,
  StatusListError,
  statusFromList,
  verifyStatusListJwt,
  type BitstringStatusListCredential,
  type BitstringStatusListEntry,
  type StatusListErrorCode,
  type StatusPurpose,
} from "./statusList";
import { ledgerStatus, type CertificateDocument, type CertificateDocumentWithStatusEntries } from "./format";
import type { Hex } from "./ids";

/** The JOSE `typ` of the entries' signature: what it is, so it cannot pass for a list or an SD-JWT. */
export const STATUS_ENTRIES_TYP = "certledger-status-entries+jws";
/** The members an entry has in a document: the specification's, nothing else. */
const ENTRY_KEYS = ["id", "type", "statusPurpose", "statusListIndex", "statusListCredential"] as const;
/** Where a gateway publishes a list: the agency and purpose are read from it. */
const LIST_URL =
  /^(https?:\/\/[^/?#]+(?:\/[^?#]*)?)\/v1\/public\/status-lists\/(0x[0-9a-f]{40})\/(revocation|suspension)$/;

/** Default age past which a list without its own end (validUntil) is stale; the gateway's lists last an hour. */
export const STATUS_LIST_MAX_AGE_SECONDS = 3600;
/** Clock difference tolerated between the list's signer and the verifier. */
const CLOCK_SKEW_SECONDS = 300;

interface EntriesHeader {
  alg: "ES256K";
  typ: typeof STATUS_ENTRIES_TYP;
  kid: string;
  jwk: Secp256k1Jwk;
}

const b64json = (v: unknown) => base64urlnopad.encode(utf8(JSON.stringify(v)));
const payloadOf = (certId: string, entries: readonly BitstringStatusListEntry[]) =>
  base64urlnopad.encode(utf8(canonicalJson({ certId, credentialStatus: entries })));

/** The agency, origin and purpose a list URL names; undefined for a URL that is no gateway's list. */
export function parseStatusListUrl(
  url: string,
): { origin: string; base: string; agency: Address; purpose: StatusPurpose } | undefined {
  const m = LIST_URL.exec(url);
  if (!m) return undefined;
  return { origin: new URL(m[1]).origin, base: m[1], agency: m[2] as Address, purpose: m[3] as StatusPurpose };
}

/** Signs a certificate's entries with an agency key: the detached JWS (`<header>..<signature>`). */
export function signStatusEntries(
  certId: Hex,
  entries: readonly BitstringStatusListEntry[],
  privateKey: Uint8Array,
  chainId: number,
): string {
  const header: EntriesHeader = { alg: "ES256K", typ: STATUS_ENTRIES_TYP, ...agencyKeyHeader(privateKey, chainId) };
  const h = b64json(header);
  return `${h}..${es256kSign(privateKey, `${h}.${payloadOf(certId, entries)}`)}`;
}

/**
 * Checks that `proof` signs exactly these entries for this certId, with the key its header names:
 * returns that key's address (whether it is one of the agency's keys is the caller's question).
 */
export function verifyStatusEntries(
  certId: string,
  entries: readonly BitstringStatusListEntry[],
  proof: string,
): { signer: Address; chainId: number } {
  const bad = (why: string) => new StatusListError("STATUS_ENTRY_BAD_SIGNATURE", `The status entries' proof ${why}.`);
  const parts = typeof proof === "string" ? proof.split(".") : [];
  if (parts.length !== 3 || parts[1] !== "") throw bad("is not a detached JWS (<header>..<signature>)");
  let header: EntriesHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(parts[0]))) as EntriesHeader;
  } catch {
    throw bad("has a header that is not base64url JSON");
  }
  if (header?.alg !== "ES256K" || header.typ !== STATUS_ENTRIES_TYP)
    throw bad(`is not an ES256K ${STATUS_ENTRIES_TYP}`);
  const { address, chainId } = agencyKeyOfHeader(header, bad);
  if (!es256kVerify(header.jwk, `${parts[0]}.${payloadOf(certId, entries)}`, parts[2]))
    throw bad("does not sign these entries for this certificate");
  return { signer: address, chainId };
}

/** Reads entries as a document carries them; throws STATUS_ENTRY_MALFORMED on any other shape. */
export function readStatusEntries(values: readonly unknown[]): BitstringStatusListEntry[] {
  const bad = (why: string) => new StatusListError("STATUS_ENTRY_MALFORMED", `A status list entry ${why}.`);
  if (values.length < 1 || values.length > STATUS_PURPOSES.length) throw bad("count must be 1 or 2");
  const seen = new Set<string>();
  return values.map((v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad("must be an object");
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.includes(k as never)) throw bad(`has an unknown member ${k}`);
    if (e.type !== "BitstringStatusListEntry") throw bad('must have type "BitstringStatusListEntry"');
    if (!STATUS_PURPOSES.includes(e.statusPurpose as StatusPurpose)) throw bad("has an unknown statusPurpose");
    if (seen.has(e.statusPurpose as string)) throw bad("repeats a purpose");
    seen.add(e.statusPurpose as string);
    if (typeof e.statusListIndex !== "string" || !/^(0|[1-9]\d{0,15})$/.test(e.statusListIndex))
      throw bad("statusListIndex must be a non-negative decimal integer as a string");
    const list = typeof e.statusListCredential === "string" ? parseStatusListUrl(e.statusListCredential) : undefined;
    if (!list || list.purpose !== e.statusPurpose)
      throw bad("statusListCredential must be a gateway's status list URL for its purpose");
    if (e.id !== undefined && e.id !== `${e.statusListCredential as string}#${e.statusListIndex}`)
      throw bad("id must be <statusListCredential>#<statusListIndex>");
    return e as unknown as BitstringStatusListEntry;
  });
}

/**
 * The document with its signed status list entries (replacing any it had): what the holder keeps, so a
 * verifier can read its status from the lists fetched whole. Its certId and leaves do not change.
 * Throws StatusListError when the proof does not sign these entries for this document's certId.
 */
export function withStatusEntries(
  document: CertificateDocument | CertificateDocumentWithStatusEntries,
  signed: { entries: readonly BitstringStatusListEntry[]; proof: string },
): CertificateDocumentWithStatusEntries {
  const ledger = ledgerStatus(document);
  const entries = readStatusEntries(signed.entries);
  verifyStatusEntries(ledger.certId, entries, signed.proof);
  return {
    ...document,
    credentialStatus: [ledger, ...entries],
    proof: { ...document.proof, statusEntryProof: signed.proof },
  };
}

/** The status list entries a document carries (none for a document issued before they were). */
export function documentStatusEntries(document: { credentialStatus: unknown }): BitstringStatusListEntry[] {
  const s = document.credentialStatus as unknown;
  return Array.isArray(s) ? (s.slice(1) as BitstringStatusListEntry[]) : [];
}

// ---------------------------------------------------------------------------------------------
// The status check from lists fetched whole
// ---------------------------------------------------------------------------------------------

/** Why status from lists is not VALID; the list problems have their StatusListError codes. */
export type StatusFromListsReason =
  | "REVOKED"
  | "SUSPENDED"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "ISSUER_NOT_ACCREDITED"
  | "STATUS_LIST_STALE"
  | "STATUS_LIST_MISSING"
  | StatusListErrorCode;

export interface StatusFromListsParameters {
  /** What the integrity check established (verifyDocumentIntegrity's OK result). */
  certificate: {
    certId: string;
    issuer: string;
    validFrom: number;
    validUntil: number;
    statusEntries?: { entries: BitstringStatusListEntry[]; signer: string };
  };
  /** The lists, fetched whole: vc+jwt text (signed) or the credential (unsigned, never trusted). */
  lists: readonly (string | BitstringStatusListCredential)[];
  /** The agency's signing keys (addresses), from its published issuer metadata or the registry on chain. */
  agencyKeys: readonly string[];
  /** Unix seconds. */
  now: number;
  /** A list older than this (validFrom) is stale even before its own validUntil; default one hour. */
  maxAgeSeconds?: number;
}

export interface StatusFromListsReturnType {
  /** How status was checked: always from the lists here (`online` is the gateway's by certId). */
  method: "status-list";
  verdict: "VALID" | "INVALID" | "UNKNOWN";
  /** Empty when VALID. UNKNOWN (stale, missing or unreadable list) says status could not be established. */
  reasons: StatusFromListsReason[];
  /** The status the lists give, when they were read: ACTIVE, REVOKED or SUSPENDED. */
  status?: "ACTIVE" | "REVOKED" | "SUSPENDED";
  /** The agency (from the signed entries' list URL). */
  agency?: Address;
  lists: {
    purpose: StatusPurpose;
    url: string;
    index: number;
    set?: boolean;
    validFrom?: number;
    validUntil?: number;
    signer?: string;
    problem?: StatusFromListsReason;
  }[];
}

const unix = (iso: unknown): number | undefined => {
  const t = typeof iso === "string" ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
};

/**
 * The certificate's status read from its agency's lists, fetched whole: the signed entries must be signed
 * by one of the agency's keys (so a holder cannot point a revoked certificate at a clear bit), each list
 * signed by one of them and fresh; then the bits, with the document's validity window. Never throws.
 */
export function statusFromLists(p: StatusFromListsParameters): StatusFromListsReturnType {
  const out: StatusFromListsReturnType = { method: "status-list", verdict: "VALID", reasons: [], lists: [] };
  const reasons = new Set<StatusFromListsReason>();
  const keys = new Set(p.agencyKeys.map((k) => k.toLowerCase()));
  const entries = p.certificate.statusEntries;
  if (!entries) return { ...out, verdict: "UNKNOWN", reasons: ["STATUS_LIST_MISSING"] };
  out.agency = parseStatusListUrl(entries.entries[0].statusListCredential)?.agency;
  if (!entries.entries.every((e) => parseStatusListUrl(e.statusListCredential)?.agency === out.agency))
    reasons.add("STATUS_ENTRY_MALFORMED");
  if (!keys.has(entries.signer.toLowerCase())) reasons.add("STATUS_ENTRY_BAD_SIGNATURE");
  if (!keys.has((parseDidPkh(p.certificate.issuer)?.address ?? p.certificate.issuer).toLowerCase()))
    reasons.add("ISSUER_NOT_ACCREDITED");
  if (p.now < p.certificate.validFrom) reasons.add("NOT_YET_VALID");
  if (p.now >= p.certificate.validUntil) reasons.add("EXPIRED");

  const maxAge = p.maxAgeSeconds ?? STATUS_LIST_MAX_AGE_SECONDS;
  let unknown = false;
  const read: Partial<Record<StatusPurpose, boolean>> = {};
  for (const entry of entries.entries) {
    const row: StatusFromListsReturnType["lists"][number] = {
      purpose: entry.statusPurpose,
      url: entry.statusListCredential,
      index: Number(entry.statusListIndex),
    };
    out.lists.push(row);
    const problem = (code: StatusFromListsReason, setsUnknown = true) => {
      row.problem = code;
      reasons.add(code);
      if (setsUnknown) unknown = true;
    };
    const candidates = p.lists.filter((l) => listId(l) === entry.statusListCredential);
    if (candidates.length === 0) {
      problem("STATUS_LIST_MISSING");
      continue;
    }
    try {
      const list = candidates[0];
      if (typeof list !== "string")
        throw new StatusListError("STATUS_LIST_BAD_SIGNATURE", "An unsigned list vouches for nothing offline.");
      const v = verifyStatusListJwt(list);
      row.signer = v.signer;
      if (!keys.has(v.signer.toLowerCase()))
        throw new StatusListError("STATUS_LIST_BAD_SIGNATURE", `The list's signer ${v.signer} is no agency key.`);
      row.validFrom = unix(v.credential.validFrom);
      row.validUntil = unix(v.credential.validUntil);
      const r = statusFromList(v.credential, entry);
      row.set = r.set;
      read[entry.statusPurpose] = r.set;
      if (
        row.validFrom === undefined ||
        row.validFrom > p.now + CLOCK_SKEW_SECONDS ||
        p.now - row.validFrom > maxAge ||
        (row.validUntil !== undefined && p.now >= row.validUntil)
      )
        problem("STATUS_LIST_STALE");
    } catch (e) {
      if (e instanceof StatusListError) problem(e.code as StatusFromListsReason);
      else problem("STATUS_LIST_MALFORMED");
    }
  }
  // A set bit in a signed list says what it says, even when the list is stale.
  if (read.revocation) reasons.add("REVOKED");
  if (read.suspension) reasons.add("SUSPENDED");
  const status = read.revocation ? "REVOKED" : read.suspension ? "SUSPENDED" : unknown ? undefined : "ACTIVE";
  out.reasons = [...reasons];
  // A problem with a list leaves status unknown; anything else (a set bit, expiry, a bad entry) is a refusal.
  out.verdict = out.reasons.some((r) => !LIST_PROBLEMS.has(r)) ? "INVALID" : out.reasons.length ? "UNKNOWN" : "VALID";
  return status ? { ...out, status } : out;
}

const LIST_PROBLEMS = new Set<StatusFromListsReason>([
  "STATUS_LIST_STALE",
  "STATUS_LIST_MISSING",
  "STATUS_LIST_MALFORMED",
  "STATUS_LIST_LENGTH_ERROR",
  "STATUS_LIST_RANGE_ERROR",
  "STATUS_LIST_PURPOSE_MISMATCH",
  "STATUS_LIST_WRONG_LIST",
  "STATUS_LIST_BAD_SIGNATURE",
]);

/** The id of a list as given (vc+jwt text or credential), without checking anything. */
function listId(list: string | BitstringStatusListCredential): string | undefined {
  if (typeof list !== "string") return list?.id;
  try {
    const c = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(list.split(".")[1] ?? ""))) as { id?: unknown };
    return typeof c.id === "string" ? c.id : undefined;
  } catch {
    return undefined;
  }
}

export { STATUS_PURPOSES };
