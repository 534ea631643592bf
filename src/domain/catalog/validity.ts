/** The validity window of a certificate against its type's maximum (times in Unix seconds). */
import { getCertificateType, type CertificateTypeRef } from "./lookup";

export type ValidityProblem =
  "UNKNOWN_CERTIFICATE_TYPE" | "VALIDITY_NOT_INTEGER" | "VALIDITY_REVERSED" | "VALIDITY_TOO_LONG";

export function checkValidityPeriod(
  type: CertificateTypeRef,
  validFrom: number,
  validUntil: number,
): ValidityProblem | null {
  const certificateType = getCertificateType(type);
  if (!certificateType) return "UNKNOWN_CERTIFICATE_TYPE";
  if (!Number.isSafeInteger(validFrom) || !Number.isSafeInteger(validUntil) || validFrom < 0)
    return "VALIDITY_NOT_INTEGER";
  if (validUntil <= validFrom) return "VALIDITY_REVERSED";
  if (validUntil - validFrom > certificateType.maxValiditySeconds) return "VALIDITY_TOO_LONG";
  return null;
}
