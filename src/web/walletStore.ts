/**
 * What the citizen's wallet keeps in this browser's localStorage: the mnemonic (sealed with a
 * passphrase when one is set — otherwise in clear, and the page says so), the next unused key index,
 * the full (unredacted) certificate documents with their key index, the grants made, the delegations the
 * holder gave, and the certificates this wallet holds for someone else (as their delegate).
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
  /**
   * A certificate held for someone else: its holder delegated it to this wallet's delegate key (the
   * document came through the holder's link). `index` is then -1: this wallet has no holder key for it.
   */
  heldFor?: { delegationId: string; delegation: DelegationTermsJson };
}

/** The EIP-712 Delegation as the holder signed it, in JSON (uint64 as numbers, the uint256 nonce in decimal). */
export interface DelegationTermsJson {
  certId: string;
  delegate: string;
  /** keccak256 of the purpose code, or zero: any purpose. */
  purpose: string;
  /** The only verifier, or the zero address: any. */
  verifier: string;
  online: boolean;
  validUntil: number;
  nonce: string;
  deadline: number;
}

/** A delegation this wallet's holder gave for one of its certificates. */
export interface StoredDelegation {
  delegationId: string;
  certId: string;
  index: number;
  terms: DelegationTermsJson;
  /** The purpose code the delegate is limited to; absent: any purpose. */
  purposeCode?: string;
  createdAt: number;
  /** The link that hands the document and the terms to the delegate (its key only in the fragment). */
  link?: string;
  revoked?: boolean;
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
  /** Delegations given (absent in wallets saved before delegation existed). */
  delegations?: StoredDelegation[];
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
