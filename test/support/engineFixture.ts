/**
 * Helpers for the engine tests: a temporary data directory, an engine on it, and a registered type,
 * agency (with a signing key, accredited) and verifier, all sent through the engine itself.
 */
import { Wallet, hexlify, randomBytes } from "ethers";
import { startEngine, type Engine, type EngineOptions } from "../../src/chain/engine";
import { scratchDir } from "./scratch";
import { computeCertId } from "../../src/document/ids";
import { DELEGATION_TYPES, GRANT_TYPES, REVOKE_DELEGATION_TYPES, consentDomain } from "../../src/document/typedData";
import type {
  Address,
  Bytes32,
  DelegationRelayRequest,
  GrantRelayRequest,
  RevokeDelegationRelayRequest,
  TxReceiptView,
} from "../../src/domain/ports";

/** A fresh data directory, removed when the process exits. */
export function tmpDataDir(prefix = "certledger-engine-"): string {
  return scratchDir(prefix);
}

export const TEST_SEED = "0x" + "42".repeat(32);

export function openEngine(dataDir: string, extra: Partial<EngineOptions> = {}): Promise<Engine> {
  return startEngine({ dataDir, seed: TEST_SEED, ...extra });
}

export interface Actors {
  typeId: number;
  agency: Address;
  issuerKey: Address;
  verifier: Address;
}

/** Registers one type, one agency with a key accredited for it, and one verifier (idempotent by name). */
export async function setupActors(engine: Engine, name = "test"): Promise<Actors> {
  const code = `${name}-licence`;
  if (!engine.index.certificateTypeByCode(code)) {
    await engine.chain.registerType({
      typeId: 0,
      code,
      name: `${name} licence`,
      schemaHash: ("0x" + "11".repeat(32)) as Bytes32,
      maxValiditySeconds: 10 * 365 * 86400,
    });
  }
  const typeId = engine.index.certificateTypeByCode(code)!.typeId;
  const agency = await engine.keyring.create(`agency:${name}`);
  if (!engine.index.agency(agency)) await engine.chain.registerAgency({ agency, name: `${name} agency` });
  const issuerKey = await engine.keyring.create(`agency-key:${name}`);
  if (!engine.index.signingKey(issuerKey)) {
    await engine.chain.addSigningKey({ agency, key: issuerKey, validFrom: engine.index["now"]() - 10, validUntil: 0 });
  }
  if (!engine.index.wasAccredited(agency, typeId, Math.floor(Date.now() / 1000)))
    await engine.chain.accredit({ agency, typeId });
  const verifier = await engine.keyring.create(`verifier:${name}`);
  if (!engine.index.verifier(verifier)) await engine.chain.registerVerifier({ verifier, name: `${name} verifier` });
  return { typeId, agency, issuerKey, verifier };
}

/** Issues `certId` singly through the engine, valid from `validFrom` for `seconds`. */
function issueSingly(
  engine: Engine,
  a: Actors,
  certId: Bytes32,
  outboxKey: string,
  validFrom: number,
  seconds: number,
): Promise<TxReceiptView> {
  return engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom,
    validUntil: validFrom + seconds,
    outboxKey,
  });
}

/** Issues a new certificate singly from the actors' key, valid from `validFrom` for `seconds`. */
export async function issueNewCertificate(
  engine: Engine,
  a: Actors,
  outboxKey: string,
  validFrom: number,
  seconds: number,
): Promise<ReturnType<typeof newHolderCert>> {
  const c = newHolderCert();
  await issueSingly(engine, a, c.certId, outboxKey, validFrom, seconds);
  return c;
}

/** Issues `certId` singly through the engine, valid from a few seconds ago for an hour. */
export function issueNow(engine: Engine, a: Actors, certId: Bytes32, outboxKey: string): Promise<TxReceiptView> {
  const now = Math.floor(Date.now() / 1000);
  return issueSingly(engine, a, certId, outboxKey, now - 5, 3605);
}

/** Waits until `cond` holds (what happens in other processes, such as a node's blocks); fails naming `what`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A holder key and a document root, and the certId they make. */
export function newHolderCert(): { holder: Wallet; documentRoot: Bytes32; certId: Bytes32 } {
  const holder = new Wallet(hexlify(randomBytes(32)));
  const documentRoot = hexlify(randomBytes(32)) as Bytes32;
  return { holder, documentRoot, certId: computeCertId(holder.address, documentRoot) as Bytes32 };
}

export async function signGrant(
  engine: Engine,
  holder: Wallet,
  certId: Bytes32,
  documentRoot: Bytes32,
  grantee: Address,
  opts: { maxUses?: number; validFor?: number } = {},
): Promise<GrantRelayRequest> {
  const now = Math.floor(Date.now() / 1000);
  const grant = {
    certId,
    grantee,
    purpose: ("0x" + "ab".repeat(32)) as Bytes32,
    validUntil: now + (opts.validFor ?? 3600),
    maxUses: opts.maxUses ?? 3,
    nonce: BigInt(hexlify(randomBytes(16))).toString(),
    deadline: now + 600,
  };
  const signature = await signConsent(engine, holder, GRANT_TYPES, { ...grant, nonce: BigInt(grant.nonce) });
  return { grant, signature, documentRoot };
}

/** An EIP-712 message of the consent registry's domain signed by `signer`. */
async function signConsent(engine: Engine, signer: Wallet, types: object, message: Record<string, unknown>) {
  const d = consentDomain(engine.chainId, engine.addresses.consent);
  return (await signer.signTypedData(
    { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract },
    types as Record<string, { name: string; type: string }[]>,
    message,
  )) as Bytes32;
}

/**
 * The holder's Delegation of `certId` to `delegate` (any purpose and verifier, online), for two hours:
 * longer than the hour of a grant `signGrant` makes, so the delegate's grant signed seconds later still
 * ends within it (the registry refuses one that outlives its delegation).
 */
export async function signDelegation(
  engine: Engine,
  holder: Wallet,
  certId: Bytes32,
  documentRoot: Bytes32,
  delegate: Address,
): Promise<DelegationRelayRequest> {
  const now = Math.floor(Date.now() / 1000);
  const delegation = {
    certId,
    delegate,
    purpose: `0x${"0".repeat(64)}` as Bytes32,
    verifier: `0x${"0".repeat(40)}` as Address,
    online: true,
    validUntil: now + 7200,
    nonce: BigInt(hexlify(randomBytes(16))).toString(),
    deadline: now + 600,
  };
  const signature = await signConsent(engine, holder, DELEGATION_TYPES, {
    ...delegation,
    nonce: BigInt(delegation.nonce),
  });
  return { delegation, signature, documentRoot };
}

/** The holder's RevokeDelegation of `delegationId`. */
export async function signRevokeDelegation(
  engine: Engine,
  holder: Wallet,
  delegationId: Bytes32,
  documentRoot: Bytes32,
): Promise<RevokeDelegationRelayRequest> {
  const msg = {
    delegationId,
    nonce: BigInt(hexlify(randomBytes(16))).toString(),
    deadline: Math.floor(Date.now() / 1000) + 600,
  };
  const signature = await signConsent(engine, holder, REVOKE_DELEGATION_TYPES, { ...msg, nonce: BigInt(msg.nonce) });
  return { ...msg, signature, documentRoot };
}
