/**
 * The three contracts as ethers Interfaces (ABIs from the typechain factories, so `npx hardhat compile`
 * must have run), and the mapping of their custom errors to the domain's `ChainRejectionCode`s.
 */
import { Interface, type ErrorDescription } from "ethers";
import {
  AuthorityRegistry__factory,
  CertificateLedger__factory,
  ConsentRegistry__factory,
} from "../../typechain-types";
import { DomainError } from "../domain/errors";
import type { ChainRejectionCode } from "../domain/ports";

export const registryIface = new Interface(AuthorityRegistry__factory.abi);
export const ledgerIface = new Interface(CertificateLedger__factory.abi);
export const consentIface = new Interface(ConsentRegistry__factory.abi);

export const bytecode = {
  registry: AuthorityRegistry__factory.bytecode,
  ledger: CertificateLedger__factory.bytecode,
  consent: ConsentRegistry__factory.bytecode,
};

export interface ContractAddresses {
  registry: string;
  ledger: string;
  consent: string;
}

/** Open-ended windows are stored on chain as the largest uint40. */
export const UINT40_MAX = 2 ** 40 - 1;

export const ZERO32 = `0x${"0".repeat(64)}`;

const errorCodes: Record<string, [ChainRejectionCode | "CHAIN_REJECTED", number]> = {
  LedgerCertificateAlreadyIssued: ["CERTIFICATE_ALREADY_ISSUED", 409],
  LedgerBatchAlreadyAnchored: ["CERTIFICATE_ALREADY_ISSUED", 409],
  LedgerCertificateUnknown: ["CERTIFICATE_NOT_FOUND", 404],
  LedgerBatchUnknown: ["CERTIFICATE_NOT_FOUND", 404],
  LedgerBatchProofInvalid: ["BAD_PROOF", 422],
  LedgerStatusChangeInvalid: ["INVALID_STATUS_TRANSITION", 409],
  LedgerNotIssuingAgency: ["NOT_ACCREDITED", 403],
  LedgerValidityTooLong: ["VALIDITY_TOO_LONG", 422],
  LedgerSignatureInvalid: ["BAD_SIGNATURE", 422],
  LedgerSignatureExpired: ["SIGNATURE_EXPIRED", 422],
  // A signed status change whose nonce is not the certificate's change count: spent, or made for a later state.
  LedgerStatusNonceInvalid: ["REPLAYED", 409],
  LedgerPaused: ["PAUSED", 503],
  RegistryPaused: ["PAUSED", 503],
  RegistryTypeUnknown: ["TYPE_NOT_FOUND", 404],
  RegistryTypeInactive: ["TYPE_INACTIVE", 409],
  RegistryAgencyUnknown: ["AGENCY_NOT_FOUND", 404],
  RegistryAgencyInactive: ["NOT_ACCREDITED", 403],
  RegistryNotAccredited: ["NOT_ACCREDITED", 403],
  RegistryKeyOutsideWindow: ["KEY_NOT_VALID", 403],
  RegistryAccountNotAKey: ["KEY_NOT_VALID", 403],
  RegistryKeyUnknown: ["KEY_NOT_VALID", 404],
  RegistryKeyAlreadyRegistered: ["KEY_NOT_VALID", 409],
  ConsentSignatureExpired: ["SIGNATURE_EXPIRED", 422],
  ConsentSignatureInvalid: ["BAD_SIGNATURE", 422],
  ConsentSignerNotHolder: ["BAD_SIGNATURE", 422],
  ConsentGrantExists: ["REPLAYED", 409],
  ConsentCertificateNotIssued: ["CERTIFICATE_NOT_FOUND", 404],
  ConsentGrantUnknown: ["GRANT_NOT_FOUND", 404],
  ConsentWrongGrantee: ["WRONG_VERIFIER", 403],
  ConsentGrantRevoked: ["GRANT_REVOKED", 409],
  ConsentGrantExpired: ["GRANT_EXPIRED", 409],
  ConsentGrantUsedUp: ["GRANT_USED_UP", 409],
  ConsentCheckUseTaken: ["CHECK_USE_TAKEN", 409],
  ConsentDelegationExists: ["REPLAYED", 409],
  ConsentSignerNotDelegate: ["BAD_SIGNATURE", 422],
  ConsentDelegationUnknown: ["DELEGATION_NOT_FOUND", 404],
  ConsentDelegationRevoked: ["DELEGATION_REVOKED", 409],
  ConsentDelegationExpired: ["DELEGATION_EXPIRED", 409],
  ConsentDelegationWrongCertificate: ["DELEGATION_OUT_OF_SCOPE", 403],
  ConsentDelegationPurposeOutOfScope: ["DELEGATION_OUT_OF_SCOPE", 403],
  ConsentDelegationVerifierOutOfScope: ["DELEGATION_OUT_OF_SCOPE", 403],
  ConsentDelegationCounterOnly: ["DELEGATION_OUT_OF_SCOPE", 403],
  ConsentGrantOutlivesDelegation: ["DELEGATION_OUT_OF_SCOPE", 403],
  ConsentIssuerSignatureInvalid: ["BAD_SIGNATURE", 422],
  ConsentSignerNotIssuingAgency: ["NOT_ACCREDITED", 403],
};

export function decodeError(data: string | undefined): ErrorDescription | undefined {
  if (!data || data === "0x") return undefined;
  for (const iface of [ledgerIface, consentIface, registryIface]) {
    try {
      const d = iface.parseError(data);
      if (d) return d;
    } catch {
      // not this contract's error
    }
  }
  return undefined;
}

/** The DomainError for a revert, with the contract error's name and arguments in details. */
export function rejection(data: string | undefined, action: string): DomainError {
  const d = decodeError(data);
  if (!d) {
    return new DomainError("CHAIN_REJECTED", `The chain refused to ${action} (no reason given).`, { status: 422 });
  }
  const [mapped, status] = errorCodes[d.name] ?? ["CHAIN_REJECTED", 422];
  let code = mapped;
  // Revoked is final: say so rather than "invalid transition".
  if (d.name === "LedgerStatusChangeInvalid" && Number(d.args[1]) === 2) code = "CERTIFICATE_REVOKED";
  const args = d.fragment.inputs.map((i, k) => [i.name, String(d.args[k])]);
  return new DomainError(code, `The chain refused to ${action}: ${d.name}.`, {
    status,
    details: { error: d.name, args: Object.fromEntries(args) },
  });
}

/** The revert data inside an error thrown by an EIP-1193 provider or ethers. */
export function revertData(e: unknown): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const err = e as any;
  const candidates = [err?.data, err?.data?.data, err?.error?.data, err?.info?.error?.data, err?.revert?.data];
  for (const c of candidates) if (typeof c === "string" && c.startsWith("0x")) return c;
  return undefined;
}
