/**
 * Under external key custody the gateway holds no agency or authority key: the use cases that would sign
 * for them refuse, and say how to sign instead.
 */
import { conflict } from "./errors";
import type { DomainDeps } from "./ports";

/** Why a gateway that holds no agency key cannot do what a custodial one does, and what to do instead. */
export function requireCustodialAgency(deps: Pick<DomainDeps, "custody">, instead: string): void {
  if (deps.custody === "external")
    throw conflict(
      "AGENCY_SIGNATURE_REQUIRED",
      `This gateway holds no agency keys (external key custody): sign with the agency's key and use ${instead}.`,
      { instead },
    );
}

/** The authority's keys are never the gateway's under external custody. */
export function requireCustodialAuthority(deps: Pick<DomainDeps, "custody">): void {
  if (deps.custody === "external")
    throw conflict(
      "AUTHORITY_SIGNATURE_REQUIRED",
      "This gateway holds no authority key (external key custody): registry administration is signed by the " +
        "authority's own key (send the signed transaction to POST /v1/authority/transactions) or by its Safe.",
      { instead: "POST /v1/authority/transactions" },
    );
}
