/**
 * A fingerprint of everything validators.generated.js is compiled from. The generator writes it into
 * the generated file and a test recomputes it, so a schema edited without regenerating fails CI
 * (cheaper than recompiling and diffing 1 MB of code in every test run).
 */
import { CERTIFICATE_TYPES } from "./certificateTypes";
import { CATALOG_FORMATS } from "./formats";
import { hashJson } from "./schemaHash";

/** Bump when compile.ts changes the ajv options or the shape of the generated module. */
export const GENERATOR_VERSION = 1;

export function catalogFingerprint(): string {
  return hashJson({
    generator: GENERATOR_VERSION,
    formats: Object.keys(CATALOG_FORMATS).sort(),
    types: CERTIFICATE_TYPES.map((t) => [t.id, t.schema]),
  });
}
