/** Finding a certificate type by on-chain id or by code. */
import { CERTIFICATE_TYPES, type CertificateType } from "./certificateTypes";

/** A type given by its on-chain id, its code, or the type itself. */
export type CertificateTypeRef = number | string | CertificateType;

const byId = new Map(CERTIFICATE_TYPES.map((t) => [t.id, t]));
const byCode = new Map(CERTIFICATE_TYPES.map((t) => [t.code, t]));

export function getCertificateType(ref: CertificateTypeRef): CertificateType | undefined {
  if (typeof ref === "number") return byId.get(ref);
  if (typeof ref === "string") return byCode.get(ref);
  return byId.get(ref.id) === ref ? ref : undefined;
}
