/**
 * Scan to authorise at the counter (docs/architecture.md#counter-scan-to-verdict): a verifier opens a
 * presentation request; the holder's wallet fetches it, signs one Grant per certificate bound to the
 * request (grantee = the verifier, nonce = the request's nonce, purpose = hash of its purpose code)
 * and answers with the grants and the redacted documents; the gateway relays the grants, verifies,
 * records the checks, and the verifier reads the verdict.
 *
 * Everything that can be decided without the chain is decided before anything is sent to it: a
 * forged request id, a grant for another request, a tampered document or a signature by someone else
 * is refused with its own error code and changes nothing on chain (issue 6 item 5). A request is
 * answered once: the session moves OPEN → ANSWERING → ANSWERED atomically in the store, so a replayed
 * or concurrent answer gets COUNTER_REQUEST_ANSWERED. The holder may instead decline: OPEN → DECLINED,
 * also atomically, so the counter learns it at once rather than when the request expires.
 *
 * Pure logic over ports: the session store, the document library, signature recovery, the chain
 * writer and the gateway's verify use case come in as arguments (src/http/routes/counter.ts wires
 * them).
 *
 * NOTE for "engine" (src/store): `CounterSessionStore` below is the repository this needs over the
 * `counter_sessions` table (claim must be one conditional UPDATE ... WHERE state = 'OPEN' AND
 * expires_at > now). Until it exists the routes use `MemoryCounterSessionStore` (counterMemory.ts).
 */
import { keccak_256 } from "@noble/hashes/sha3";
import { DomainError } from "./errors";
import type {
  Address,
  Bytes32,
  Clock,
  DelegateGrantRelayRequest,
  DelegationTerms,
  DocumentIntegrity,
  DocumentLibrary,
  GrantRelayRequest,
  Hex,
  SignatureRecovery,
} from "./ports";

// ---------------------------------------------------------------------------------------------
// Model and ports
// ---------------------------------------------------------------------------------------------

export type CounterSessionState = "OPEN" | "ANSWERING" | "ANSWERED" | "DECLINED";

/** The agency that issued a certificate, as the registry names it. */
export interface CounterIssuer {
  agency: Address;
  name: string;
  /** The Chinese name, when the catalog knows the agency's department. */
  nameZh?: string;
}

export interface CounterPresentationResult {
  certId: Bytes32;
  typeCode?: string;
  grantId?: Bytes32;
  /** Who issued it (absent when the ledger does not know the certificate). */
  issuer?: CounterIssuer;
  /** The certificate's validity, from its document (committed to by its certId). */
  validFrom?: number;
  validUntil?: number;
  verdict: "VALID" | "INVALID";
  reasons: string[];
  /** Field paths and values the holder disclosed (the hidden ones are absent). */
  disclosed: Record<string, unknown>;
  /** How many fields the holder hid. */
  redactedCount: number;
  /** Set when a delegate presented the certificate for its holder, under this delegation. */
  presentedBy?: PresentedBy;
}

/** Who presented a certificate for its holder: the delegate's address and the holder's delegation. */
export interface PresentedBy {
  delegate: Address;
  delegationId: Bytes32;
}

export interface CounterResult {
  answeredAt: number;
  verdict: "VALID" | "INVALID";
  presentations: CounterPresentationResult[];
}

export interface CounterSession {
  /** 128-bit random, base64url: unguessable, so the id alone lets a wallet fetch the request. */
  id: string;
  verifier: Address;
  /** Certificate type codes wanted (catalog codes), at least one, no duplicates. */
  types: string[];
  /** Purpose code, e.g. "open-bank-account"; the grants carry keccak256 of it. */
  purpose: string;
  /** uint256 as a decimal string; every grant of the answer carries it as its nonce. */
  nonce: string;
  createdAt: number;
  expiresAt: number;
  state: CounterSessionState;
  result?: CounterResult;
  /** When the holder declined (state DECLINED). */
  declinedAt?: number;
}

export interface CounterSessionStore {
  insert(session: CounterSession): Promise<void>;
  get(id: string): Promise<CounterSession | undefined>;
  /** The sessions of these ids that exist, in one read (the event streams' watcher uses it). */
  getMany?(ids: string[]): Promise<CounterSession[]>;
  /**
   * Atomically moves an OPEN, unexpired session to ANSWERING and returns true; returns false and
   * changes nothing otherwise (already answered, being answered, expired or unknown).
   */
  claim(id: string, now: number): Promise<boolean>;
  /** ANSWERING → ANSWERED with its result. */
  complete(id: string, result: CounterResult): Promise<void>;
  /** ANSWERING → OPEN, when answering failed on our side (the holder may try again). */
  release(id: string): Promise<void>;
  /**
   * Atomically moves an OPEN, unexpired session to DECLINED (recording `now` as declinedAt) and
   * returns true; returns false and changes nothing otherwise.
   */
  decline(id: string, now: number): Promise<boolean>;
}

/** The gateway's verification of one presentation under a grant, with the check recorded. */
export interface PresentationVerifier {
  verifyAndRecord(input: {
    verifier: Address;
    document: unknown;
    grantId: Bytes32;
    expectedTypeCode?: string;
    /** Stable key so a retried answer records each check once. */
    outboxKey: string;
  }): Promise<{ verdict: "VALID" | "INVALID"; reasons: string[]; presentedBy?: PresentedBy }>;
  /**
   * Integrity and status without consent: used when the chain refuses the grant, so the officer
   * reads why (REVOKED, NOT_ISSUED...) rather than only the chain's refusal code.
   */
  verifyWithoutGrant?(document: unknown): Promise<{ verdict: "VALID" | "INVALID"; reasons: string[] }>;
}

export interface CounterDeps {
  clock: Clock;
  sessions: CounterSessionStore;
  documents: Pick<DocumentLibrary, "verifyIntegrity">;
  signatures: Pick<SignatureRecovery, "recoverGrant" | "delegationId">;
  chain: {
    relayGrant(req: GrantRelayRequest): Promise<{ grantId: Bytes32 }>;
    /** A grant the delegate signed, relayed with the holder's delegation terms (src/domain/delegations.ts). */
    relayDelegateGrant(req: DelegateGrantRelayRequest): Promise<{ grantId: Bytes32 }>;
  };
  presentations: PresentationVerifier;
  /** Known type codes (the catalog), to refuse a request for a type that does not exist. */
  typeExists(code: string): boolean;
  /** The agency that issued a certificate, for the verdict; undefined when the ledger does not know it. */
  issuerOf?(certId: Bytes32): Promise<CounterIssuer | undefined>;
  /** Random bytes; defaults to WebCrypto (Node 20 and browsers). */
  randomBytes?: (n: number) => Uint8Array;
}

export const COUNTER_LIMITS = {
  minMinutes: 1,
  maxMinutes: 30,
  defaultMinutes: 5,
  maxTypes: 10,
  /** A counter grant may outlive its request by this much (the check is recorded right away). */
  grantSlackSeconds: 600,
} as const;

export const COUNTER_ERRORS = {
  NOT_FOUND: "COUNTER_REQUEST_NOT_FOUND",
  EXPIRED: "COUNTER_REQUEST_EXPIRED",
  ANSWERED: "COUNTER_REQUEST_ANSWERED",
  DECLINED: "COUNTER_REQUEST_DECLINED",
  GRANT_MISMATCH: "COUNTER_GRANT_MISMATCH",
  TYPE_NOT_REQUESTED: "COUNTER_TYPE_NOT_REQUESTED",
  TYPES_MISSING: "COUNTER_TYPES_MISSING",
  DOCUMENT_TAMPERED: "COUNTER_DOCUMENT_TAMPERED",
  BAD_SIGNATURE: "COUNTER_BAD_SIGNATURE",
  BAD_REQUEST: "COUNTER_BAD_REQUEST",
  NOT_YOURS: "COUNTER_REQUEST_NOT_YOURS",
} as const;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const enc = new TextEncoder();

function toHex(bytes: Uint8Array): Hex {
  let s = "0x";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s as Hex;
}

/** A purpose code as requests carry it: 1-64 lower-case letters, digits, '.', '_' or '-'. */
export const PURPOSE_CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** keccak256 of the UTF-8 purpose code: what a Grant's `purpose` carries. */
export function purposeHash(code: string): Bytes32 {
  return toHex(keccak_256(enc.encode(code)));
}

/**
 * The grant a wallet (the holder's or a delegate's) signs to answer a request for `certId`: to the
 * request's verifier, for its purpose and nonce, one use, ending when the request does. What precheck
 * below holds every answer's grant to.
 */
export function counterGrantFor(
  req: { verifier: string; nonce: string; purpose: string; expiresAt: number },
  certId: Bytes32,
): GrantRelayRequest["grant"] {
  return {
    certId,
    grantee: req.verifier.toLowerCase() as Address,
    purpose: purposeHash(req.purpose),
    validUntil: req.expiresAt,
    maxUses: 1,
    nonce: req.nonce,
    deadline: req.expiresAt,
  };
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const ID_RE = /^[A-Za-z0-9_-]{22}$/;

export function isCounterSessionId(id: string): boolean {
  return ID_RE.test(id);
}

const lower = (s: string) => s.toLowerCase();

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

export interface OpenCounterRequestInput {
  verifier: Address;
  types: string[];
  purpose: string;
  minutes?: number;
}

/** Opens a presentation request for `verifier`. */
export async function openCounterRequest(deps: CounterDeps, input: OpenCounterRequestInput): Promise<CounterSession> {
  const minutes = input.minutes ?? COUNTER_LIMITS.defaultMinutes;
  if (!Number.isInteger(minutes) || minutes < COUNTER_LIMITS.minMinutes || minutes > COUNTER_LIMITS.maxMinutes)
    throw new DomainError(
      COUNTER_ERRORS.BAD_REQUEST,
      `A request lives ${COUNTER_LIMITS.minMinutes} to ${COUNTER_LIMITS.maxMinutes} whole minutes.`,
      {
        status: 400,
      },
    );
  const types = [...new Set(input.types)];
  if (types.length === 0 || types.length > COUNTER_LIMITS.maxTypes)
    throw new DomainError(COUNTER_ERRORS.BAD_REQUEST, `Ask for 1 to ${COUNTER_LIMITS.maxTypes} certificate types.`, {
      status: 400,
    });
  const unknown = types.filter((t) => !deps.typeExists(t));
  if (unknown.length)
    throw new DomainError(COUNTER_ERRORS.BAD_REQUEST, `Unknown certificate type: ${unknown.join(", ")}.`, {
      status: 400,
      details: { unknown },
    });
  if (!PURPOSE_CODE.test(input.purpose))
    throw new DomainError(
      COUNTER_ERRORS.BAD_REQUEST,
      "The purpose is a code of 1-64 lower-case letters, digits, '.', '_' or '-'.",
      { status: 400 },
    );

  const random = deps.randomBytes ?? defaultRandom;
  const now = deps.clock.now();
  const session: CounterSession = {
    id: base64url(random(16)),
    verifier: lower(input.verifier) as Address,
    types,
    purpose: input.purpose,
    nonce: BigInt(toHex(random(32))).toString(),
    createdAt: now,
    expiresAt: now + minutes * 60,
    state: "OPEN",
  };
  await deps.sessions.insert(session);
  return session;
}

async function load(deps: CounterDeps, id: string): Promise<CounterSession> {
  const session = isCounterSessionId(id) ? await deps.sessions.get(id) : undefined;
  if (!session)
    throw new DomainError(
      COUNTER_ERRORS.NOT_FOUND,
      "No presentation request has this id: scan the counter's QR code again.",
      { status: 404 },
    );
  return session;
}

/** What anyone holding the id sees (the wallet): never the result. */
export async function getCounterRequest(deps: CounterDeps, id: string): Promise<CounterSession> {
  const s = await load(deps, id);
  const { result: _omit, ...pub } = s;
  return pub;
}

/** The verifier's view, with the result once answered; another verifier gets 404, not a hint. */
export async function getCounterRequestForVerifier(
  deps: CounterDeps,
  id: string,
  verifier: Address,
): Promise<CounterSession> {
  const s = await load(deps, id);
  if (lower(s.verifier) !== lower(verifier))
    throw new DomainError(COUNTER_ERRORS.NOT_FOUND, "No presentation request has this id for this verifier.", {
      status: 404,
    });
  return s;
}

export function counterRequestPhase(s: CounterSession, now: number): CounterSessionState | "EXPIRED" {
  if (s.state !== "OPEN") return s.state;
  return now >= s.expiresAt ? "EXPIRED" : "OPEN";
}

export interface CounterPresentation {
  document: unknown;
  grant: GrantRelayRequest["grant"];
  /** The holder's key, or the delegate's when `delegation` is sent. */
  signature: Hex;
  /** A delegate presents for the holder: the holder's delegation terms, exactly as signed. */
  delegation?: DelegationTerms;
}

export interface AnswerCounterRequestInput {
  id: string;
  presentations: CounterPresentation[];
}

function refuseIfClosed(s: CounterSession, now: number): void {
  if (s.state === "DECLINED")
    throw new DomainError(
      COUNTER_ERRORS.DECLINED,
      "This request was declined; ask the counter for a new QR code to present after all.",
      { status: 409 },
    );
  if (s.state !== "OPEN")
    throw new DomainError(
      COUNTER_ERRORS.ANSWERED,
      "This request was already answered; ask the counter for a new one.",
      { status: 409 },
    );
  if (now >= s.expiresAt)
    throw new DomainError(COUNTER_ERRORS.EXPIRED, "This request has expired; ask the counter for a new QR code.", {
      status: 410,
    });
}

interface Checked {
  p: CounterPresentation;
  integrity: DocumentIntegrity;
}

/** Every check that needs no chain: the binding of each grant to this request, the documents, the signatures. */
function precheck(deps: CounterDeps, s: CounterSession, presentations: CounterPresentation[]): Checked[] {
  if (!Array.isArray(presentations) || presentations.length === 0 || presentations.length > s.types.length)
    throw new DomainError(COUNTER_ERRORS.BAD_REQUEST, `Present 1 to ${s.types.length} certificates.`, { status: 400 });
  const purpose = purposeHash(s.purpose);
  const seenTypes = new Set<string>();
  const seenCerts = new Set<string>();
  const checked: Checked[] = [];
  presentations.forEach((p, i) => {
    const g = p.grant;
    const at = { index: i };
    if (
      lower(g.grantee) !== lower(s.verifier) ||
      g.nonce !== s.nonce ||
      lower(g.purpose) !== purpose ||
      g.maxUses !== 1 ||
      g.deadline > s.expiresAt + COUNTER_LIMITS.grantSlackSeconds ||
      g.validUntil > s.expiresAt + COUNTER_LIMITS.grantSlackSeconds
    )
      throw new DomainError(
        COUNTER_ERRORS.GRANT_MISMATCH,
        "A grant is not for this request (verifier, nonce, purpose, one use, lifetime): it may belong to another request. Nothing was sent to the chain.",
        { status: 422, details: at },
      );
    const integrity = deps.documents.verifyIntegrity(p.document);
    if (integrity.status !== "OK" || !integrity.certId || !integrity.holder || !integrity.documentRoot)
      throw new DomainError(
        COUNTER_ERRORS.DOCUMENT_TAMPERED,
        "A document does not match its own hashes: it was altered. Nothing was sent to the chain.",
        {
          status: 422,
          details: { ...at, problems: integrity.problems },
        },
      );
    if (lower(integrity.certId) !== lower(g.certId))
      throw new DomainError(
        COUNTER_ERRORS.GRANT_MISMATCH,
        "A grant names another certificate than its document. Nothing was sent to the chain.",
        {
          status: 422,
          details: at,
        },
      );
    if (!integrity.typeCode || !s.types.includes(integrity.typeCode))
      throw new DomainError(
        COUNTER_ERRORS.TYPE_NOT_REQUESTED,
        `A certificate of type ${integrity.typeCode ?? "?"} was not asked for.`,
        {
          status: 422,
          details: { ...at, wanted: s.types },
        },
      );
    if (seenTypes.has(integrity.typeCode) || seenCerts.has(lower(integrity.certId)))
      throw new DomainError(COUNTER_ERRORS.BAD_REQUEST, "Present each requested type once.", {
        status: 400,
        details: at,
      });
    seenTypes.add(integrity.typeCode);
    seenCerts.add(lower(integrity.certId));
    if (p.delegation && lower(p.delegation.certId) !== lower(integrity.certId))
      throw new DomainError(
        COUNTER_ERRORS.GRANT_MISMATCH,
        "A delegation names another certificate than its document. Nothing was sent to the chain.",
        { status: 422, details: at },
      );
    // A delegate signs with its own key; whether the delegation still holds is the chain's (and the relay's) answer.
    const signer = deps.signatures.recoverGrant(g, p.signature);
    const expected = p.delegation ? p.delegation.delegate : integrity.holder;
    if (!signer || lower(signer) !== lower(expected))
      throw new DomainError(
        COUNTER_ERRORS.BAD_SIGNATURE,
        p.delegation
          ? "A grant was not signed by the delegation's delegate key. Nothing was sent to the chain."
          : "A grant was not signed by the certificate's holder key. Nothing was sent to the chain.",
        {
          status: 422,
          details: at,
        },
      );
    checked.push({ p, integrity });
  });
  const missing = s.types.filter((t) => !seenTypes.has(t));
  if (missing.length)
    throw new DomainError(
      COUNTER_ERRORS.TYPES_MISSING,
      `The counter needs these certificates too: ${missing.join(", ")}.`,
      {
        status: 422,
        details: { missing },
      },
    );
  return checked;
}

/**
 * Answers a request: refuses what is wrong before the chain, then relays each grant, verifies each
 * presentation with its check recorded, and completes the session with the verdict.
 */
export async function answerCounterRequest(
  deps: CounterDeps,
  input: AnswerCounterRequestInput,
): Promise<CounterResult> {
  const s = await load(deps, input.id);
  refuseIfClosed(s, deps.clock.now());
  const checked = precheck(deps, s, input.presentations);

  if (!(await deps.sessions.claim(s.id, deps.clock.now()))) {
    const again = await load(deps, s.id);
    refuseIfClosed(again, deps.clock.now());
    throw new DomainError(COUNTER_ERRORS.ANSWERED, "This request is being answered already.", { status: 409 });
  }

  // The certificates are presented side by side: their grants share a block, then their checks do,
  // instead of each certificate waiting for the one before it (two blocks each).
  const present = async ({ p, integrity }: (typeof checked)[number], i: number): Promise<CounterPresentationResult> => {
    const base = {
      certId: integrity.certId!,
      typeCode: integrity.typeCode,
      issuer: await deps.issuerOf?.(integrity.certId!),
      validFrom: integrity.validFrom,
      validUntil: integrity.validUntil,
      disclosed: integrity.disclosed,
      redactedCount: integrity.redacted.length,
      ...(p.delegation
        ? {
            presentedBy: {
              delegate: lower(p.delegation.delegate) as Address,
              delegationId: deps.signatures.delegationId(p.delegation),
            },
          }
        : {}),
    };
    let grantId: Bytes32;
    try {
      ({ grantId } = p.delegation
        ? await deps.chain.relayDelegateGrant({ grant: p.grant, delegation: p.delegation, signature: p.signature })
        : await deps.chain.relayGrant({
            grant: p.grant,
            signature: p.signature,
            documentRoot: integrity.documentRoot!,
            batch:
              integrity.batch && integrity.validFrom !== undefined && integrity.validUntil !== undefined
                ? {
                    root: integrity.batch.root,
                    proof: integrity.batch.proof,
                    validFrom: integrity.validFrom,
                    validUntil: integrity.validUntil,
                  }
                : undefined,
          }));
    } catch (err) {
      // The chain refused the grant (a known rejection: 4xx). That is the verdict for this
      // certificate; the others are still checked. (A grant still pending on chain is no verdict.)
      // A delegation's refusal (DELEGATION_REVOKED, DELEGATION_EXPIRED...) is the delegate's, so it
      // comes first, before what the certificate's own status says.
      if (err instanceof DomainError && err.status >= 400 && err.status < 500) {
        const publicVerdict = await deps.presentations.verifyWithoutGrant?.(p.document).catch(() => undefined);
        const reasons = p.delegation
          ? [err.code, ...(publicVerdict?.reasons ?? []).filter((r) => r !== err.code)]
          : publicVerdict?.reasons.length
            ? publicVerdict.reasons
            : [err.code];
        return { ...base, disclosed: {}, verdict: "INVALID", reasons };
      }
      throw err;
    }
    const v = await deps.presentations.verifyAndRecord({
      verifier: s.verifier,
      document: p.document,
      grantId,
      expectedTypeCode: integrity.typeCode,
      outboxKey: `counter:${s.id}:${i}`,
    });
    // As in the gateway's verification, a verdict that is not VALID discloses nothing.
    return {
      ...base,
      grantId,
      verdict: v.verdict,
      reasons: v.reasons,
      ...(v.presentedBy ? { presentedBy: v.presentedBy } : {}),
      disclosed: v.verdict === "VALID" ? base.disclosed : {},
    };
  };
  // Every certificate's work settles before the session is released for another answer.
  const settled = await Promise.allSettled(checked.map(present));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) {
    await deps.sessions.release(s.id);
    throw failed.reason;
  }
  const results = settled.map((r) => (r as PromiseFulfilledResult<CounterPresentationResult>).value);

  const result: CounterResult = {
    answeredAt: deps.clock.now(),
    verdict: results.every((r) => r.verdict === "VALID") ? "VALID" : "INVALID",
    presentations: results,
  };
  await deps.sessions.complete(s.id, result);
  return result;
}

/**
 * The holder declines a request (the wallet's "Decline"): the counter sees DECLINED at once. Anyone
 * holding the request id may decline, as anyone holding it may answer: the id is the QR code's
 * secret. Declining again answers the same; an answered or expired request cannot be declined.
 */
export async function declineCounterRequest(deps: CounterDeps, id: string): Promise<CounterSession> {
  const s = await load(deps, id);
  if (s.state !== "DECLINED") {
    refuseIfClosed(s, deps.clock.now());
    if (!(await deps.sessions.decline(s.id, deps.clock.now()))) {
      // Raced with an answer, another decline or the expiry: report what happened instead.
      const again = await load(deps, s.id);
      if (again.state !== "DECLINED") {
        refuseIfClosed(again, deps.clock.now());
        // Still open to our clock, yet the store found it expired: the store's verdict stands.
        throw new DomainError(COUNTER_ERRORS.EXPIRED, "This request has expired.", { status: 410 });
      }
    }
  }
  return getCounterRequest(deps, s.id);
}
