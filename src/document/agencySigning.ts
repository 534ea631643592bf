/**
 * What an agency system calls to sign the ledger's writes with a key it keeps itself: the gateway (or
 * anyone) relays the result to the ledger's `...BySig` functions and cannot forge or alter it.
 *
 *   const domain = ledgerDomain(chainId, ledgerAddress);
 *   const signed = await signIssue(wallet, domain, { certId, typeId, validFrom, validUntil, deadline });
 *   await ledger.issueBySig(certId, typeId, validFrom, validUntil, signed);
 *
 * `signer` is any EIP-712 signer with ethers' `getAddress()` and `signTypedData(domain, types, value)`:
 * an ethers Wallet (a keystore decrypted with `Wallet.fromEncryptedJson`, in Node or the browser), a
 * JsonRpcSigner, a hardware-wallet signer. A contract key (ERC-1271) signs through whatever its owners
 * use; its SignedWrite names the contract as `signer`. No ethers import here: the module runs in the
 * browser bundle as it is.
 *
 * Every message is checked (sizes of its members) before the signer sees it, so a malformed one fails
 * with a DocumentError naming the member rather than with a signature the ledger refuses.
 */
import { DocumentError } from "./errors";
import { computeDelegationId } from "./grant";
import { hashAnchorBatch, hashIssue, hashIssueMany, hashStatusChange } from "./ledgerDigest";
import {
  ANCHOR_BATCH_TYPES,
  DELEGATION_TYPES,
  ISSUE_CLAIM_TYPES,
  ISSUE_MANY_TYPES,
  ISSUE_TYPES,
  LEDGER_STATUS,
  STATUS_CHANGE_TYPES,
  type AnchorBatchMessage,
  type DelegationMessage,
  type IssueClaimMessage,
  type IssueManyMessage,
  type IssueMessage,
  type SignedWrite,
  type StatusChangeMessage,
  type TypedDataDomain,
} from "./typedData";

export interface TypedDataField {
  name: string;
  type: string;
}

/** An EIP-712 signer, as ethers' Signer shapes it. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** A copy of frozen (`as const`) EIP-712 types that ethers' signTypedData and TypedDataEncoder accept. */
export function mutableTypes(
  types: Readonly<Record<string, readonly TypedDataField[]>>,
): Record<string, TypedDataField[]> {
  return Object.fromEntries(Object.entries(types).map(([k, fields]) => [k, fields.map((f) => ({ ...f }))]));
}

async function signWrite(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  types: Readonly<Record<string, readonly TypedDataField[]>>,
  value: object,
  deadline: bigint | number,
): Promise<SignedWrite> {
  const [address, signature] = await Promise.all([
    signer.getAddress(),
    signer.signTypedData(domain, mutableTypes(types), value as Record<string, unknown>),
  ]);
  return { signer: address, deadline: BigInt(deadline), signature };
}

/** Signs an Issue; relay with `issueBySig(certId, typeId, validFrom, validUntil, signed)`. */
export async function signIssue(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: IssueMessage,
): Promise<SignedWrite> {
  hashIssue(domain, message);
  return signWrite(signer, domain, ISSUE_TYPES, message, message.deadline);
}

/** Signs an IssueMany over `requests` in their order; relay with `issueManyBySig(requests, signed)`. */
export async function signIssueMany(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: IssueManyMessage,
): Promise<SignedWrite> {
  hashIssueMany(domain, message);
  return signWrite(signer, domain, ISSUE_MANY_TYPES, message, message.deadline);
}

/** Signs an AnchorBatch; relay with `anchorBatchBySig(root, typeId, count, signed)`. */
export async function signAnchorBatch(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: AnchorBatchMessage,
): Promise<SignedWrite> {
  hashAnchorBatch(domain, message);
  return signWrite(signer, domain, ANCHOR_BATCH_TYPES, message, message.deadline);
}

/**
 * Signs an IssueClaim: a certificate offered before its holder is known. Relay with
 * `issueClaimBySig(offer, holder, claimSecret, signed)`, where keccak256(abi.encode(claimSecret)) is the
 * message's claimCommitment; the deadline is the offer's expiry.
 */
export async function signIssueClaim(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: IssueClaimMessage,
): Promise<SignedWrite> {
  return signWrite(signer, domain, ISSUE_CLAIM_TYPES, message, message.deadline);
}

/**
 * Signs a StatusChange; relay with the function of its status and the same nonce:
 * `revokeBySig(ref, reason, nonce, signed)` (Revoked), `suspendBySig` (Suspended), `reinstateBySig`
 * (Active) or `supersedeBySig(ref, replacement, reason, nonce, signed)` (Superseded). `nonce` is the
 * ledger's `statusNonce(certId, batchRoot)` at signing time.
 */
export async function signStatusChange(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: StatusChangeMessage,
): Promise<SignedWrite> {
  if (!Object.values(LEDGER_STATUS).includes(message.status)) {
    throw new DocumentError("INVALID_PARAMETER", "status must be one of LEDGER_STATUS (0 to 3)");
  }
  hashStatusChange(domain, message);
  return signWrite(signer, domain, STATUS_CHANGE_TYPES, message, message.deadline);
}

/**
 * Signs a Delegation as the issuing agency naming a guardian for a minor's certificate, in the
 * ConsentRegistry's domain (`consentDomain(chainId, consentRegistry)`), with the key that issued the
 * certificate. Send it with the document to `POST /v1/agency/certificates/signed` as
 * `guardian: { delegation, signature }`, or relay it with `delegateByIssuerSig(delegation, signer, signature)`
 * (`delegateInBatchByIssuerSig` with the leaf for a batched certificate). `delegationId` is its EIP-712 digest.
 */
export async function signGuardianDelegation(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: DelegationMessage,
): Promise<SignedWrite & { delegationId: string }> {
  const delegationId = computeDelegationId(domain, message);
  const signed = await signWrite(signer, domain, DELEGATION_TYPES, message, message.deadline);
  return { ...signed, delegationId };
}
