/**
 * A checked row as an item of POST /v1/agency/batches. A row for a citizen without a wallet address
 * yet carries a claim reference instead of a holder (`claim: { reference: { idNumber, ... } }`); a
 * gateway that does not take claim references gets none: the row is reported CLAIM_NOT_SUPPORTED.
 * This is the one place that decides it. A row's guardian goes with its item (the gateway relays the
 * guardian's delegation once the batch's root has landed).
 */
import type { GuardianTerms } from "../domain/issuance";
import type { ParsedRow, RowProblem } from "./rows";

export interface BatchItem {
  holder?: string;
  claim?: { reference: Record<string, string> };
  fields: Record<string, unknown>;
  validFrom?: number;
  validUntil?: number;
  guardian?: GuardianTerms;
}

export const CLAIM_NOT_SUPPORTED: Omit<RowProblem, "row"> = {
  column: "claim",
  code: "CLAIM_NOT_SUPPORTED",
  message:
    "This row names a claim reference instead of a holder address, and claim references are not issued this way (a gateway without claim offers, or signing with --keystore); give the holder's address.",
};

export function batchItemOf(
  row: ParsedRow,
  claimsAccepted: boolean,
): { item: BatchItem; problem?: undefined } | { item?: undefined; problem: RowProblem } {
  const window = {
    ...(row.validFrom !== undefined ? { validFrom: row.validFrom } : {}),
    ...(row.validUntil !== undefined ? { validUntil: row.validUntil } : {}),
  };
  if (row.holder !== undefined)
    return {
      item: { holder: row.holder, fields: row.fields, ...window, ...(row.guardian ? { guardian: row.guardian } : {}) },
    };
  if (!claimsAccepted) return { problem: { row: row.row, ...CLAIM_NOT_SUPPORTED } };
  return { item: { claim: { reference: { ...row.claim! } }, fields: row.fields, ...window } };
}

/** The manifest's "holder or claim reference" for a row: the address, or `claim:idNumber=...;...`. */
export function recipientOf(row: ParsedRow): string {
  if (row.holder !== undefined) return row.holder;
  return `claim:${Object.entries(row.claim ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(";")}`;
}
