/**
 * Claiming: issuance to citizens who have no wallet address yet (docs/decisions/0013-claim-offers.md).
 *
 * An agency issues to a claim reference (what it knows: an ID number, a student number) instead of a
 * holder. The gateway keeps an offer: the certificate's fields, the reference, and a one-time claim code
 * it hands to the agency once (printed on the letter, or sent through the agency's own channel). Nothing
 * goes on chain. The citizen's wallet enters the code and the reference; only then is the document built
 * for a fresh holder key of that wallet and its certId issued, so certId hides the holder as any other.
 *
 * A claim code is `OOOO-OOOO-OOOO-SSSS-SSSS-SSSS-SSSS` in Crockford base32: 60 random bits name the offer
 * (so wrong attempts count against it) and 80 random bits are the secret. The secret and the reference are
 * stored only as HMAC-SHA256 under the gateway's claim key: a copy of the database alone cannot even test
 * a guess, and with the key an 80-bit secret is still beyond search, so a slow hash would only slow
 * issuance (thousands of offers a batch). The offer's fields are sealed (AES-256-GCM) under a key derived
 * from the code, so the gateway reads them only when the citizen claims. Five wrong attempts lock the
 * offer; offers expire, and an expired offer's sealed fields and hashes are deleted by the retention sweep.
 *
 * Pure: @noble/hashes, so the wallet page parses codes with the same functions.
 */
import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { openText, sealText } from "./aead";
import { DomainError, badRequest, conflict, notFound } from "./errors";
import { canonicalJson, randomId } from "./hashing";
import { buildForHolder, prepareType, validateFields, validity, type IssuedCertificate } from "./issuance";
import type { Address, Bytes32, CertificateDocument, ClaimOfferRecord, ClaimOfferStore, DomainDeps } from "./ports";

export const CLAIM_ERRORS = {
  MALFORMED: "CLAIM_CODE_MALFORMED",
  NOT_FOUND: "CLAIM_NOT_FOUND",
  INVALID: "CLAIM_CODE_INVALID",
  EXPIRED: "CLAIM_EXPIRED",
  LOCKED: "CLAIM_LOCKED",
  CLAIMED: "CLAIM_ALREADY_CLAIMED",
  FIELDS: "CLAIM_REFERENCE_FIELDS",
  HOLDER: "CLAIM_HOLDER_INVALID",
  CUSTODY: "CLAIM_NEEDS_CUSTODIAL_KEYS",
} as const;

/** Wrong attempts (code or identity fields) after which an offer is locked for good. */
export const CLAIM_LOCK_AFTER = 5;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Characters of the offer id (60 bits) and of the secret (80 bits). */
const ID_CHARS = 12;
const SECRET_CHARS = 16;
export const CLAIM_OFFER_ID = /^[0-9A-HJKMNP-TV-Z]{12}$/;

function randomBase32(chars: number): string {
  const bytes = new Uint8Array(chars);
  globalThis.crypto.getRandomValues(bytes);
  // 256 is a multiple of 32: every character is uniform, 5 bits each.
  let s = "";
  for (const b of bytes) s += ALPHABET[b & 31];
  return s;
}

/** The code as printed: seven groups of four. */
export function formatClaimCode(offerId: string, secret: string): string {
  return (offerId + secret).match(/.{4}/g)!.join("-");
}

/**
 * The offer id and secret of a typed, pasted or scanned claim code (a claim link's `#claim=` too).
 * Lenient as Crockford base32 is: case, spaces and dashes do not matter, O reads as 0, I and L as 1.
 */
export function parseClaimCode(text: string): { offerId: string; secret: string } | undefined {
  const m = /[#?&]claim=([^&#\s]+)/.exec(text);
  const raw = (m ? decodeURIComponent(m[1]) : text)
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (raw.length !== ID_CHARS + SECRET_CHARS || [...raw].some((c) => !ALPHABET.includes(c))) return undefined;
  return { offerId: raw.slice(0, ID_CHARS), secret: raw.slice(ID_CHARS) };
}

/** The wallet link a claim letter's QR code carries: the code stays in the fragment, never sent. */
export function claimLink(origin: string, code: string): string {
  return `${origin}/wallet#claim=${code}`;
}

/** Identity values compared as people write them: Unicode NFKC, spaces collapsed, letters upper-case. */
export function normaliseReference(reference: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reference))
    out[k] = v.normalize("NFKC").trim().replace(/\s+/g, " ").toUpperCase();
  return out;
}

function keyed(key: Uint8Array, label: string, offerId: string, text: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(`certledger claim ${label} v1\u0000${offerId}\u0000${text}`)));
}

/** The AES-256-GCM key of an offer's draft: only the claim code (with the gateway's key) opens it. */
function draftKey(key: Uint8Array, offerId: string, secret: string): Uint8Array {
  return hmac(sha256, key, utf8ToBytes(`certledger claim draft v1\u0000${offerId}\u0000${secret}`));
}
const draftAad = (offerId: string) => `certledger claim draft v1:${offerId}`;

export const claimCodeHash = (key: Uint8Array, offerId: string, secret: string) => keyed(key, "code", offerId, secret);
export const claimReferenceHash = (key: Uint8Array, offerId: string, reference: Record<string, string>) =>
  keyed(key, "reference", offerId, canonicalJson(normaliseReference(reference)));

/** Compares two equal-length hex strings without stopping at the first difference. */
function sameHex(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

export interface ClaimDeps extends DomainDeps {
  claims: ClaimOfferStore;
  /** The HMAC key of claim codes and references (32 bytes; the same on every replica). */
  claimKey: Uint8Array;
  /** How long an offer waits for its citizen, seconds. */
  claimOfferSeconds: number;
}

export interface ClaimItem {
  claim: { reference: Record<string, string> };
  fields: Record<string, unknown>;
  validFrom?: number;
  validUntil?: number;
}

/** One offer as the agency sees it; `claimCode` only in the answer that created it. */
export interface ClaimOfferView {
  index: number;
  offerId: string;
  state: ClaimOfferRecord["state"];
  expiresAt: number;
  claimCode?: string;
  certId?: Bytes32;
  claimedAt?: number;
}

interface Draft {
  fields: Record<string, unknown>;
  validFrom: number;
  validUntil: number;
}

export function offerView(o: ClaimOfferRecord, now: number, claimCode?: string): ClaimOfferView {
  const expired = o.state === "expired" || ((o.state === "open" || o.state === "locked") && now >= o.expiresAt);
  return {
    index: o.itemIndex,
    offerId: o.id,
    state: expired ? "expired" : o.state,
    expiresAt: o.expiresAt,
    claimCode,
    certId: o.certId,
    claimedAt: o.claimedAt,
  };
}

function requireCustodial(deps: Pick<DomainDeps, "custody">): void {
  if (deps.custody === "external")
    throw conflict(
      CLAIM_ERRORS.CUSTODY,
      "Claim offers are issued with the agency's key at claim time, which this gateway does not hold (external key custody); " +
        "issue to holder addresses and sign with the agency's key instead.",
    );
}

/** Checks every claim item as issuance checks a holder item (schema, check digits, validity); changes nothing. */
export async function checkClaimItems(
  deps: DomainDeps,
  p: { agency: Address; type: string; items: { item: ClaimItem; index: number }[] },
): Promise<void> {
  requireCustodial(deps);
  const type = await prepareType(deps, p.agency.toLowerCase() as Address, p.type);
  const now = deps.clock.now();
  for (const { item, index } of p.items) {
    validateFields(deps, p.type, item.fields, index);
    validity(type, item, now, index);
  }
}

/**
 * Makes one offer per item, each with a fresh claim code, under `origin` (a batch id, or the
 * Idempotency-Key's token). Offers already made under `origin` (a retried request) come back without
 * their codes, which were shown once.
 */
export async function createClaimOffers(
  deps: ClaimDeps,
  p: { agency: Address; type: string; origin: string; items: { item: ClaimItem; index: number }[] },
): Promise<ClaimOfferView[]> {
  const agency = p.agency.toLowerCase() as Address;
  const now = deps.clock.now();
  const known = await deps.claims.byOrigin(agency, p.origin);
  if (known.length > 0) return known.map((o) => offerView(o, now));
  await checkClaimItems(deps, p);
  const type = await prepareType(deps, agency, p.type);
  for (;;) {
    const codes: string[] = [];
    const offers: ClaimOfferRecord[] = [];
    for (const { item, index } of p.items) {
      const offerId = randomBase32(ID_CHARS);
      const secret = randomBase32(SECRET_CHARS);
      codes.push(formatClaimCode(offerId, secret));
      const win = validity(type, item, now, index);
      const draft: Draft = { fields: item.fields, ...win };
      offers.push({
        id: offerId,
        agency,
        type: type.code,
        origin: p.origin,
        itemIndex: index,
        codeHash: claimCodeHash(deps.claimKey, offerId, secret),
        referenceHash: claimReferenceHash(deps.claimKey, offerId, item.claim.reference),
        referenceFields: Object.keys(item.claim.reference).sort(),
        // Sealed under the code: the gateway cannot read an offer's fields until its citizen claims it.
        draft: await sealText(draftKey(deps.claimKey, offerId, secret), draftAad(offerId), JSON.stringify(draft)),
        state: "open",
        failures: 0,
        createdAt: now,
        // An offer claimed after its certificate's validity ended would issue an expired certificate.
        expiresAt: Math.min(now + deps.claimOfferSeconds, win.validUntil),
      });
    }
    if (await deps.claims.create(offers)) return offers.map((o, i) => offerView(o, now, codes[i]));
  }
}

/** An agency's offers from one batch (or single issue), in item order: its manifest of claims. */
export async function agencyClaimOffers(deps: ClaimDeps, agency: Address, origin: string): Promise<ClaimOfferView[]> {
  const now = deps.clock.now();
  return (await deps.claims.byOrigin(agency.toLowerCase() as Address, origin)).map((o) => offerView(o, now));
}

async function offerOf(deps: ClaimDeps, offerId: string): Promise<ClaimOfferRecord> {
  const o = await deps.claims.get(offerId);
  if (!o)
    throw notFound(
      CLAIM_ERRORS.NOT_FOUND,
      "No certificate is offered under this claim code: check the code on the letter (or it was deleted after it expired).",
    );
  return o;
}

function refuseUnlessOpen(o: ClaimOfferRecord, now: number): void {
  if (o.state === "expired" || (o.state !== "claimed" && now >= o.expiresAt))
    throw new DomainError(
      CLAIM_ERRORS.EXPIRED,
      "This claim code has expired and the offer's personal data was deleted; ask the issuing agency to issue again.",
      { status: 410 },
    );
  if (o.state === "locked")
    throw new DomainError(
      CLAIM_ERRORS.LOCKED,
      `Wrong claim codes or identity details were entered ${CLAIM_LOCK_AFTER} times: this offer is locked. Ask the issuing agency for a new one.`,
      { status: 423 },
    );
  if (o.state === "claimed")
    throw conflict(CLAIM_ERRORS.CLAIMED, "This certificate was already claimed; a claim code works once.");
}

/** What the wallet shows before the citizen claims: which type, which identity fields to give, until when. */
export async function claimOfferInfo(
  deps: ClaimDeps,
  offerId: string,
): Promise<{
  offerId: string;
  type: string;
  agency: Address;
  referenceFields: string[];
  expiresAt: number;
  state: ClaimOfferView["state"];
}> {
  const o = await offerOf(deps, offerId);
  const v = offerView(o, deps.clock.now());
  return {
    offerId: o.id,
    type: o.type,
    agency: o.agency,
    referenceFields: o.referenceFields,
    expiresAt: o.expiresAt,
    state: v.state,
  };
}

export interface ClaimCertificateParameters {
  /** The claim code as the citizen entered it. */
  code: string;
  /** The identity fields the offer asks for. */
  reference: Record<string, string>;
  /** A fresh holder key of the claiming wallet. */
  holder: Address;
}

export interface ClaimedCertificate extends IssuedCertificate {
  offerId: string;
}

/**
 * Checks the code and the identity fields, then builds the document for `holder` and issues it on chain.
 * A wrong code or wrong identity fields count one attempt (the answer does not say which was wrong); at
 * five the offer is locked. The same claim retried (the answer was lost) finishes the same certificate.
 */
export async function claimCertificate(deps: ClaimDeps, p: ClaimCertificateParameters): Promise<ClaimedCertificate> {
  requireCustodial(deps);
  const parsed = parseClaimCode(p.code);
  if (!parsed)
    throw badRequest(
      CLAIM_ERRORS.MALFORMED,
      "A claim code is 28 letters and digits in seven groups of four, as printed on the letter.",
    );
  if (/^0x0{40}$/i.test(p.holder))
    throw badRequest(CLAIM_ERRORS.HOLDER, "The holder must be a fresh key of the wallet.");
  const holder = p.holder.toLowerCase() as Address;
  const now = deps.clock.now();
  const o = await offerOf(deps, parsed.offerId);
  const codeOk = sameHex(o.codeHash, claimCodeHash(deps.claimKey, o.id, parsed.secret));
  // A retry of this very claim (its answer was lost before the certificate was on chain) finishes it.
  if (o.state === "claimed" && codeOk && o.holder === holder && o.draft !== null) return finishClaim(deps, o);
  refuseUnlessOpen(o, now);
  const given = Object.keys(p.reference).sort();
  if (canonicalJson(given) !== canonicalJson(o.referenceFields))
    throw badRequest(
      CLAIM_ERRORS.FIELDS,
      `This offer asks for exactly these identity fields: ${o.referenceFields.join(", ")}.`,
      {
        referenceFields: o.referenceFields,
      },
    );
  const referenceOk = sameHex(o.referenceHash, claimReferenceHash(deps.claimKey, o.id, p.reference));
  if (!codeOk || !referenceOk) {
    const after = await deps.claims.fail(o.id, CLAIM_LOCK_AFTER);
    if (!after || after.state !== "open") {
      refuseUnlessOpen({ ...o, state: after?.state ?? "expired" }, now);
      throw conflict(CLAIM_ERRORS.CLAIMED, "This certificate was already claimed; a claim code works once.");
    }
    throw new DomainError(CLAIM_ERRORS.INVALID, "The claim code or the identity details do not match this offer.", {
      status: 403,
      details: { attemptsLeft: CLAIM_LOCK_AFTER - after.failures },
    });
  }
  const draft = JSON.parse(
    await openText(draftKey(deps.claimKey, o.id, parsed.secret), draftAad(o.id), o.draft!),
  ) as Draft;
  const agency = o.agency;
  const type = await prepareType(deps, agency, o.type);
  const { key, built } = await buildForHolder(deps, agency, type, {
    holder,
    fields: draft.fields,
    validFrom: draft.validFrom,
    validUntil: draft.validUntil,
  });
  const bound: ClaimedDraft = {
    certId: built.certId,
    typeId: type.typeId,
    issuerKey: key.key,
    validFrom: draft.validFrom,
    validUntil: draft.validUntil,
    document: built.document,
  };
  if (!(await deps.claims.markClaimed(o.id, { holder, certId: built.certId, at: now, draft: JSON.stringify(bound) }))) {
    // Another claim with the right code won the race, or the offer changed meanwhile.
    const again = await offerOf(deps, o.id);
    if (again.state === "claimed" && again.holder === holder && again.draft !== null) return finishClaim(deps, again);
    refuseUnlessOpen(again, now);
    throw conflict(CLAIM_ERRORS.CLAIMED, "This certificate was already claimed; a claim code works once.");
  }
  return finishClaim(deps, await offerOf(deps, o.id));
}

/** What a claimed offer keeps until its certificate is on chain (then nothing). */
interface ClaimedDraft {
  certId: Bytes32;
  typeId: number;
  issuerKey: Address;
  validFrom: number;
  validUntil: number;
  document: CertificateDocument;
}

async function finishClaim(deps: ClaimDeps, o: ClaimOfferRecord): Promise<ClaimedCertificate> {
  const d = JSON.parse(o.draft!) as ClaimedDraft;
  const receipt = await deps.chain.issue({
    agency: o.agency,
    issuerKey: d.issuerKey,
    certId: d.certId,
    typeId: d.typeId,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    outboxKey: `claim:${o.id}`,
  });
  // The document leaves with this answer; the gateway keeps no copy of it.
  await deps.claims.finish(o.id);
  return {
    offerId: o.id,
    certId: d.certId,
    type: o.type,
    holder: o.holder!,
    issuerKey: d.issuerKey,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
    document: d.document,
  };
}

/** A fresh origin for offers made outside a batch job. */
export const newClaimOrigin = (): string => randomId();
