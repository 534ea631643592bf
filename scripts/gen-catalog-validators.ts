/** Regenerates src/domain/catalog/validators.generated.js (ajv standalone code for every certificate type). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "prettier";
import { generateValidatorsSource } from "../src/domain/catalog/compile";

export const GENERATED_VALIDATORS_PATH = join(__dirname, "../src/domain/catalog/validators.generated.js");

export async function formattedValidatorsSource(): Promise<string> {
  return format(generateValidatorsSource(), { parser: "babel", printWidth: 120 });
}

if (require.main === module) {
  formattedValidatorsSource().then((src) => {
    writeFileSync(GENERATED_VALIDATORS_PATH, src);
    console.log(`wrote ${GENERATED_VALIDATORS_PATH} (${src.length} bytes)`);
  });
}
