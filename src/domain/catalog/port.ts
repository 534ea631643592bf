/** The catalog as the domain's `Catalog` port (src/domain/ports.ts), for wiring in main and tests. */
import type { Bytes32, Catalog, CatalogEntry } from "../ports";
import { CERTIFICATE_TYPES, type CertificateType } from "./certificateTypes";
import { getCertificateType } from "./lookup";
import { schemaHash } from "./schemaHashOf";
import { validateFields } from "./validate";

/** A port entry; `id` is the stable on-chain type id, which registration should use. */
export type CatalogPortEntry = CatalogEntry & { id: number; agency: CertificateType["agency"] };

const entry = (t: CertificateType): CatalogPortEntry => ({
  id: t.id,
  code: t.code,
  name: t.nameEn,
  nameZh: t.nameZh,
  agency: t.agency,
  schema: t.schema as Record<string, unknown>,
  maxValiditySeconds: t.maxValiditySeconds,
});

export function createCatalog(): Catalog & { get(code: string): CatalogPortEntry | undefined } {
  const entries = CERTIFICATE_TYPES.map(entry);
  const byCode = new Map(entries.map((e) => [e.code, e]));
  return {
    entries: () => entries.slice(),
    get: (code) => byCode.get(code),
    validate: (code, fields) => validateFields(code, fields) as ReturnType<Catalog["validate"]>,
    schemaHash: (code) => (getCertificateType(code) ? (schemaHash(code) as Bytes32) : undefined),
  };
}
