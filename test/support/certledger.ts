/**
 * Shared fixture and helpers for the contract tests, the property test and the gas bench.
 */
import { ethers } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { HDNodeWallet, Signer } from "ethers";
import { deployCertledger } from "../../src/chain/deploy";
import { BATCH_LEAF_ENCODING, computeCertId } from "../../src/document/ids";
import {
  consentDomain,
  DELEGATION_TYPES,
  GRANT_TYPES,
  ledgerDomain,
  RECORD_CHECK_TYPES,
  REVOKE_DELEGATION_TYPES,
  REVOKE_GRANT_TYPES,
  type DelegationMessage,
  type GrantMessage,
  type TypedDataDomain,
} from "../../src/document/typedData";
import type { ConsentRegistry } from "../../typechain-types";
import type { ICertificateLedger } from "../../typechain-types/contracts/CertificateLedger";

export const DAY = 86_400n;
export const YEAR = 365n * DAY;
export const FAR_FUTURE = 2n ** 40n - 1n;

export const TYPE_ID_CARD = 1n;
export const TYPE_LICENCE = 2n;
export const AGENCY_POLICE = 1n;
export const AGENCY_MARKET = 2n;

export async function now(): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

/** The timestamp of the block that mined a transaction: what `_time()` returned inside it. */
export async function minedAt(tx: Promise<{ wait(): Promise<{ blockNumber: number } | null> }>): Promise<bigint> {
  const receipt = await (await tx).wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/** A deployed, configured certledger: two types, two agencies, three keys. */
export async function deployedFixture() {
  const [deployer, admin, pauser, policeKey1, policeKey2, marketKey, verifier, other, spare] =
    await ethers.getSigners();
  const d = await deployCertledger(deployer, { admin: admin.address, pauser: pauser.address });
  const registry = d.registry.connect(admin);
  await registry.registerType("resident-id-card", ethers.id("schema:id-card:v1"), 20n * YEAR);
  await registry.registerType("business-licence", ethers.id("schema:licence:v1"), 5n * YEAR);
  await registry.registerAgency(ethers.id("Public Security Bureau"));
  await registry.registerAgency(ethers.id("Market Regulation Administration"));
  await registry.addKey(AGENCY_POLICE, policeKey1.address, 0, FAR_FUTURE);
  await registry.addKey(AGENCY_POLICE, policeKey2.address, 0, FAR_FUTURE);
  await registry.addKey(AGENCY_MARKET, marketKey.address, 0, FAR_FUTURE);
  await registry.accredit(AGENCY_POLICE, TYPE_ID_CARD, 0, FAR_FUTURE);
  await registry.accredit(AGENCY_POLICE, TYPE_LICENCE, 0, FAR_FUTURE);
  await registry.accredit(AGENCY_MARKET, TYPE_LICENCE, 0, FAR_FUTURE);
  return {
    ...d,
    registry,
    ledger: d.ledger.connect(policeKey1),
    consent: d.consent.connect(other),
    deployer,
    admin,
    pauser,
    policeKey1,
    policeKey2,
    marketKey,
    verifier,
    other,
    spare,
  };
}

export type Fixture = Awaited<ReturnType<typeof deployedFixture>>;

/** A holder with a per-certificate key and the certificate's identifiers. */
export interface Holding {
  holder: HDNodeWallet;
  documentRoot: string;
  certId: string;
}

export function newHolding(): Holding {
  const holder = ethers.Wallet.createRandom() as unknown as HDNodeWallet;
  const documentRoot = ethers.hexlify(ethers.randomBytes(32));
  return { holder, documentRoot, certId: computeCertId(holder.address, documentRoot) };
}

export type CertRef = ICertificateLedger.CertRefStruct;

export function singleRef(certId: string): CertRef {
  return { certId, batchRoot: ethers.ZeroHash, validFrom: 0n, validUntil: 0n, proof: [] };
}

export interface BatchEntry extends Holding {
  validFrom: bigint;
  validUntil: bigint;
}

/** A StandardMerkleTree batch of `size` certificates (or of the given entries). */
export function buildBatch(entries: { certId: string; validFrom: bigint; validUntil: bigint }[]) {
  const tree = StandardMerkleTree.of(
    entries.map((e) => [e.certId, e.validFrom, e.validUntil]),
    [...BATCH_LEAF_ENCODING],
  );
  const refOf = (i: number): CertRef => ({
    certId: entries[i].certId,
    batchRoot: tree.root,
    validFrom: entries[i].validFrom,
    validUntil: entries[i].validUntil,
    proof: tree.getProof(i),
  });
  return { tree, root: tree.root, refOf };
}

export function newBatchEntries(size: number, validFrom: bigint, validUntil: bigint): BatchEntry[] {
  return Array.from({ length: size }, () => ({ ...newHolding(), validFrom, validUntil }));
}

/** Entries with random certIds and no holder key: cheap enough for batches of 100,000. */
export function anonymousBatchEntries(size: number, validFrom: bigint, validUntil: bigint) {
  return Array.from({ length: size }, () => ({
    certId: ethers.hexlify(ethers.randomBytes(32)),
    validFrom,
    validUntil,
  }));
}

export interface GrantOptions {
  grantee: string;
  purpose?: string;
  validUntil: bigint;
  maxUses?: number;
  nonce?: bigint;
  deadline: bigint;
}

export function grantMessage(certId: string, o: GrantOptions): GrantMessage {
  return {
    certId,
    grantee: o.grantee,
    purpose: o.purpose ?? ethers.id("open-bank-account"),
    validUntil: o.validUntil,
    maxUses: o.maxUses ?? 1,
    nonce: o.nonce ?? BigInt(ethers.hexlify(ethers.randomBytes(32))),
    deadline: o.deadline,
  };
}

export async function signGrant(consent: ConsentRegistry, signer: Signer, message: GrantMessage): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, await consent.getAddress());
  return signer.signTypedData(domain, { Grant: [...GRANT_TYPES.Grant] }, message);
}

export async function signRecordCheck(
  consent: ConsentRegistry,
  signer: Signer,
  message: { grantId: string; use: number; deadline: bigint },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, await consent.getAddress());
  return signer.signTypedData(domain, { RecordCheck: [...RECORD_CHECK_TYPES.RecordCheck] }, message);
}

export async function signRevokeGrant(
  consent: ConsentRegistry,
  signer: Signer,
  message: { grantId: string; nonce: bigint; deadline: bigint },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, await consent.getAddress());
  return signer.signTypedData(domain, { RevokeGrant: [...REVOKE_GRANT_TYPES.RevokeGrant] }, message);
}

export interface DelegationOptions {
  delegate: string;
  purpose?: string;
  verifier?: string;
  online?: boolean;
  validUntil: bigint;
  nonce?: bigint;
  deadline: bigint;
}

/** A Delegation of `certId`: any purpose, any verifier and counter presentations only unless told. */
export function delegationMessage(certId: string, o: DelegationOptions): DelegationMessage {
  return {
    certId,
    delegate: o.delegate,
    purpose: o.purpose ?? ethers.ZeroHash,
    verifier: o.verifier ?? ethers.ZeroAddress,
    online: o.online ?? false,
    validUntil: o.validUntil,
    nonce: o.nonce ?? BigInt(ethers.hexlify(ethers.randomBytes(32))),
    deadline: o.deadline,
  };
}

export async function signDelegation(
  consent: ConsentRegistry,
  signer: Signer,
  message: DelegationMessage,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, await consent.getAddress());
  return signer.signTypedData(domain, { Delegation: [...DELEGATION_TYPES.Delegation] }, message);
}

export async function signRevokeDelegation(
  consent: ConsentRegistry,
  signer: Signer,
  message: { delegationId: string; nonce: bigint; deadline: bigint },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, await consent.getAddress());
  return signer.signTypedData(domain, { RevokeDelegation: [...REVOKE_DELEGATION_TYPES.RevokeDelegation] }, message);
}

/** The EIP-712 domain of a deployed CertificateLedger on the test chain. */
export async function ledgerDomainOf(ledger: { getAddress(): Promise<string> }): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return ledgerDomain(chainId, await ledger.getAddress());
}
