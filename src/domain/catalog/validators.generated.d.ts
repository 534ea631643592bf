// Types of validators.generated.js (ajv standalone code, written by scripts/gen-catalog-validators.ts).

export interface GeneratedValidatorError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}

export type GeneratedValidator = ((data: unknown) => boolean) & { errors?: GeneratedValidatorError[] | null };

/** Fingerprint of the schemas the file was generated from (see fingerprint.ts). */
export declare const CATALOG_FINGERPRINT: string;

// The file also exports one GeneratedValidator per certificate type, named `type<id>`
// (validatorExportName in compile.ts); validate.ts looks them up by name.
