/**
 * The wallet's backup at the gateway: an opaque blob that only the mnemonic opens, under an id that
 * only the mnemonic yields and that says nothing about the holder.
 *
 * From the BIP-39 seed (64 bytes) the wallet derives with HKDF-SHA-256 (empty salt) two 32-byte values:
 * - info "certledger backup encryption v1": the AES-256-GCM key of the blob (the backup's JSON);
 * - info "certledger backup write v1": the write token; the backup's id is sha256(token) in hex.
 * The gateway sees the id and the ciphertext; to write it must be shown the token, whose hash is the id,
 * so nobody who merely knows the id (the gateway's operator included) can overwrite or squat a backup.
 * Writes are versioned: version n+1 replaces n and nothing else, so a device holding an old copy cannot
 * silently overwrite a newer one (it gets 409 with the current version, merges and writes again).
 * Backups not written for the retention period are deleted.
 */
import { openText, sealText, b64url } from "./aead";
import { DomainError, notFound } from "./errors";
import { sha256Hex } from "./hashing";
import type { BackupStore, Clock } from "./ports";

export const BACKUP_ERRORS = {
  NOT_FOUND: "BACKUP_NOT_FOUND",
  VERSION_CONFLICT: "BACKUP_VERSION_CONFLICT",
  FORBIDDEN: "BACKUP_WRITE_FORBIDDEN",
  TOO_LARGE: "BACKUP_TOO_LARGE",
} as const;

export interface BackupKeys {
  /** sha256 hex of the write token: where the backup is stored. */
  id: string;
  /** base64url of the 32-byte write token. */
  writeToken: string;
  encryptionKey: Uint8Array;
}

async function hkdf(seed: Uint8Array, info: string): Promise<Uint8Array> {
  const base = await globalThis.crypto.subtle.importKey("raw", seed as Uint8Array<ArrayBuffer>, "HKDF", false, [
    "deriveBits",
  ]);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/** The backup's id, write token and key, from the wallet's BIP-39 seed. */
export async function deriveBackupKeys(seed: Uint8Array): Promise<BackupKeys> {
  const writeToken = b64url(await hkdf(seed, "certledger backup write v1"));
  return {
    id: sha256Hex(writeToken),
    writeToken,
    encryptionKey: await hkdf(seed, "certledger backup encryption v1"),
  };
}

export function sealBackup(keys: BackupKeys, version: number, text: string): Promise<string> {
  return sealText(keys.encryptionKey, `certledger backup v1:${keys.id}:${version}`, text);
}

/** Throws when the blob is not this wallet's (another mnemonic) or was altered. */
export function openBackup(keys: BackupKeys, version: number, blob: string): Promise<string> {
  return openText(keys.encryptionKey, `certledger backup v1:${keys.id}:${version}`, blob);
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

export interface BackupDeps {
  clock: Clock;
  backups: BackupStore;
  /** Largest blob, characters of base64url. */
  maxBytes: number;
}

export interface BackupView {
  id: string;
  version: number;
  blob: string;
  updatedAt: number;
}

export async function readBackup(deps: BackupDeps, id: string): Promise<BackupView> {
  const r = await deps.backups.get(id);
  if (!r) throw notFound(BACKUP_ERRORS.NOT_FOUND, "No backup is stored for this wallet.");
  return r;
}

/**
 * Stores version `version` of the backup. The same write again (a retry) answers the same; a write
 * that is not the next version is refused with the current one in `details.current`.
 */
export async function writeBackup(
  deps: BackupDeps,
  input: { id: string; version: number; blob: string; writeToken: string },
): Promise<{ id: string; version: number; updatedAt: number; replayed: boolean }> {
  if (sha256Hex(input.writeToken) !== input.id)
    throw new DomainError(BACKUP_ERRORS.FORBIDDEN, "Only the wallet whose mnemonic made this backup can write it.", {
      status: 403,
    });
  if (input.blob.length > deps.maxBytes)
    throw new DomainError(
      BACKUP_ERRORS.TOO_LARGE,
      `A backup may hold at most ${deps.maxBytes} bytes of ciphertext; this one has ${input.blob.length}.`,
      { status: 413, details: { maxBytes: deps.maxBytes, size: input.blob.length } },
    );
  const conflict = (current: number) =>
    new DomainError(
      BACKUP_ERRORS.VERSION_CONFLICT,
      `The stored backup is at version ${current}; read it, merge, and write version ${current + 1}.`,
      { status: 409, details: { current } },
    );
  const known = await deps.backups.get(input.id);
  if (known && known.version === input.version && known.blob === input.blob)
    return { id: known.id, version: known.version, updatedAt: known.updatedAt, replayed: true };
  const current = known?.version ?? 0;
  if (input.version !== current + 1) throw conflict(current);
  const updatedAt = deps.clock.now();
  if (!(await deps.backups.put({ id: input.id, version: input.version, blob: input.blob, updatedAt })))
    throw conflict((await deps.backups.get(input.id))?.version ?? current);
  return { id: input.id, version: input.version, updatedAt, replayed: false };
}
