/**
 * Shared fixtures of the document tests (no tests here). Not under test/support because the
 * browser test sends `seededRandom`'s source to the page, and it must stay self-contained.
 */
import fc from "fast-check";
import type { BuildDocumentParameters } from "../../src/document";

/** mulberry32: a deterministic byte source, identical in Node and in the page. Tests only. */
export function seededRandom(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = (t ^ (t >>> 14)) & 255;
    }
    return out;
  };
}

export const ISSUER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

export function diplomaParams(overrides: Partial<BuildDocumentParameters> = {}): BuildDocumentParameters {
  return {
    certificateType: { id: 12, code: "UniversityDiploma" },
    issuer: ISSUER,
    holder: HOLDER,
    chainId: 31337,
    ledger: LEDGER,
    validFrom: 1_767_225_600, // 2026-01-01
    validUntil: 253_402_300_799,
    fields: {
      name: "张三",
      idNumber: "11010519491231002X",
      address: { city: "Shenzhen", street: "1 Shennan Road", "unit.no": "3[A]" },
      degrees: [
        { title: "BSc Computer Science", year: 2020, honours: null },
        { title: "MSc Cryptography", year: 2022, grade: 4.5 },
      ],
      tags: [],
      extra: {},
      verified: true,
    },
    random: seededRandom(1),
    ...overrides,
  };
}

/** Twenty scalar fields, the benchmark's and the browser test's document. */
export function twentyFields(): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++)
    f[`field${i}`] = i % 3 === 0 ? i * 1000 + 7 : `value number ${i} of a government certificate`;
  return f;
}

// Keys: names, and keys that only the quoted path form can spell.
const keyArb = fc
  .oneof(
    fc.constantFrom("a", "b", "name", "城市", "x_1", "$v", "0", "10"),
    fc.string({ maxLength: 6 }),
    fc.constantFrom("a.b", "[0]", '"q"', "a\\b", " ", "", "@type", "c]d", "e[f"),
  )
  .filter((k) => k !== "__proto__");

const scalarArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.maxSafeInteger(),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((d) => (d === 0 ? 0 : d))
    .filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
  fc.boolean(),
  fc.constant(null),
);

const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalarArb,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(keyArb, tie("value"), { maxKeys: 4 }),
  ),
}));

/** Random field sets: nested objects and arrays, awkward keys, any scalars. */
export const fieldsArb = fc.dictionary(
  keyArb.filter((k) => k !== "id"),
  valueArb,
  { minKeys: 0, maxKeys: 6 },
) as fc.Arbitrary<Record<string, unknown>>;

/**
 * CPU milliseconds this process spent in fn. Time bounds in tests use it rather than wall time:
 * on a shared 2-core machine wall time also counts every other process.
 */
export function cpuMs(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
