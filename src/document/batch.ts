/**
 * Merkle batches (docs/decisions/0003-merkle-batches-with-per-certificate-status.md): one root anchors
 * many certificates. Leaves and tree are exactly
 * OpenZeppelin's StandardMerkleTree of ["bytes32","uint64","uint64"] = [certId, validFrom, validUntil]
 * (leaves double-hashed, sorted; pairs hashed sorted), so the contracts' MerkleProof.verify and any
 * standard library accept the proofs. Built on raw bytes: 10,000 leaves take a few tens of ms, where
 * the general-purpose library takes seconds.
 */
import { keccak256 as keccak_256 } from "./keccak";
import { bytesToHex, computeBatchLeaf, type Hex } from "./ids";
import { decodeHex, decodeHexInto, toUnixSeconds } from "./encoding";
import { DocumentError } from "./errors";
import { compareBytes } from "./leaves";
import type { CertificateDocument } from "./format";

export interface BatchItem {
  certId: string;
  /** Unix seconds. */
  validFrom: number | bigint;
  validUntil: number | bigint;
}

export interface Batch {
  /** The Merkle root to anchor on chain. */
  root: Hex;
  size: number;
  /** Leaf of each item, in input order. */
  leaves: Hex[];
  /** Proof of the item at `index` (input order), as StandardMerkleTree.getProof gives it. */
  getProof(index: number): Hex[];
}

function hashPair(a: Uint8Array, b: Uint8Array, scratch: Uint8Array): Uint8Array {
  if (compareBytes(a, b) <= 0) {
    scratch.set(a, 0);
    scratch.set(b, 32);
  } else {
    scratch.set(b, 0);
    scratch.set(a, 32);
  }
  return keccak_256(scratch);
}

/** Writes a uint64 (≤ 2^53) big-endian into the last 8 bytes of the 32-byte word ending at offset + 8. */
function writeUint64(buf: Uint8Array, offset: number, value: number) {
  let v = value;
  for (let i = offset + 7; i >= offset; i--) {
    buf[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** abi.encode(bytes32, uint64, uint64) of a leaf; only the certId and the times' last 8 bytes are ever written. */
const leafEncoding = new Uint8Array(96);

/**
 * computeBatchLeaf (ids.ts) on raw bytes: keccak256(keccak256(abi.encode(certId, validFrom, validUntil))),
 * for times already checked to be whole seconds from 0 to MAX_TIME.
 */
export function batchLeafBytes(certId: Uint8Array, validFrom: number, validUntil: number): Uint8Array {
  leafEncoding.set(certId, 0);
  writeUint64(leafEncoding, 56, validFrom);
  writeUint64(leafEncoding, 88, validUntil);
  return keccak_256(keccak_256(leafEncoding));
}

/** Builds the batch tree for certificates; throws DocumentError("INVALID_BATCH") on bad or repeated items. */
export function buildBatch(items: readonly BatchItem[]): Batch {
  const n = items.length;
  if (n === 0) throw new DocumentError("INVALID_BATCH", "a batch needs at least one certificate");
  const seen = new Set<string>();
  const leafBytes: Uint8Array[] = new Array(n);
  const leaves: Hex[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const { certId, validFrom, validUntil } = items[i];
    const key = typeof certId === "string" ? certId.toLowerCase() : "";
    if (!decodeHex(key, 32)) throw new DocumentError("INVALID_BATCH", `item ${i}: certId must be a 32-byte hex string`);
    if (seen.has(key)) throw new DocumentError("INVALID_BATCH", `item ${i}: certId ${key} is already in this batch`);
    seen.add(key);
    const from = toUnixSeconds(validFrom, `item ${i} validFrom`);
    const until = toUnixSeconds(validUntil, `item ${i} validUntil`);
    leafBytes[i] = batchLeafBytes(decodeHex(key, 32)!, from, until);
    leaves[i] = bytesToHex(leafBytes[i]);
  }
  // StandardMerkleTree sorts leaves by value, then stores the k-th sorted leaf at tree[2n-2-k].
  // Lowercase hex sorts as the bytes do, and native string comparison is the fast one.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    leaves[a] < leaves[b] ? -1 : leaves[a] > leaves[b] ? 1 : 0,
  );
  const tree: Uint8Array[] = new Array(2 * n - 1);
  const treeIndex = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    tree[2 * n - 2 - k] = leafBytes[order[k]];
    treeIndex[order[k]] = 2 * n - 2 - k;
  }
  const scratch = new Uint8Array(64);
  for (let i = n - 2; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2], scratch);
  // Nodes near the root are in most proofs: each node's hex is made once, not once per proof it is in
  // (a batch of 10,000 has 140,000 proof elements and 20,000 nodes).
  const hexOf: (Hex | undefined)[] = new Array(2 * n - 1);
  const nodeHex = (t: number): Hex => (hexOf[t] ??= bytesToHex(tree[t]));
  return {
    root: bytesToHex(tree[0]),
    size: n,
    leaves,
    getProof(index: number): Hex[] {
      if (!Number.isInteger(index) || index < 0 || index >= n)
        throw new DocumentError("INVALID_BATCH", `no item ${index} in a batch of ${n}`);
      const proof: Hex[] = [];
      for (let t = treeIndex[index]; t > 0; t = (t - 1) >> 1) proof.push(nodeHex(t % 2 === 1 ? t + 1 : t - 1));
      return proof;
    },
  };
}

/**
 * Folds a proof of 32-byte lowercase or uppercase hex siblings from a leaf up to the root
 * (MerkleProof.processProof), on bytes: one sibling buffer and one pair buffer for the whole fold.
 * Returns undefined when an element is not 32-byte hex.
 */
export function processBatchProofBytes(leaf: Uint8Array, proof: readonly string[]): Uint8Array | undefined {
  let node = leaf;
  const sibling = new Uint8Array(32);
  const scratch = new Uint8Array(64);
  for (const p of proof) {
    if (!decodeHexInto(p, sibling)) return undefined;
    node = hashPair(node, sibling, scratch);
  }
  return node;
}

/** Folds a proof from a leaf up to the root (MerkleProof.processProof); returns the root it leads to. */
export function processBatchProof(leaf: string, proof: readonly string[]): Hex {
  const node = decodeHex(leaf, 32);
  if (!node) throw new DocumentError("INVALID_BATCH", "a leaf must be a 32-byte hex string");
  const root = processBatchProofBytes(node, proof);
  if (!root) throw new DocumentError("INVALID_BATCH", "a proof element must be a 32-byte hex string");
  return bytesToHex(root);
}

/** True when `proof` shows that the certificate is in the batch with this root. */
export function verifyBatchProof(item: BatchItem, proof: readonly string[], root: string): boolean {
  const leaf = computeBatchLeaf(
    item.certId,
    toUnixSeconds(item.validFrom, "validFrom"),
    toUnixSeconds(item.validUntil, "validUntil"),
  );
  return processBatchProof(leaf, proof) === root.toLowerCase();
}

/**
 * Returns a copy of the document whose credentialStatus carries its batch root and proof. The
 * document's certId must be the batch item at `index`.
 */
export function withBatchProof(document: CertificateDocument, batch: Batch, index: number): CertificateDocument {
  const status = document.credentialStatus;
  const proof = batch.getProof(index);
  const leafOfDocument = computeBatchLeaf(
    status.certId,
    Date.parse(document.validFrom) / 1000,
    Date.parse(document.validUntil) / 1000,
  );
  if (leafOfDocument !== batch.leaves[index]) {
    throw new DocumentError("INVALID_BATCH", `batch item ${index} is not this document (certId or validity differ)`);
  }
  return {
    ...document,
    credentialStatus: { ...status, batch: { root: batch.root, proof } },
  };
}
