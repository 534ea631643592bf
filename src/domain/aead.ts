/**
 * AES-256-GCM over text, as the pickups and the wallet backups seal it: base64url(iv ‖ ciphertext ‖ tag)
 * with a random 96-bit iv and the purpose bound as additional data. WebCrypto: the same in Node and
 * in the browser.
 */
const te = new TextEncoder();
const td = new TextDecoder();

export function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

export async function sealText(key: Uint8Array, aad: string, text: string): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: te.encode(aad) },
      await aesKey(key),
      te.encode(text),
    ),
  );
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return b64url(out);
}

/** Throws when the key or the additional data is not the sealer's, or the ciphertext was altered. */
export async function openText(key: Uint8Array, aad: string, sealed: string): Promise<string> {
  const bytes = fromB64url(sealed);
  const pt = await globalThis.crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) as Uint8Array<ArrayBuffer>, additionalData: te.encode(aad) },
    await aesKey(key),
    bytes.slice(12) as Uint8Array<ArrayBuffer>,
  );
  return td.decode(pt);
}
