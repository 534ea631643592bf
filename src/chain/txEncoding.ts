/**
 * Signs a transaction and encodes it for `eth_sendRawTransaction`: EIP-1559 (type 2, empty access list)
 * or legacy with EIP-155 replay protection (type 0), RLP-encoded as the Ethereum yellow paper's
 * appendix B describes. The gateway signs every transaction it relays here, on its event loop:
 * ethers' `Transaction` turns the calldata from hex into bytes and back several times per transaction
 * (its hex parser reads two characters at a time), which the counter benchmark's profile showed as
 * ~10 % of the event loop; this does it once, natively (`Buffer`), and hashes with the WebAssembly
 * keccak. The bytes are the same as ethers' (a test compares them on random transactions), and the
 * signature is the key's own (RFC 6979, deterministic). See docs/decisions/0029.
 */
import type { SigningKey } from "ethers";
import { keccakHex } from "../document/encoding";
import { keccak256 } from "../document/keccak";

export interface UnsignedTx {
  chainId: number;
  nonce: number;
  /** null deploys a contract. */
  to: string | null;
  data: string;
  value: bigint;
  gasLimit: bigint;
  fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };
}

type RlpItem = Buffer | RlpItem[];

/** The signed transaction's bytes (0x-hex) and its hash. */
export function signTransaction(tx: UnsignedTx, key: SigningKey): { raw: string; hash: string } {
  const to = tx.to === null ? Buffer.alloc(0) : hexBytes(tx.to);
  if (tx.to !== null && to.length !== 20) throw new Error(`not an address: ${tx.to}`);
  const data = hexBytes(tx.data);
  if ("gasPrice" in tx.fees) {
    const body = [uint(tx.nonce), uint(tx.fees.gasPrice), uint(tx.gasLimit), to, uint(tx.value), data];
    const sig = key.sign(keccak256(rlp([...body, uint(tx.chainId), uint(0), uint(0)])));
    const v = BigInt(tx.chainId) * 2n + 35n + BigInt(sig.yParity);
    return finish(rlp([...body, uint(v), uint(BigInt(sig.r)), uint(BigInt(sig.s))]));
  }
  const body = [
    uint(tx.chainId),
    uint(tx.nonce),
    uint(tx.fees.maxPriorityFeePerGas),
    uint(tx.fees.maxFeePerGas),
    uint(tx.gasLimit),
    to,
    uint(tx.value),
    data,
    [],
  ];
  const sig = key.sign(keccak256(typed(2, rlp(body))));
  return finish(typed(2, rlp([...body, uint(sig.yParity), uint(BigInt(sig.r)), uint(BigInt(sig.s))])));
}

function finish(raw: Buffer): { raw: string; hash: string } {
  return { raw: "0x" + raw.toString("hex"), hash: keccakHex(raw) };
}

function typed(type: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type), payload]);
}

/** 0x-hex to bytes; refuses what is not whole bytes of hex (Buffer.from would stop at the first bad pair). */
function hexBytes(hex: string): Buffer {
  if (!/^0x(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not 0x-prefixed hex bytes: ${hex.slice(0, 20)}`);
  return Buffer.from(hex.slice(2), "hex");
}

/** A non-negative integer as RLP wants it: big-endian, no leading zero bytes (0 is empty). */
function uint(n: number | bigint): Buffer {
  const b = BigInt(n);
  if (b < 0n) throw new Error(`negative integer in a transaction: ${b}`);
  if (b === 0n) return Buffer.alloc(0);
  const hex = b.toString(16);
  return Buffer.from(hex.length % 2 ? "0" + hex : hex, "hex");
}

function rlp(item: RlpItem): Buffer {
  if (Buffer.isBuffer(item)) {
    if (item.length === 1 && item[0] < 0x80) return item;
    return Buffer.concat([lengthPrefix(0x80, item.length), item]);
  }
  const payload = Buffer.concat(item.map(rlp));
  return Buffer.concat([lengthPrefix(0xc0, payload.length), payload]);
}

function lengthPrefix(offset: number, length: number): Buffer {
  if (length <= 55) return Buffer.of(offset + length);
  const len = uint(length);
  return Buffer.concat([Buffer.of(offset + 55 + len.length), len]);
}
