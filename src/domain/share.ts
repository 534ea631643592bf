/**
 * Online sharing (README.md#online-sharing). The holder signs a Grant to either
 *
 * - a named verifier (mode "verifier"): the gateway relays it and keeps the redacted document for
 *   that verifier, who fetches it with its API key and verifies it under the grant; or
 * - the bearer of a one-time link (mode "link"): the wallet makes a fresh key, grants to its address,
 *   encrypts the redacted document under a key derived from it, and puts the key only in the link's
 *   fragment (`/verify?s=<id>#k=<key>`), which browsers never send to a server. The gateway stores the
 *   ciphertext; the verify page decrypts it and signs an EIP-712 `RecordCheck` (grantId, the grant's
 *   next use, a deadline of minutes) with the key, so the link's id alone (in a proxy log, a Referer)
 *   opens nothing, and the gateway never holds the link's key.
 *
 * A VALID check under a link is recorded on chain under the grant: the gateway relays the signed
 * RecordCheck to ConsentRegistry.recordCheckBySig (the link's key has no gas), which uses one of the
 * grant's uses and emits the same CheckRecorded event as a verifier's check, with the link's address as
 * verifier, so the holder's trail lists it. The signature names the use it takes, so it records one
 * check at most: a replay is refused by the chain (and before it, from the index). After the holder
 * revokes the grant the link answers GRANT_REVOKED, after the last use GRANT_USED_UP — both from the
 * verdict of the gateway's ordinary verification (src/domain/verification.ts), so a link is never
 * judged by other rules (docs/decisions/0010-grants-in-groups-and-link-checks.md). Shares are durable without a table of their own (shareStoreOverPorts: the
 * idempotency store, SQL in the gateway).
 */
import { purposeHash } from "./counter";
import { DomainError } from "./errors";
import type {
  Address,
  Bytes32,
  Clock,
  DelegationTerms,
  GrantRelayRequest,
  Hex,
  IdempotencyStore,
  RecordCheckRelayRequest,
  SignatureRecovery,
  TxReceiptView,
} from "./ports";

export type ShareMode = "link" | "verifier";

export interface ShareRecord {
  id: string;
  mode: ShareMode;
  grantId: Bytes32;
  certId: Bytes32;
  grantee: Address;
  purpose: string;
  validUntil: number;
  maxUses: number;
  /** link: base64url(iv ‖ AES-GCM ciphertext) of the document JSON; verifier: the document JSON. */
  payload: string;
  createdAt: number;
}

export interface ShareStore {
  insert(share: ShareRecord): Promise<void>;
  get(id: string): Promise<ShareRecord | undefined>;
}

/**
 * A durable ShareStore over a port the gateway already has: the record is an idempotency record
 * (`share:<id>`, written once). No table of its own; the uses are counted on chain.
 */
export function shareStoreOverPorts(idempotency: IdempotencyStore): ShareStore {
  return {
    async insert(share) {
      const clash = await idempotency.claim(`share:${share.id}`, {
        requestHash: "share",
        result: share,
        done: true,
        createdAt: share.createdAt,
      });
      if (clash) throw new Error("share id collision");
    },
    async get(id) {
      const r = await idempotency.get(`share:${id}`);
      return r?.requestHash === "share" ? (r.result as ShareRecord) : undefined;
    },
  };
}

/** The verdict of the gateway's ordinary verification under a grant (verifyPresentation). */
export interface ShareVerdict {
  verdict: "VALID" | "INVALID";
  reasons: string[];
  disclosed?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A share's grant: the holder's, or (with `delegation`, the terms the holder signed) a delegate's. */
export type ShareGrant = GrantRelayRequest & { delegation?: DelegationTerms };

export interface ShareDeps {
  clock: Clock;
  shares: ShareStore;
  signatures: Pick<SignatureRecovery, "recoverRecordCheck">;
  /**
   * Relays the holder's signed grant (src/domain/grants.ts relayGrant), or a delegate's under its
   * delegation (src/domain/delegations.ts relayDelegateGrant); 4xx on a bad signature or delegation.
   */
  relayGrant(req: ShareGrant): Promise<{ grantId: Bytes32 }>;
  /** The grant's uses so far, as the index last saw them (undefined: no such grant). */
  usesOf(grantId: Bytes32): Promise<number | undefined>;
  /** Relays a check signed by the link's key (ChainWriter.relayRecordCheck): uses one use on chain. */
  relayRecordCheck(req: RecordCheckRelayRequest): Promise<TxReceiptView>;
  /** Verifies a document under a grant for `verifier` (no check recorded). */
  verify(input: { verifier: Address; document: unknown; grantId: Bytes32 }): Promise<ShareVerdict>;
  /** Integrity of a plaintext document (mode "verifier"): its certId, when it parses. */
  certIdOf(document: unknown): Bytes32 | undefined;
  randomBytes?: (n: number) => Uint8Array;
}

export const SHARE_LIMITS = {
  maxUses: 100,
  maxDays: 90,
  /** A link "until revoked" (a printed certificate's QR code) lasts at most this long, a lifelong certificate's cap. */
  untilRevokedDays: 36_525,
  maxPayloadChars: 256_000,
  checkDeadlineSeconds: 600,
} as const;

/**
 * The uses of a share that is as good as unlimited: the consent registry's cap on a grant's uses
 * (2^24 - 1). A printed certificate's link may be checked any number of times until the holder
 * revokes it; each check is still recorded on chain, so it shows in the holder's trail.
 */
export const SHARE_UNLIMITED_USES = 16_777_215;

export const SHARE_ERRORS = {
  NOT_FOUND: "SHARE_NOT_FOUND",
  BAD_REQUEST: "SHARE_BAD_REQUEST",
  BAD_PROOF: "SHARE_BAD_PROOF",
  STALE_PROOF: "SHARE_STALE_PROOF",
  REPLAYED: "REPLAYED",
  NOT_YOURS: "SHARE_NOT_YOURS",
} as const;

const ID_RE = /^[A-Za-z0-9_-]{22}$/;

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export interface CreateShareInput {
  mode: ShareMode;
  purpose: string;
  /** The holder's signed grant, or a delegate's with the holder's delegation terms. */
  signed: ShareGrant;
  payload: string;
  /** mode "verifier": the plaintext document, whose certId must be the grant's. */
  document?: unknown;
  /**
   * The holder asks for a link that lasts until revoked (a printed certificate's QR code): its grant
   * may last up to SHARE_LIMITS.untilRevokedDays instead of maxDays.
   */
  untilRevoked?: boolean;
}

export async function createShare(deps: ShareDeps, input: CreateShareInput): Promise<ShareRecord> {
  const g = input.signed.grant;
  const now = deps.clock.now();
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(input.purpose))
    throw new DomainError(
      SHARE_ERRORS.BAD_REQUEST,
      "The purpose is a code of 1-64 lower-case letters, digits, '.', '_' or '-'.",
      { status: 400 },
    );
  if (g.purpose.toLowerCase() !== purposeHash(input.purpose))
    throw new DomainError(
      SHARE_ERRORS.BAD_REQUEST,
      "The grant's purpose is not the hash of the purpose code sent with it.",
      { status: 400 },
    );
  if ((g.maxUses < 1 || g.maxUses > SHARE_LIMITS.maxUses) && g.maxUses !== SHARE_UNLIMITED_USES)
    throw new DomainError(
      SHARE_ERRORS.BAD_REQUEST,
      `A share allows 1 to ${SHARE_LIMITS.maxUses} uses, or ${SHARE_UNLIMITED_USES} for checks without limit.`,
      { status: 400 },
    );
  const maxDays = input.untilRevoked ? SHARE_LIMITS.untilRevokedDays : SHARE_LIMITS.maxDays;
  if (g.validUntil > now + maxDays * 86_400)
    throw new DomainError(
      SHARE_ERRORS.BAD_REQUEST,
      input.untilRevoked
        ? `A share until revoked lasts at most ${maxDays} days.`
        : `A share lasts at most ${maxDays} days; ask for untilRevoked for a longer one.`,
      { status: 400 },
    );
  if (!input.payload || input.payload.length > SHARE_LIMITS.maxPayloadChars)
    throw new DomainError(SHARE_ERRORS.BAD_REQUEST, "The shared document is missing or too large.", { status: 400 });
  if (input.mode === "verifier") {
    const certId = deps.certIdOf(input.document);
    if (!certId || certId.toLowerCase() !== g.certId.toLowerCase())
      throw new DomainError(SHARE_ERRORS.BAD_REQUEST, "The shared document is not the certificate the grant names.", {
        status: 422,
      });
  } else if (!/^[A-Za-z0-9_-]+$/.test(input.payload)) {
    throw new DomainError(SHARE_ERRORS.BAD_REQUEST, "A link's document is sent encrypted (base64url).", {
      status: 400,
    });
  }

  const { grantId } = await deps.relayGrant(input.signed);
  const share: ShareRecord = {
    id: base64url((deps.randomBytes ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n))))(16)),
    mode: input.mode,
    grantId: grantId.toLowerCase() as Bytes32,
    certId: g.certId.toLowerCase() as Bytes32,
    grantee: g.grantee.toLowerCase() as Address,
    purpose: input.purpose,
    validUntil: g.validUntil,
    maxUses: g.maxUses,
    payload: input.payload,
    createdAt: now,
  };
  await deps.shares.insert(share);
  return share;
}

async function load(deps: ShareDeps, id: string): Promise<ShareRecord> {
  const s = ID_RE.test(id) ? await deps.shares.get(id) : undefined;
  if (!s)
    throw new DomainError(SHARE_ERRORS.NOT_FOUND, "No share has this id: the link may be mistyped or forged.", {
      status: 404,
    });
  return s;
}

/** What a link's id opens: the ciphertext and the grant's public facts (no plaintext). */
export async function getShareLink(deps: ShareDeps, id: string): Promise<ShareRecord> {
  const s = await load(deps, id);
  if (s.mode !== "link") throw new DomainError(SHARE_ERRORS.NOT_FOUND, "No share link has this id.", { status: 404 });
  return s;
}

/** A named verifier fetches what was shared with it; nobody else learns it exists. */
export async function getShareForVerifier(deps: ShareDeps, id: string, verifier: Address): Promise<ShareRecord> {
  const s = await load(deps, id);
  if (s.mode !== "verifier" || s.grantee !== verifier.toLowerCase())
    throw new DomainError(SHARE_ERRORS.NOT_FOUND, "No share with this id for this verifier.", { status: 404 });
  return s;
}

export interface CheckShareLinkInput {
  id: string;
  document: unknown;
  /** The EIP-712 RecordCheck(grantId, use, deadline) signed with the link's key, for the share's grant. */
  check: { use: number; deadline: number; signature: Hex };
}

export interface ShareCheckResult extends ShareVerdict {
  usesLeft?: number;
  /** Where the check was recorded on chain (VALID checks only). */
  recorded?: { use: number; txHash: Hex; blockNumber: number };
}

/**
 * Checks a link: the caller proves it holds the link's key by the signed RecordCheck, the document is
 * verified under the grant, and a VALID check is recorded on chain with that signature (one use).
 */
export async function checkShareLink(deps: ShareDeps, input: CheckShareLinkInput): Promise<ShareCheckResult> {
  const s = await load(deps, input.id);
  if (s.mode !== "link") throw new DomainError(SHARE_ERRORS.NOT_FOUND, "No share link has this id.", { status: 404 });
  const now = deps.clock.now();
  const { use, deadline, signature } = input.check;
  // One past the last use is accepted and answered GRANT_USED_UP by the verdict below.
  if (!Number.isInteger(use) || use < 1 || use > s.maxUses + 1)
    throw new DomainError(SHARE_ERRORS.BAD_PROOF, `The check names use ${use}; this link allows 1 to ${s.maxUses}.`, {
      status: 400,
    });
  const signer = deps.signatures.recoverRecordCheck({ grantId: s.grantId, use, deadline }, signature);
  if (!signer || signer.toLowerCase() !== s.grantee)
    throw new DomainError(
      SHARE_ERRORS.BAD_PROOF,
      "The check is not signed with this link's key: open the full link, including the part after #.",
      { status: 401 },
    );
  if (!Number.isInteger(deadline) || deadline < now || deadline > now + SHARE_LIMITS.checkDeadlineSeconds)
    throw new DomainError(
      SHARE_ERRORS.STALE_PROOF,
      "The check's signature is expired or dated too far ahead: check this device's clock and retry.",
      { status: 401 },
    );
  const uses = (await deps.usesOf(s.grantId)) ?? 0;
  if (use <= uses)
    throw new DomainError(SHARE_ERRORS.REPLAYED, "This check was already made; reload the link to check again.", {
      status: 409,
      details: { use, uses },
    });
  if (use > uses + 1)
    // Signed for a later use than the next: the page read a count that the chain does not have.
    throw new DomainError(
      SHARE_ERRORS.BAD_PROOF,
      "The check names a use after the grant's next one; reload the link.",
      {
        status: 400,
        details: { use, next: uses + 1 },
      },
    );

  const v = await deps.verify({ verifier: s.grantee, document: input.document, grantId: s.grantId });
  let reasons = [...v.reasons];
  let recorded: ShareCheckResult["recorded"];
  if (reasons.length === 0) {
    try {
      const r = await deps.relayRecordCheck({ grantId: s.grantId, use, deadline, signature });
      recorded = { use, txHash: r.txHash, blockNumber: r.blockNumber };
    } catch (e) {
      // The last use went to another check between the index read and the block.
      if (!(e instanceof DomainError && e.code === "GRANT_USED_UP")) throw e;
      reasons = ["GRANT_USED_UP"];
    }
  }
  const verdict = reasons.length === 0 ? "VALID" : "INVALID";
  const out: ShareCheckResult = {
    ...v,
    verdict,
    reasons,
    disclosed: verdict === "VALID" ? v.disclosed : {},
    usesLeft: recorded ? Math.max(0, s.maxUses - use) : reasons.includes("GRANT_USED_UP") ? 0 : s.maxUses - uses,
  };
  if (recorded) out.recorded = recorded;
  return out;
}
