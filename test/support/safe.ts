/**
 * A Safe multisig (the npm package @safe-global/safe-contracts 1.4.1, its own build artifacts) on the
 * Hardhat network, and Safe transactions signed as EIP-712 `SafeTx` messages by its owners.
 *
 * The artifacts were compiled by solc 0.7.6 for its default target (istanbul), which uses no opcode
 * that paris lacks: the same bytecode deploys wherever the certledger contracts do.
 */
import { ethers } from "hardhat";
import type { BaseContract, ContractTransactionResponse, Signer, TypedDataDomain } from "ethers";
import SafeArtifact from "@safe-global/safe-contracts/build/artifacts/contracts/Safe.sol/Safe.json";
import SafeProxyFactoryArtifact from "@safe-global/safe-contracts/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json";

/** The Safe's own typed data (contracts/Safe.sol: SAFE_TX_TYPEHASH; domain = chainId + verifyingContract). */
export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

export interface SafeTx {
  to: string;
  value: bigint;
  data: string;
  /** 0 = CALL, 1 = DELEGATECALL. */
  operation: 0 | 1;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  nonce: bigint;
}

/** A SafeTx's fields but the nonce, in the order of execTransaction's and getTransactionHash's parameters. */
export type SafeTxArgs = [
  to: string,
  value: bigint,
  data: string,
  operation: number,
  safeTxGas: bigint,
  baseGas: bigint,
  gasPrice: bigint,
  gasToken: string,
  refundReceiver: string,
];

export function safeTxArgs(tx: SafeTx): SafeTxArgs {
  return [
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
  ];
}

/** The Safe contract's calls the tests use (ABI from the package's artifact). */
export type SafeContract = BaseContract & {
  getOwners(): Promise<string[]>;
  getThreshold(): Promise<bigint>;
  nonce(): Promise<bigint>;
  domainSeparator(): Promise<string>;
  getTransactionHash(...args: [...SafeTxArgs, nonce: bigint]): Promise<string>;
  execTransaction(...args: [...SafeTxArgs, signatures: string]): Promise<ContractTransactionResponse>;
};

/** Deploys the Safe singleton and the proxy factory, then a proxy set up with `owners` and `threshold`. */
export async function deploySafe(deployer: Signer, owners: string[], threshold: number): Promise<SafeContract> {
  const singleton = await new ethers.ContractFactory(SafeArtifact.abi, SafeArtifact.bytecode, deployer).deploy();
  const factory = await new ethers.ContractFactory(
    SafeProxyFactoryArtifact.abi,
    SafeProxyFactoryArtifact.bytecode,
    deployer,
  ).deploy();
  const safeInterface = new ethers.Interface(SafeArtifact.abi);
  const initializer = safeInterface.encodeFunctionData("setup", [
    owners,
    threshold,
    ethers.ZeroAddress, // no setup delegatecall
    "0x",
    ethers.ZeroAddress, // no fallback handler
    ethers.ZeroAddress, // payment in ether...
    0, // ...of nothing
    ethers.ZeroAddress,
  ]);
  const receipt = await (
    await (
      factory as unknown as { createProxyWithNonce: (...a: unknown[]) => Promise<ContractTransactionResponse> }
    ).createProxyWithNonce(await singleton.getAddress(), initializer, 0n)
  ).wait();
  const created = receipt!.logs.map((l) => factory.interface.parseLog(l)).find((e) => e?.name === "ProxyCreation");
  if (!created) throw new Error("the proxy factory emitted no ProxyCreation");
  return new ethers.Contract(created.args.proxy as string, SafeArtifact.abi, deployer) as unknown as SafeContract;
}

/** A CALL from the Safe to `to` with `data`, no refund, at the Safe's current nonce. */
export async function safeCall(safe: SafeContract, to: string, data: string): Promise<SafeTx> {
  return {
    to,
    value: 0n,
    data,
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ethers.ZeroAddress,
    refundReceiver: ethers.ZeroAddress,
    nonce: await safe.nonce(),
  };
}

export async function safeDomain(safe: SafeContract): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return { chainId, verifyingContract: await safe.getAddress() };
}

/**
 * The owners' EIP-712 signatures in the Safe's encoding: 65 bytes each (r, s, v with v = 27 or 28 for
 * an ECDSA signature of the SafeTx digest), concatenated in ascending order of the signer's address
 * (checkNSignatures refuses any other order).
 */
export async function signSafeTx(safe: SafeContract, tx: SafeTx, signers: Signer[]): Promise<string> {
  const domain = await safeDomain(safe);
  const signed = await Promise.all(
    signers.map(async (s) => ({
      owner: BigInt(await s.getAddress()),
      signature: ethers.Signature.from(await s.signTypedData(domain, SAFE_TX_TYPES, tx)),
    })),
  );
  signed.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  return ethers.concat(
    signed.map((x) => ethers.concat([x.signature.r, x.signature.s, ethers.toBeHex(x.signature.v, 1)])),
  );
}

/** Executes `tx` with `signatures`, sent (and paid for) by `relayer`, who need not be an owner. */
export function execSafeTx(
  safe: SafeContract,
  tx: SafeTx,
  signatures: string,
  relayer: Signer,
): Promise<ContractTransactionResponse> {
  return (safe.connect(relayer) as SafeContract).execTransaction(...safeTxArgs(tx), signatures);
}
