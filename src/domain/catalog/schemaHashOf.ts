import type { Hex } from "../../document/ids";
import { getCertificateType, type CertificateTypeRef } from "./lookup";
import { hashSchema } from "./schemaHash";

const cache = new Map<number, Hex>();

/** keccak256 of the JCS form of a type's JSON Schema, 0x-prefixed: the schema hash registered on chain. */
export function schemaHash(type: CertificateTypeRef): Hex {
  const certificateType = getCertificateType(type);
  if (!certificateType) throw new Error(`schemaHash: unknown certificate type ${String(type)}`);
  let hash = cache.get(certificateType.id);
  if (hash === undefined) cache.set(certificateType.id, (hash = hashSchema(certificateType.schema)));
  return hash;
}
