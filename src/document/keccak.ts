/**
 * keccak256 for the hot paths (leaf hashes, document root, certId, batch trees, grant ids).
 *
 * hash-wasm's WebAssembly keccak hashes a short input in ~0.9 µs, js-sha3 (the implementation ethers
 * v5 and web3 shipped) in ~4 µs and @noble/hashes in ~10 µs on these cores; an integrity check of a
 * 20-field document is ~33 hashes. WebAssembly compiles asynchronously, so the module starts loading
 * on import and js-sha3 answers until it is ready (`keccakReady`; the gateway and the document
 * workers wait for it before serving). Both are the same function: a test checks them against
 * @noble/hashes on random inputs.
 */
import { createKeccak } from "hash-wasm";
import { keccak256 as jsSha3Keccak256 } from "js-sha3";

const portable = (message: Uint8Array): Uint8Array => new Uint8Array(jsSha3Keccak256.arrayBuffer(message));

let hash: (message: Uint8Array) => Uint8Array = portable;

/**
 * Settles once the WebAssembly keccak answers (or, should it fail to load, once js-sha3 is known to
 * stay: never rejects). One hasher per thread; each call runs init, update and digest without yielding.
 */
export const keccakReady: Promise<"wasm" | "js"> = createKeccak(256).then(
  (h) => {
    hash = (message) => h.init().update(message).digest("binary");
    return "wasm" as const;
  },
  () => "js" as const,
);

export function keccak256(message: Uint8Array): Uint8Array {
  return hash(message);
}

/** js-sha3, whatever has loaded: the reference the tests compare the WebAssembly path with. */
export const keccak256Portable = portable;
