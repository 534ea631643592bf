/**
 * Delivery that cannot lose a certificate: after issuing, the gateway keeps the document for its
 * holder's wallet to pick up, sealed (AES-256-GCM) under a key it does not keep.
 *
 * The key of pickup `id` is HMAC-SHA256(agency's API key, "certledger pickup key v1" ‖ id). The gateway
 * derives it while it answers the agency (the request carries the API key; the store holds only the
 * key's sha256), seals the document, and forgets it. The key travels only in the pickup link's URL
 * fragment (`/wallet?pickup=<id>#k=<key>`), which browsers never send. The agency, holding the same API
 * key, gets the same link again for as long as the pickup waits (GET .../pickup), so the console can
 * show the QR code again without anyone storing the key. A copy of the store alone opens nothing.
 * The wallet proves it read the document with a token derived from the key; the gateway keeps its hash,
 * drops the ciphertext on that confirmation, and deletes every pickup at the end of its retention.
 *
 * Pure: WebCrypto and @noble/hashes, so the wallet page runs the same sealing code.
 */
import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { utf8ToBytes } from "@noble/hashes/utils";
import { b64url, fromB64url, openText, sealText } from "./aead";
import { DomainError, notFound } from "./errors";
import { randomToken, sha256Hex } from "./hashing";
import type { Address, Bytes32, Clock, PickupRecord, PickupStore } from "./ports";

export const PICKUP_ERRORS = {
  NOT_FOUND: "PICKUP_NOT_FOUND",
  EXPIRED: "PICKUP_EXPIRED",
  PICKED_UP: "PICKUP_ALREADY_PICKED_UP",
  BAD_TOKEN: "PICKUP_TOKEN_INVALID",
  OTHER_KEY: "PICKUP_OTHER_API_KEY",
} as const;

/** A pickup id: 128 random bits, base64url. */
export const PICKUP_ID = /^[A-Za-z0-9_-]{22}$/;
/** A pickup key in a link's fragment: 256 bits, base64url. */
const PICKUP_KEY = /^[A-Za-z0-9_-]{43}$/;

export function derivePickupKey(apiKey: string, pickupId: string): Uint8Array {
  return hmac(sha256, utf8ToBytes(apiKey), utf8ToBytes(`certledger pickup key v1\u0000${pickupId}`));
}

/** What the wallet sends to confirm it has the document; the gateway stores its sha256. */
export function pickupConfirmToken(key: Uint8Array): string {
  return b64url(hmac(sha256, key, utf8ToBytes("certledger pickup confirm v1")));
}

function aesKeyOf(key: Uint8Array): Uint8Array {
  return hmac(sha256, key, utf8ToBytes("certledger pickup encrypt v1"));
}

/** base64url(iv ‖ AES-256-GCM(text)), bound to the pickup id as additional data. */
export function sealPickup(key: Uint8Array, pickupId: string, text: string): Promise<string> {
  return sealText(aesKeyOf(key), `certledger pickup v1:${pickupId}`, text);
}

/** Throws when the key is not this pickup's or the ciphertext was altered (AES-GCM authentication). */
export function openPickup(key: Uint8Array, pickupId: string, sealed: string): Promise<string> {
  return openText(aesKeyOf(key), `certledger pickup v1:${pickupId}`, sealed);
}

/** The text of the pickup QR code: the wallet page, the pickup id, and the key in the fragment. */
export function pickupLink(origin: string, pickupId: string, key: Uint8Array): string {
  return `${origin}/wallet?pickup=${pickupId}#k=${b64url(key)}`;
}

/** The pickup id and key of a pickup link (or of its `?pickup=…#k=…` part); undefined for anything else. */
export function parsePickupLink(text: string): { id: string; key: Uint8Array } | undefined {
  const m = /[?&]pickup=([A-Za-z0-9_-]+)(?:&[^#]*)?#(?:.*&)?k=([A-Za-z0-9_-]+)/.exec(text.trim());
  if (!m || !PICKUP_ID.test(m[1]) || !PICKUP_KEY.test(m[2])) return undefined;
  return { id: m[1], key: fromB64url(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

export interface PickupDeps {
  clock: Clock;
  pickups: PickupStore;
  /** How long a pickup waits for its holder, seconds. */
  retentionSeconds: number;
}

export type PickupState = "waiting" | "picked_up" | "expired";

export interface PickupTicket {
  id: string;
  certId: Bytes32;
  state: PickupState;
  expiresAt: number;
  /** The key for the link's fragment; only while the pickup waits. */
  key?: Uint8Array;
}

function stateOf(r: PickupRecord, now: number): PickupState {
  if (r.state === "picked_up") return "picked_up";
  return now >= r.expiresAt ? "expired" : "waiting";
}

function ticket(deps: PickupDeps, r: PickupRecord, apiKey: string): PickupTicket {
  const state = stateOf(r, deps.clock.now());
  const key = derivePickupKey(apiKey, r.id);
  if (sha256Hex(pickupConfirmToken(key)) !== r.confirmHash)
    throw new DomainError(
      PICKUP_ERRORS.OTHER_KEY,
      "This pickup was made with another API key of this agency; show it from the console signed in with that key.",
      { status: 409 },
    );
  return { id: r.id, certId: r.certId, state, expiresAt: r.expiresAt, key: state === "waiting" ? key : undefined };
}

/**
 * The certificate's pickup, sealed with `document` when it has none yet (the same pickup, with the same
 * link, when it has: an issue replayed under its Idempotency-Key delivers once).
 */
export async function createPickup(
  deps: PickupDeps,
  input: { agency: Address; apiKey: string; certId: Bytes32; document: unknown },
): Promise<PickupTicket> {
  const certId = input.certId.toLowerCase() as Bytes32;
  const known = await deps.pickups.byCert(certId);
  if (known) return ticket(deps, known, input.apiKey);
  const id = randomToken(16);
  const key = derivePickupKey(input.apiKey, id);
  const now = deps.clock.now();
  const stored = await deps.pickups.create({
    id,
    agency: input.agency.toLowerCase() as Address,
    certId,
    sealed: await sealPickup(key, id, JSON.stringify(input.document)),
    confirmHash: sha256Hex(pickupConfirmToken(key)),
    state: "waiting",
    createdAt: now,
    expiresAt: now + deps.retentionSeconds,
  });
  return ticket(deps, stored, input.apiKey);
}

/** The agency's pickup of one of its certificates, with its key while it waits, to show the QR again. */
export async function agencyPickup(
  deps: PickupDeps,
  input: { agency: Address; apiKey: string; certId: Bytes32 },
): Promise<PickupTicket> {
  const r = await deps.pickups.byCert(input.certId.toLowerCase() as Bytes32);
  if (!r || r.agency !== input.agency.toLowerCase())
    throw notFound(
      PICKUP_ERRORS.NOT_FOUND,
      "This certificate has no pickup waiting (never made, or deleted after its retention period).",
    );
  const t = ticket(deps, r, input.apiKey);
  refuseUnlessWaiting(t.state);
  return t;
}

function refuseUnlessWaiting(state: PickupState): void {
  if (state === "picked_up")
    throw new DomainError(PICKUP_ERRORS.PICKED_UP, "This document was already picked up by the holder's wallet.", {
      status: 410,
    });
  if (state === "expired")
    throw new DomainError(PICKUP_ERRORS.EXPIRED, "This pickup expired; ask the issuing agency to deliver again.", {
      status: 410,
    });
}

async function found(deps: PickupDeps, id: string): Promise<PickupRecord> {
  const r = await deps.pickups.get(id);
  if (!r)
    throw notFound(
      PICKUP_ERRORS.NOT_FOUND,
      "No such pickup: check the link, or it was deleted after its retention period.",
    );
  return r;
}

/** The sealed document, for whoever has the link (only the link's key opens it). */
export async function fetchPickup(
  deps: PickupDeps,
  id: string,
): Promise<{ id: string; sealed: string; expiresAt: number }> {
  const r = await found(deps, id);
  refuseUnlessWaiting(stateOf(r, deps.clock.now()));
  return { id: r.id, sealed: r.sealed!, expiresAt: r.expiresAt };
}

/**
 * The wallet has the document: the ciphertext is deleted. Confirming again with the right token answers
 * the same (a retried confirmation); any other token is refused and changes nothing.
 */
export async function confirmPickup(
  deps: PickupDeps,
  input: { id: string; token: string },
): Promise<{ id: string; state: "picked_up"; pickedUpAt: number }> {
  const r = await found(deps, input.id);
  if (sha256Hex(input.token) !== r.confirmHash)
    throw new DomainError(PICKUP_ERRORS.BAD_TOKEN, "This confirmation does not come from the pickup link's key.", {
      status: 403,
    });
  if (r.state === "picked_up") return { id: r.id, state: "picked_up", pickedUpAt: r.pickedUpAt! };
  refuseUnlessWaiting(stateOf(r, deps.clock.now()));
  const at = deps.clock.now();
  if (!(await deps.pickups.markPickedUp(r.id, at))) {
    const again = await found(deps, r.id);
    return { id: r.id, state: "picked_up", pickedUpAt: again.pickedUpAt ?? at };
  }
  return { id: r.id, state: "picked_up", pickedUpAt: at };
}
