/**
 * Holder wallet keys (docs/decisions/0001-per-certificate-holder-keys.md): one BIP-39 mnemonic,
 * one BIP-32 key per certificate, so no two
 * certificates of a holder share an address and chain data cannot link them.
 *
 * Path of certificate key i:  m/44'/60'/1000'/0'/i'   (HOLDER_KEY_ACCOUNT = 1000)
 *
 * - purpose 44' and coin 60' (Ethereum), so standard tools can re-derive the keys from the mnemonic;
 * - account 1000' is dedicated to certificate keys, apart from account 0' that wallets use for
 *   funds, so a certificate key is never also a payment address;
 * - every level is hardened: a certificate key that leaks (it signs grants on many devices) reveals
 *   neither its siblings nor the account.
 */
import { HDKey } from "@scure/bip32";
import { generateMnemonic as bip39Generate, mnemonicToSeedSync, validateMnemonic as bip39Validate } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english";
import type { Hex } from "./ids";
import type { Address } from "./encoding";
import { DocumentError } from "./errors";
import {
  computeDelegationId,
  computeGrantId,
  hashRevokeDelegation,
  hashRevokeGrant,
  privateKeyToAddress,
  signDigest,
} from "./grant";
import type {
  DelegationMessage,
  GrantMessage,
  RevokeDelegationMessage,
  RevokeGrantMessage,
  TypedDataDomain,
} from "./typedData";

export const HOLDER_KEY_ACCOUNT = 1000;
const HARDENED = 0x80000000;

export function holderKeyPath(index: number, account = HOLDER_KEY_ACCOUNT): string {
  checkIndex(index, "index");
  checkIndex(account, "account");
  return `m/44'/60'/${account}'/0'/${index}'`;
}

function checkIndex(i: number, name: string) {
  if (!Number.isInteger(i) || i < 0 || i >= HARDENED)
    throw new DocumentError("INVALID_PARAMETER", `${name} must be an integer from 0 to 2^31-1`);
}

/** A new English BIP-39 mnemonic: 12 words (128-bit) by default, 24 with strength 256. */
export function generateMnemonic(strength: 128 | 256 = 128): string {
  return bip39Generate(wordlist, strength);
}

/**
 * The BIP-39 seed of a mnemonic (NFKD, whitespace normalised): the wallet's keys, and its backup's id
 * and key, are derived from it. Throws DocumentError("INVALID_MNEMONIC").
 */
export function mnemonicSeed(mnemonic: string, passphrase = ""): Uint8Array {
  const m = normaliseMnemonic(mnemonic);
  if (!validateMnemonic(m))
    throw new DocumentError(
      "INVALID_MNEMONIC",
      "the mnemonic is not a valid English BIP-39 phrase (check the words and their order)",
    );
  return mnemonicToSeedSync(m, passphrase);
}

function normaliseMnemonic(mnemonic: unknown): string {
  return typeof mnemonic === "string" ? mnemonic.normalize("NFKD").trim().split(/\s+/).join(" ") : "";
}

export function validateMnemonic(mnemonic: string): boolean {
  return typeof mnemonic === "string" && bip39Validate(mnemonic, wordlist);
}

export interface HolderKey {
  index: number;
  path: string;
  address: Address;
  privateKey: Uint8Array;
}

export interface SignedGrant {
  grantId: Hex;
  signature: Hex;
}

export interface SignedDelegation {
  delegationId: Hex;
  signature: Hex;
}

export interface SignedRevokeGrant {
  digest: Hex;
  signature: Hex;
}

export interface HolderWallet {
  /** The key of the certificate at `index` (derive a fresh index for each new certificate). */
  deriveKey(index: number): HolderKey;
  /** The holder address of the certificate at `index`. */
  address(index: number): Address;
  /** Signs a Grant with certificate key `index`; returns the grantId and the 65-byte signature. */
  signGrant(index: number, domain: TypedDataDomain, grant: GrantMessage): SignedGrant;
  signRevokeGrant(index: number, domain: TypedDataDomain, message: RevokeGrantMessage): SignedRevokeGrant;
  /** Signs a Delegation with certificate key `index`; returns the delegationId and the 65-byte signature. */
  signDelegation(index: number, domain: TypedDataDomain, delegation: DelegationMessage): SignedDelegation;
  signRevokeDelegation(index: number, domain: TypedDataDomain, message: RevokeDelegationMessage): SignedRevokeGrant;
}

export interface CreateHolderWalletParameters {
  mnemonic: string;
  /** Optional BIP-39 passphrase ("25th word"). */
  passphrase?: string;
  /** BIP-44 account for certificate keys; HOLDER_KEY_ACCOUNT unless a wallet needs several. */
  account?: number;
}

/** Opens a holder wallet from its mnemonic. Throws DocumentError("INVALID_MNEMONIC") on a bad one. */
export function createHolderWallet(params: CreateHolderWalletParameters): HolderWallet {
  const seed = mnemonicSeed(params.mnemonic, params.passphrase);
  const account = params.account ?? HOLDER_KEY_ACCOUNT;
  checkIndex(account, "account");
  const accountNode = HDKey.fromMasterSeed(seed).derive(`m/44'/60'/${account}'/0'`);
  const cache = new Map<number, HolderKey>();

  const deriveKey = (index: number): HolderKey => {
    checkIndex(index, "index");
    let key = cache.get(index);
    if (!key) {
      const child = accountNode.deriveChild(index + HARDENED);
      const privateKey = child.privateKey!;
      key = { index, path: holderKeyPath(index, account), address: privateKeyToAddress(privateKey), privateKey };
      cache.set(index, key);
    }
    return key;
  };

  return {
    deriveKey,
    address: (index) => deriveKey(index).address,
    signGrant(index, domain, grant) {
      const grantId = computeGrantId(domain, grant);
      return { grantId, signature: signDigest(deriveKey(index).privateKey, grantId) };
    },
    signRevokeGrant(index, domain, message) {
      const digest = hashRevokeGrant(domain, message);
      return { digest, signature: signDigest(deriveKey(index).privateKey, digest) };
    },
    signDelegation(index, domain, delegation) {
      const delegationId = computeDelegationId(domain, delegation);
      return { delegationId, signature: signDigest(deriveKey(index).privateKey, delegationId) };
    },
    signRevokeDelegation(index, domain, message) {
      const digest = hashRevokeDelegation(domain, message);
      return { digest, signature: signDigest(deriveKey(index).privateKey, digest) };
    },
  };
}
