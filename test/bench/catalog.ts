/**
 * Certificate type catalog benchmarks (one core, this process): field validation per second across
 * all types (valid fields, and fields with a mistyped ID number), check-digit checks alone, sample
 * generation, and the one-off cost of compiling every schema with ajv (what the precompiled
 * validators save at boot). Prints one JSON line per figure: {"name","value","unit"}.
 *
 *   npx tsx test/bench/catalog.ts
 */
import {
  CERTIFICATE_TYPES,
  checkCreditCode,
  checkIdNumber,
  sampleFields,
  validateFields,
} from "../../src/domain/catalog";
import { createCatalogAjv } from "../../src/domain/catalog/compile";

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
function rate(fn: (i: number) => unknown, ms = 1500): number {
  for (let i = 0; i < 500; i++) fn(i);
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let k = 0; k < 100; k++) fn(n++);
    elapsed = performance.now() - t0;
  }
  return n / (elapsed / 1000);
}

const print = (name: string, value: number, unit: string) =>
  console.log(JSON.stringify({ name, value: Math.round(value), unit }));

const valid = CERTIFICATE_TYPES.flatMap((t) => [0, 1, 2, 3].map((s) => [t.code, sampleFields(t.code, s)] as const));
const typo = CERTIFICATE_TYPES.filter((t) => "idNumber" in (t.schema.properties as object)).map((t) => {
  const f = sampleFields(t.code, 1);
  const id = f.idNumber as string;
  return [t.code, { ...f, idNumber: id.slice(0, 5) + ((Number(id[5]) + 1) % 10) + id.slice(6) }] as const;
});

print(
  "catalog.validateFields.valid",
  rate((i) => validateFields(...valid[i % valid.length])),
  "validations/s",
);
print(
  "catalog.validateFields.idTypo",
  rate((i) => validateFields(...typo[i % typo.length])),
  "validations/s",
);
print(
  "catalog.checkIdNumber",
  rate(() => checkIdNumber("11010519491231002X")),
  "checks/s",
);
print(
  "catalog.checkCreditCode",
  rate(() => checkCreditCode("91350100M000100Y43")),
  "checks/s",
);
print(
  "catalog.sampleFields",
  rate((i) => sampleFields(CERTIFICATE_TYPES[i % CERTIFICATE_TYPES.length].id, i)),
  "samples/s",
);
const t0 = performance.now();
const ajv = createCatalogAjv();
for (const t of CERTIFICATE_TYPES) ajv.getSchema(t.schema.$id as string);
print("catalog.ajvCompileAll", performance.now() - t0, "ms");
