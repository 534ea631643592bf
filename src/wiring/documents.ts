/**
 * Adapters from the document library (src/document) and its signature helpers to the domain's
 * DocumentLibrary and SignatureRecovery ports. Pure; no I/O.
 */
import { createHash, hash } from "node:crypto";
import {
  hashAnchorBatch,
  hashIssue,
  hashIssueMany,
  hashStatusChange,
  ledgerDomain,
  type LedgerStatus,
  buildBatch,
  computeDelegationId,
  computeGrantId,
  consentDomain,
  hashRevokeDelegation,
  hashRevokeGrant,
  hashRecordCheck,
  verifyBatchProof,
  DocumentError,
} from "../document";
import { personalMessageDigest } from "../domain/holderAuth";
import { createDocumentPool } from "./documentPool";
import { recoverSigner } from "./nativeRecovery";
import {
  batchMemberPrefix,
  batchPartLength,
  buildOne,
  integrityOf,
  lower,
  writeBatchPart,
  type BatchPart,
} from "./documentOps";
import type {
  Address,
  Bytes32,
  DocumentIntegrity,
  DocumentLibrary,
  LedgerMessage,
  SignatureRecovery,
} from "../domain/ports";

/** The document's JSON text; undefined when it has none (cyclic or hostile input). */
function jsonText(doc: unknown): string | undefined {
  try {
    return JSON.stringify(doc);
  } catch {
    return undefined;
  }
}

/** The one-shot hash (Node 20.12+): createHash builds a stream object per call, on every verification. */
const sha256Base64: (text: string) => string =
  typeof hash === "function"
    ? (text) => hash("sha256", text, "base64")
    : (text) => createHash("sha256").update(text).digest("base64");

/**
 * Integrity is a pure function of the document, and recomputing it (every leaf's keccak, JCS) is most
 * of a verification's CPU. Presentations repeat (a counter re-checks, a share link is opened again, a
 * verifier polls), so results are kept in an LRU keyed by sha256 of the parsed document's JSON text.
 * Two documents with one key have the same JSON text; should one ever differ in a way JSON text cannot
 * show (a number beyond float range), the answer is still the first document's own verified content.
 */
function integrityCache(max: number) {
  const cache = new Map<string, DocumentIntegrity>();
  return {
    keyOf: sha256Base64,
    get(key: string): DocumentIntegrity | undefined {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
      }
      return hit;
    },
    put(key: string, r: DocumentIntegrity): DocumentIntegrity {
      const frozen = Object.isFrozen(r) ? r : Object.freeze(r);
      cache.set(key, frozen);
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
      return frozen;
    },
  };
}

/** Documents built between two turns of the event loop (~30 ms of CPU): a batch never stalls other requests for long. */
const BUILD_SLICE = 250;
/** Batch documents written into one buffer (see buildBatch). */
const DOCUMENTS_PER_BUFFER = 1_000;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface DocumentLibraryOptions {
  /** Entries in the integrity LRU, default 10,000; 0 turns it off. */
  integrityCacheSize?: number;
  /** Worker threads for checkIntegrity (src/wiring/documentPool.ts), default 0: the calling thread. */
  documentWorkers?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function documentLibrary(opts: DocumentLibraryOptions = {}): DocumentLibrary & { close(): Promise<void> } {
  const cacheSize = opts.integrityCacheSize ?? 10_000;
  const cache = cacheSize > 0 ? integrityCache(cacheSize) : undefined;
  const pool = createDocumentPool({ workers: opts.documentWorkers ?? 0, log: opts.log });
  const build = buildOne;
  return {
    build,
    async buildBatch(inputs, onProgress) {
      // A slice at a time through the pool (a worker, when there is one: the event loop stays free for
      // requests), the next slice sent before this one is awaited so that the worker never waits on us.
      // Members come back as UTF-8 bytes (moved from a worker; strings or objects would be copied).
      const parts: BatchPart[] = new Array(inputs.length);
      const slice = (from: number) => {
        const p = pool.buildParts(inputs.slice(from, from + BUILD_SLICE));
        p.catch(() => undefined); // awaited (and thrown) in its turn, unless an earlier slice failed first
        return p;
      };
      let next = slice(0);
      for (let from = 0; from < inputs.length; from += BUILD_SLICE) {
        const current = next;
        if (from + BUILD_SLICE < inputs.length) next = slice(from + BUILD_SLICE);
        const out = await current;
        for (let k = 0; k < out.length; k++) parts[from + k] = out[k];
        onProgress?.(from + out.length);
        await yieldToRequests();
      }
      const batch = buildBatch(
        parts.map((b, i) => ({ certId: b.certId, validFrom: inputs[i].validFrom, validUntil: inputs[i].validUntil })),
      );
      // Every document's UTF-8 JSON text, its batch member (root and proof) put in, one after another in
      // buffers outside the heap, each item's a view of one (stored as it is, never a string here:
      // docs/decisions/0025-batch-documents-as-bytes.md). A buffer per 1,000 documents (~3.5 MB): the
      // allocator hands memory freed by earlier batches back, where a batch-sized one (tens of MB) is
      // fresh memory every time, whose first touch cost more than the copying.
      const memberPrefix = batchMemberPrefix(JSON.stringify(lower(batch.root)));
      const items = new Array(parts.length);
      for (let from = 0; from < parts.length; from += DOCUMENTS_PER_BUFFER) {
        const to = Math.min(parts.length, from + DOCUMENTS_PER_BUFFER);
        const proofs = new Array<Bytes32[]>(to - from);
        const proofTexts = new Array<string>(to - from);
        let size = 0;
        for (let i = from; i < to; i++) {
          const b = parts[i];
          // As withBatchProof checks: the leaf is this document's (its certId and validity).
          if (b.validFrom !== inputs[i].validFrom || b.validUntil !== inputs[i].validUntil)
            throw new DocumentError(
              "INVALID_BATCH",
              `batch item ${i} is not this document (certId or validity differ)`,
            );
          // getProof's hex is lowercase already; its JSON text goes into the document and the store as it is.
          proofs[i - from] = batch.getProof(i) as Bytes32[];
          proofTexts[i - from] = JSON.stringify(proofs[i - from]);
          size += batchPartLength(b, memberPrefix, proofTexts[i - from]);
        }
        const all = Buffer.allocUnsafe(size);
        for (let i = from, at = 0; i < to; i++) {
          const proofText = proofTexts[i - from];
          const start = at;
          at = writeBatchPart(all, at, parts[i], memberPrefix, proofText);
          items[i] = {
            certId: parts[i].certId,
            documentRoot: parts[i].documentRoot,
            documentJson: all.subarray(start, at),
            proof: proofs[i - from],
            proofText,
          };
        }
        await yieldToRequests();
      }
      return { root: lower(batch.root) as Bytes32, items };
    },
    verifyIntegrity(doc) {
      const text = cache && jsonText(doc);
      if (text === undefined) return integrityOf(doc);
      const key = cache!.keyOf(text);
      return cache!.get(key) ?? cache!.put(key, integrityOf(doc));
    },
    async checkIntegrity(doc) {
      const text = jsonText(doc);
      if (text === undefined) return pool.check(doc);
      if (!cache) return pool.check(doc, text);
      const key = cache.keyOf(text);
      return cache.get(key) ?? cache.put(key, await pool.check(doc, text));
    },
    close: () => pool.close(),
    batchRoot: (members) => lower(buildBatch(members).root) as Bytes32,
    verifyBatchProof: (root, certId, validFrom, validUntil, proof) =>
      verifyBatchProof({ certId, validFrom, validUntil }, proof, root),
  };
}

/** The EIP-712 digest of a CertificateLedger message (what the agency key signs). */
export function ledgerDigest(chainId: number, ledger: string, message: LedgerMessage): string {
  const domain = ledgerDomain(chainId, ledger);
  switch (message.kind) {
    case "Issue":
      return hashIssue(domain, message);
    case "IssueMany":
      return hashIssueMany(domain, message);
    case "AnchorBatch":
      return hashAnchorBatch(domain, message);
    case "StatusChange":
      return hashStatusChange(domain, { ...message, status: message.status as LedgerStatus });
  }
}

export function signatureRecovery(
  domain: () => { chainId: number; consent: Address; ledger: Address },
): SignatureRecovery {
  const dom = () => {
    const d = domain();
    return consentDomain(d.chainId, d.consent);
  };
  const digest = (g: Parameters<SignatureRecovery["grantId"]>[0]) =>
    computeGrantId(dom(), {
      certId: g.certId,
      grantee: g.grantee,
      purpose: g.purpose,
      validUntil: BigInt(g.validUntil),
      maxUses: g.maxUses,
      nonce: BigInt(g.nonce),
      deadline: BigInt(g.deadline),
    });
  const delegationDigest = (d: Parameters<SignatureRecovery["delegationId"]>[0]) =>
    computeDelegationId(dom(), {
      ...d,
      validUntil: BigInt(d.validUntil),
      nonce: BigInt(d.nonce),
      deadline: BigInt(d.deadline),
    });
  const recover = (digestOf: () => string, signature: string) => {
    try {
      return lower(recoverSigner(digestOf(), signature)) as Address | undefined;
    } catch {
      return undefined;
    }
  };
  return {
    grantId: (g) => digest(g).toLowerCase() as Bytes32,
    delegationId: (d) => delegationDigest(d).toLowerCase() as Bytes32,
    recoverDelegation: (d, signature) => recover(() => delegationDigest(d), signature),
    recoverRevokeDelegation: (m, signature) =>
      recover(
        () =>
          hashRevokeDelegation(dom(), {
            delegationId: m.delegationId,
            nonce: BigInt(m.nonce),
            deadline: BigInt(m.deadline),
          }),
        signature,
      ),
    recoverPersonal: (message, signature) =>
      lower(recoverSigner(personalMessageDigest(message), signature)) as Address | undefined,
    recoverGrant: (g, signature) => lower(recoverSigner(digest(g), signature)) as Address | undefined,
    recoverLedger: (message, signature) => {
      const d = domain();
      try {
        return lower(recoverSigner(ledgerDigest(d.chainId, d.ledger, message), signature)) as Address | undefined;
      } catch {
        return undefined;
      }
    },
    recoverRevokeGrant: (m, signature) =>
      lower(
        recoverSigner(
          hashRevokeGrant(dom(), { grantId: m.grantId, nonce: BigInt(m.nonce), deadline: BigInt(m.deadline) }),
          signature,
        ),
      ) as Address | undefined,
    recoverRecordCheck: (m, signature) =>
      lower(
        recoverSigner(
          hashRecordCheck(dom(), { grantId: m.grantId, use: m.use, deadline: BigInt(m.deadline) }),
          signature,
        ),
      ) as Address | undefined,
  };
}
