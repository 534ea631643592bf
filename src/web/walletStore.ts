/**
 * What the citizen's wallet keeps in this browser's localStorage: the mnemonic (sealed with a
 * passphrase when one is set — otherwise in clear, and the page says so), the next unused key index,
 * the full (unredacted) certificate documents with their key index, and the grants made.
 *
 * Nothing here leaves the device in clear except what the holder chooses to present or share; the
 * certificates, grants and next index also go to the gateway as a backup sealed under a key derived
 * from the mnemonic (src/domain/backup.ts), which is never sent.
 */
import { seal, type Sealed, unseal } from "./crypto";

const KEY = "certledger.wallet.v1";

export interface StoredCertificate {
  certId: string;
  index: number;
  typeCode: string;
  documentRoot: string;
  document: unknown;
  addedAt: number;
}

export interface StoredGrant {
  grantId: string;
  certId: string;
  index: number;
  kind: "counter" | "link" | "verifier";
  grantee: string;
  granteeName?: string;
  purpose: string;
  validUntil: number;
  maxUses: number;
  createdAt: number;
  /** link shares: the full link including the key fragment (only here, on this device). */
  link?: string;
  shareId?: string;
  revoked?: boolean;
  /** Checks made under it, as the chain last told (the trail). */
  uses?: number;
}

export interface WalletData {
  version: 1;
  mnemonic?: string;
  sealed?: Sealed;
  nextIndex: number;
  certificates: StoredCertificate[];
  grants: StoredGrant[];
  /** The version of the backup at the gateway this device last wrote or read (src/domain/backup.ts). */
  backupVersion?: number;
}

export function loadWallet(): WalletData | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return undefined;
    const w = JSON.parse(raw) as WalletData;
    return w.version === 1 ? w : undefined;
  } catch {
    return undefined;
  }
}

export function saveWallet(w: WalletData): void {
  localStorage.setItem(KEY, JSON.stringify(w));
}

export function forgetWallet(): void {
  localStorage.removeItem(KEY);
}

export async function newWalletData(mnemonic: string, passphrase: string): Promise<WalletData> {
  return {
    version: 1,
    ...(passphrase ? { sealed: await seal(passphrase, mnemonic) } : { mnemonic }),
    nextIndex: 0,
    certificates: [],
    grants: [],
  };
}

/** The mnemonic, unsealing with `passphrase` when the wallet is sealed; throws on a wrong passphrase. */
export async function mnemonicOf(w: WalletData, passphrase?: string): Promise<string> {
  if (w.mnemonic) return w.mnemonic;
  if (!w.sealed || passphrase === undefined) throw new Error("locked");
  return unseal(passphrase, w.sealed);
}
