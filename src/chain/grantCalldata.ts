/**
 * The calldata of the consent registry's two group calls, `grantManyBySig(GrantRequest[],
 * BatchGrantRequest[])` and `recordChecks(bytes32[])`, written straight as ABI words (the Solidity ABI
 * specification's encoding of static and dynamic tuples and arrays). The relayer builds one of these
 * for every group of grants or checks, on the event loop, just before the block that takes it: ethers'
 * `Interface.encodeFunctionData` turned every value into bytes and copied each nested writer into its
 * parent (a counter's group of batched grants is ~40 KB), ~4 % of the event loop under the counter
 * benchmark. The result is the same hex string as ethers' (a test compares them on random groups), and
 * every value is checked as ethers checks it: a value that does not fit its type throws.
 */
import { getAddress } from "ethers";
import { consentIface } from "./contracts";

/** A grant's signed fields, in the struct's order. */
export interface GrantFields {
  certId: string;
  grantee: string;
  purpose: string;
  validUntil: number;
  maxUses: number;
  nonce: bigint;
  deadline: number;
}

export interface GrantRequestWords {
  grant: GrantFields;
  documentRoot: string;
  /** The holder's signature in EIP-2098's compact form. */
  r: string;
  vs: string;
}

export interface BatchGrantRequestWords extends GrantRequestWords {
  leaf: { batchRoot: string; validFrom: number; validUntil: number; proof: string[] };
}

const GRANT_MANY = consentIface.getFunction("grantManyBySig")!.selector.slice(2);
const RECORD_CHECKS = consentIface.getFunction("recordChecks")!.selector.slice(2);
const HEX64 = /^0x[0-9a-fA-F]{64}$/;
const HEX40 = /^0x[0-9a-fA-F]{40}$/;
const ZEROS = "0".repeat(64);

function bytes32(v: string): string {
  if (!HEX64.test(v)) throw new Error(`not a bytes32: ${v}`);
  return v.slice(2).toLowerCase();
}

function address(v: string): string {
  if (!HEX40.test(v)) throw new Error(`not an address: ${v}`);
  // Mixed case is a checksum (EIP-55): ethers refuses a wrong one, and so does this.
  if (/[a-f]/.test(v) && /[A-F]/.test(v) && getAddress(v) !== v) throw new Error(`bad address checksum: ${v}`);
  return ZEROS.slice(40) + v.slice(2).toLowerCase();
}

function uint(v: number | bigint, bits: number): string {
  const n = BigInt(v);
  if (n < 0n || n >> BigInt(bits) !== 0n) throw new Error(`not a uint${bits}: ${v}`);
  const hex = n.toString(16);
  return ZEROS.slice(hex.length) + hex;
}

/** A byte offset or a length as one word. */
const size = (n: number) => uint(n, 64);

function grantWords(out: string[], g: GrantFields): void {
  out.push(
    bytes32(g.certId),
    address(g.grantee),
    bytes32(g.purpose),
    uint(g.validUntil, 64),
    uint(g.maxUses, 32),
    uint(g.nonce, 256),
    uint(g.deadline, 64),
  );
}

/** Words of a GrantRequest (static: grant, documentRoot, r, vs inline). */
const SINGLE_WORDS = 10;
/** Head words of a BatchGrantRequest: grant (7), documentRoot, the leaf's offset, r, vs. */
const BATCHED_HEAD_WORDS = 11;
/** Head words of a BatchLeaf: batchRoot, validFrom, validUntil, the proof's offset. */
const LEAF_HEAD_WORDS = 4;

export function encodeGrantManyBySig(singles: GrantRequestWords[], batched: BatchGrantRequestWords[]): string {
  const out: string[] = [];
  out.push(size(64), size(64 + 32 * (1 + SINGLE_WORDS * singles.length)));
  out.push(size(singles.length));
  for (const s of singles) {
    grantWords(out, s.grant);
    out.push(bytes32(s.documentRoot), bytes32(s.r), bytes32(s.vs));
  }
  out.push(size(batched.length));
  // Each element is dynamic (its leaf holds the proof): offsets first, from the start of the elements.
  let offset = 32 * batched.length;
  for (const b of batched) {
    out.push(size(offset));
    offset += 32 * (BATCHED_HEAD_WORDS + LEAF_HEAD_WORDS + 1 + b.leaf.proof.length);
  }
  for (const b of batched) {
    grantWords(out, b.grant);
    out.push(bytes32(b.documentRoot), size(32 * BATCHED_HEAD_WORDS), bytes32(b.r), bytes32(b.vs));
    const { batchRoot, validFrom, validUntil, proof } = b.leaf;
    out.push(bytes32(batchRoot), uint(validFrom, 64), uint(validUntil, 64), size(32 * LEAF_HEAD_WORDS));
    out.push(size(proof.length));
    for (const p of proof) out.push(bytes32(p));
  }
  return "0x" + GRANT_MANY + out.join("");
}

export function encodeRecordChecks(grantIds: string[]): string {
  return "0x" + RECORD_CHECKS + size(32) + size(grantIds.length) + grantIds.map(bytes32).join("");
}
