/**
 * Online sharing (README.md#online-sharing). The holder signs a Grant to either
 *
 * - a named verifier (mode "verifier"): the gateway relays it and keeps the redacted document for
 *   that verifier, who fetches it with its API key and verifies it under the grant; or
 * - the bearer of a one-time link (mode "link"): the wallet makes a fresh key, grants to its address,
 *   encrypts the redacted document under a key derived from it, and puts the key only in the link's
 *   fragment (`/verify?s=<id>#k=<key>`), which browsers never send to a server. The gateway stores the
 *   ciphertext; the verify page decrypts it and proves possession of the key by signing
 *   `shareProofMessage`, so the link's id alone (in a proxy log, a Referer) opens nothing.
 *
 * Every check under a link uses one of the grant's uses; after the holder revokes the grant the link
 * answers GRANT_REVOKED, after the last use GRANT_USED_UP — both from the verdict of the gateway's
 * ordinary verification (src/domain/verification.ts), so a link is never judged by other rules.
 *
 * NOTE for "contracts": ConsentRegistry.recordCheck requires msg.sender == grantee, and a link's
 * grantee is a key with no gas. Until a `recordCheckBySig` (grantee-signed, EIP-712, e.g.
 * RecordCheck(bytes32 grantId,uint256 nonce,uint64 deadline)) exists, link checks are counted here,
 * in the share store, atomically against maxUses; checks by a named verifier go on chain. Shares are
 * durable without a table of their own (shareStoreOverPorts: the idempotency store and the replay
 * guard, both SQL in the gateway).
 */
import { purposeHash } from "./counter";
import { DomainError } from "./errors";
import type {
  Address,
  Bytes32,
  Clock,
  GrantRelayRequest,
  Hex,
  IdempotencyStore,
  ReplayGuard,
  SignatureRecovery,
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
  /**
   * Atomically takes one of the share's maxUses uses (checks under a link are counted here while the
   * chain cannot record them for a link key): the number used so far including this one, or false
   * when none is left.
   */
  useOnce(share: ShareRecord): Promise<number | false>;
}

/**
 * A durable ShareStore over two ports the gateway already has: the record is an idempotency record
 * (`share:<id>`, written once), and use number n is the replay-guard key `share-use:<id>:<n>`, so
 * two concurrent checks can never take the same use. No table of its own.
 */
export function shareStoreOverPorts(idempotency: IdempotencyStore, replay: ReplayGuard): ShareStore {
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
    async useOnce(share) {
      for (let n = 0; n < share.maxUses; n++)
        if (await replay.claim(`share-use:${share.id}:${n}`, share.validUntil + 86_400)) return n + 1;
      return false;
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

export interface ShareDeps {
  clock: Clock;
  shares: ShareStore;
  replay: ReplayGuard;
  signatures: Pick<SignatureRecovery, "recoverPersonal">;
  /** Relays the holder's signed grant (src/domain/grants.ts relayGrant), 4xx on a bad signature. */
  relayGrant(req: GrantRelayRequest): Promise<{ grantId: Bytes32 }>;
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
  proofSkewSeconds: 300,
} as const;

/**
 * The uses of a share whose checks are not counted: the consent registry's cap on a grant's uses
 * (2^24 - 1). A printed certificate's link may be checked any number of times until the holder
 * revokes it, so the gateway neither counts nor limits its checks.
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

/**
 * The text the verify page signs with the link's key to prove it holds the link. The random nonce
 * makes two checks in the same second distinct (signatures are deterministic, RFC 6979).
 */
export function shareProofMessage(shareId: string, grantId: string, timestamp: number, nonce: string): string {
  return [
    "certledger share link check",
    `share: ${shareId}`,
    `grant: ${grantId.toLowerCase()}`,
    `timestamp: ${timestamp}`,
    `nonce: ${nonce}`,
  ].join("\n");
}

export interface CreateShareInput {
  mode: ShareMode;
  purpose: string;
  signed: GrantRelayRequest;
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
  proof: { timestamp: number; nonce: string; signature: Hex };
}

/**
 * Checks a link: the caller proves it holds the link's key, then the document is verified under the
 * grant; a VALID check uses one use. The proof is single-use, so a replayed request is refused.
 */
export async function checkShareLink(
  deps: ShareDeps,
  input: CheckShareLinkInput,
): Promise<ShareVerdict & { usesLeft?: number }> {
  const s = await load(deps, input.id);
  if (s.mode !== "link") throw new DomainError(SHARE_ERRORS.NOT_FOUND, "No share link has this id.", { status: 404 });
  const now = deps.clock.now();
  const { timestamp, nonce, signature } = input.proof;
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(nonce))
    throw new DomainError(
      SHARE_ERRORS.BAD_PROOF,
      "The link's proof needs a nonce of 8-64 letters, digits, '_' or '-'.",
      { status: 400 },
    );
  const signer = deps.signatures.recoverPersonal(shareProofMessage(s.id, s.grantId, timestamp, nonce), signature);
  if (!signer || signer.toLowerCase() !== s.grantee)
    throw new DomainError(
      SHARE_ERRORS.BAD_PROOF,
      "The request is not signed with this link's key: open the full link, including the part after #.",
      {
        status: 401,
      },
    );
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > SHARE_LIMITS.proofSkewSeconds)
    throw new DomainError(
      SHARE_ERRORS.STALE_PROOF,
      "The link's proof is too old or from the future: check this device's clock and retry.",
      {
        status: 401,
      },
    );
  if (!(await deps.replay.claim(`share:${s.id}:${nonce}`, timestamp + SHARE_LIMITS.proofSkewSeconds + 1)))
    throw new DomainError(SHARE_ERRORS.REPLAYED, "This check was already made; reload the link to check again.", {
      status: 409,
    });

  const v = await deps.verify({ verifier: s.grantee, document: input.document, grantId: s.grantId });
  let reasons = [...v.reasons];
  let used: number | false | undefined;
  if (reasons.length === 0 && s.maxUses !== SHARE_UNLIMITED_USES) {
    used = await deps.shares.useOnce(s);
    if (used === false) reasons = ["GRANT_USED_UP"];
  }
  const verdict = reasons.length === 0 ? "VALID" : "INVALID";
  const out: ShareVerdict & { usesLeft?: number } = {
    ...v,
    verdict,
    reasons,
    disclosed: verdict === "VALID" ? v.disclosed : {},
  };
  if (typeof used === "number") out.usesLeft = Math.max(0, s.maxUses - used);
  else if (used === false) out.usesLeft = 0;
  return out;
}
