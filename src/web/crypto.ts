/**
 * Browser-side cryptography of the pages, on WebCrypto and the document library's secp256k1
 * (so it runs the same in Node for tests):
 * - EIP-191 personal signatures (holder request headers), and the holder key as a JWK (SD-JWT VC cnf);
 * - the share link's EIP-712 RecordCheck, signed with the link's key for each check (`signLinkCheck`);
 * - the share link's key: a fresh secp256k1 key whose address is the grantee, and from which the
 *   AES-GCM key that encrypts the shared document is derived (HKDF-free: SHA-256 with a label);
 * - the wallet's at-rest encryption of the mnemonic under a passphrase (PBKDF2-SHA-256 + AES-GCM).
 */
import { keccak_256 } from "@noble/hashes/sha3";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  bytesToHex,
  consentDomain,
  hashRecordCheck,
  hexToBytes,
  privateKeyToAddress,
  publicKeyToJwk,
  signDigest,
  type Secp256k1Jwk,
} from "../document";
import { b64url as b64u, fromB64url as unb64u } from "../domain/aead";

const te = new TextEncoder();
const td = new TextDecoder();

export function eip191Digest(message: string): string {
  const body = te.encode(message);
  const prefix = te.encode(`\x19Ethereum Signed Message:\n${body.length}`);
  const buf = new Uint8Array(prefix.length + body.length);
  buf.set(prefix);
  buf.set(body, prefix.length);
  return bytesToHex(keccak_256(buf));
}

/** A certificate's holder key as the JWK its SD-JWT VC binds (cnf.jwk). */
export function holderJwk(privateKey: Uint8Array): Secp256k1Jwk {
  return publicKeyToJwk(secp256k1.getPublicKey(privateKey, false));
}

export function personalSign(privateKey: Uint8Array, message: string): `0x${string}` {
  return signDigest(privateKey, eip191Digest(message));
}

/**
 * The link key's signature of RecordCheck(grantId, use, deadline) over the consent registry's domain (as
 * GET /v1/shares/{id} gives it): the gateway relays it on chain, and never needs the key itself.
 */
export function signLinkCheck(
  key: LinkKey,
  domain: { chainId: number | bigint; verifyingContract: string },
  check: { grantId: string; use: number; deadline: number },
): `0x${string}` {
  const digest = hashRecordCheck(consentDomain(domain.chainId, domain.verifyingContract), {
    grantId: check.grantId,
    use: check.use,
    deadline: BigInt(check.deadline),
  });
  return signDigest(key.privateKey, digest);
}

export { b64u, unb64u };

export interface LinkKey {
  privateKey: Uint8Array;
  address: string;
  /** What goes after '#k=' in the link. */
  fragment: string;
}

export function newLinkKey(): LinkKey {
  const privateKey = secp256k1.utils.randomPrivateKey();
  return {
    privateKey,
    address: privateKeyToAddress(privateKey).toLowerCase(),
    fragment: bytesToHex(privateKey).slice(2),
  };
}

export function linkKeyFromFragment(fragment: string): LinkKey | undefined {
  const hex = /^[0-9a-fA-F]{64}$/.test(fragment) ? fragment : undefined;
  if (!hex) return undefined;
  const privateKey = hexToBytes(hex);
  try {
    return { privateKey, address: privateKeyToAddress(privateKey).toLowerCase(), fragment: hex.toLowerCase() };
  } catch {
    return undefined;
  }
}

async function aesKeyFromLink(privateKey: Uint8Array): Promise<CryptoKey> {
  const label = te.encode("certledger share document key v1");
  const material = new Uint8Array(label.length + privateKey.length);
  material.set(label);
  material.set(privateKey, label.length);
  const raw = await crypto.subtle.digest("SHA-256", material);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** base64url(iv ‖ ciphertext) of the UTF-8 text. */
export async function encryptForLink(key: LinkKey, text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKeyFromLink(key.privateKey), te.encode(text)),
  );
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return b64u(out);
}

export async function decryptForLink(key: LinkKey, payload: string): Promise<string> {
  const bytes = unb64u(payload);
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) as Uint8Array<ArrayBuffer> },
    await aesKeyFromLink(key.privateKey),
    bytes.slice(12) as Uint8Array<ArrayBuffer>,
  );
  return td.decode(pt);
}

// -------------------------------------------------------------------------------------------
// Passphrase encryption of the mnemonic at rest
// -------------------------------------------------------------------------------------------

export interface Sealed {
  salt: string;
  iv: string;
  ct: string;
  iterations: number;
}

async function passKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", te.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt: salt as Uint8Array<ArrayBuffer>, iterations, hash: "SHA-256" },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function seal(passphrase: string, text: string): Promise<Sealed> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const iterations = 210_000;
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await passKey(passphrase, salt, iterations),
    te.encode(text),
  );
  return { salt: b64u(salt), iv: b64u(iv), ct: b64u(new Uint8Array(ct)), iterations };
}

/** Throws when the passphrase is wrong (AES-GCM authentication fails). */
export async function unseal(passphrase: string, s: Sealed): Promise<string> {
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: unb64u(s.iv) as Uint8Array<ArrayBuffer> },
    await passKey(passphrase, unb64u(s.salt), s.iterations),
    unb64u(s.ct) as Uint8Array<ArrayBuffer>,
  );
  return td.decode(pt);
}

export function randomNonce(bytes = 16): string {
  return b64u(crypto.getRandomValues(new Uint8Array(bytes)));
}
