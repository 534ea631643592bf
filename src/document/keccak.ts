/**
 * keccak256 for the hot paths (leaf hashes, document root, certId, batch trees). js-sha3 (the
 * implementation ethers v5 and web3 shipped) computes the same function 2-3x faster than
 * @noble/hashes here (~190,000-350,000 short hashes/s against ~90,000 on the same core, see
 * test/document/keccak.test.ts and the bench), which is what brings an integrity check of a 20-field
 * document (~33 permutations) past 5,000/s. A test checks both agree on random inputs.
 */
import { keccak256 as jsSha3Keccak256 } from "js-sha3";

export function keccak256(message: Uint8Array): Uint8Array {
  return new Uint8Array(jsSha3Keccak256.arrayBuffer(message));
}
