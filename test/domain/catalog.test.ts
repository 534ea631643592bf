import { expect } from "chai";
import { build } from "esbuild";
import path from "node:path";
import {
  AGENCY_CATEGORIES, CERTIFICATE_TYPES, checkCreditCode, checkIdNumber, checkValidityPeriod, createCatalog,
  creditCodeCheckChar, getCertificateType, idNumberCheckChar, sampleFields, schemaHash, validateFields,
  type FieldError,
} from "../../src/domain/catalog"; // prettier-ignore
import { createCatalogAjv, validatorExportName } from "../../src/domain/catalog/compile";
import { catalogFingerprint } from "../../src/domain/catalog/fingerprint";
import { CATALOG_FINGERPRINT } from "../../src/domain/catalog/validators.generated";
import { CREDIT_CODE_ALPHABET } from "../../src/domain/catalog/identifiers";
import { sampleForPattern } from "../../src/domain/catalog/samples";

const VALID_ID = "11010519491231002X";
const VALID_CREDIT = "91350100M000100Y43";

function errorsOf(type: string, fields: unknown): FieldError[] {
  const r = validateFields(type, fields);
  return r.ok ? [] : [...r.errors];
}

/** Every single-character substitution of `value` drawn from `alphabet`, at every position. */
function* typos(value: string, alphabet: string, positions = value.length): Generator<string> {
  for (let i = 0; i < positions; i++)
    for (const c of alphabet) if (c !== value[i]) yield value.slice(0, i) + c + value.slice(i + 1);
}

describe("certificate type catalog", function () {
  describe("the list", function () {
    it("holds at least 55 types with ids 1..N, unique ids and kebab-case codes", function () {
      expect(CERTIFICATE_TYPES.length).to.be.at.least(55);
      expect(CERTIFICATE_TYPES.map((t) => t.id)).to.deep.equal(CERTIFICATE_TYPES.map((_, i) => i + 1));
      const codes = CERTIFICATE_TYPES.map((t) => t.code);
      expect(new Set(codes).size).to.equal(codes.length);
      for (const code of codes) expect(code).to.match(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    });

    it("keeps the ids that are already on chain (ids are never reused)", function () {
      const pinned: Record<number, string> = {
        1: "resident-id-card", 2: "household-register", 3: "residence-permit", 4: "driving-licence", 7: "passport",
        13: "business-licence", 25: "diploma", 26: "degree-certificate", 32: "marriage-certificate",
        39: "social-security-card", 48: "birth-medical-certificate", 56: "real-estate-certificate", 61: "provident-fund",
      }; // prettier-ignore
      for (const [id, code] of Object.entries(pinned)) expect(getCertificateType(Number(id))?.code).to.equal(code);
    });

    it("contains the common types the platform is expected to carry", function () {
      for (const code of [
        "resident-id-card", "household-register", "business-licence", "diploma", "degree-certificate", "driving-licence",
        "vehicle-registration", "residence-permit", "marriage-certificate", "divorce-certificate", "birth-medical-certificate",
        "social-security-card", "medical-insurance", "provident-fund", "real-estate-certificate", "teacher-qualification",
        "lawyer-licence", "physician-licence", "nurse-licence", "food-business-licence", "tax-registration",
        "professional-qualification", "disability-certificate", "veteran-certificate", "passport", "hk-macao-travel-permit",
      ]) expect(getCertificateType(code), code).to.not.be.undefined; // prettier-ignore
    });

    it("names every type in Chinese and English and points at a known agency category", function () {
      const agencies = new Set(AGENCY_CATEGORIES.map((a) => a.code));
      for (const t of CERTIFICATE_TYPES) {
        expect(t.nameZh, t.code).to.match(/[\u4e00-\u9fa5]/);
        expect(t.nameEn, t.code).to.match(/^[A-Z][\x20-\x7e]+$/);
        expect(agencies.has(t.agency), t.code).to.be.true;
      }
      for (const a of AGENCY_CATEGORIES) expect(a.nameZh).to.match(/[\u4e00-\u9fa5]/);
    });

    it("caps validity between one year and 100 years, within uint32 seconds", function () {
      for (const t of CERTIFICATE_TYPES) {
        expect(t.maxValiditySeconds, t.code).to.be.within(365 * 86400, 2 ** 32 - 1);
        expect(Number.isInteger(t.maxValiditySeconds)).to.be.true;
      }
      expect(getCertificateType("business-licence")!.maxValiditySeconds).to.equal((50 * 365 + 13) * 86400);
    });

    it("finds a type by id, by code and by itself, and nothing for an unknown one", function () {
      const t = getCertificateType("passport")!;
      expect(getCertificateType(t.id)).to.equal(t);
      expect(getCertificateType(t)).to.equal(t);
      expect(getCertificateType("no-such-type")).to.be.undefined;
      expect(getCertificateType(0)).to.be.undefined;
    });

    it("is frozen, so no caller can change a schema behind its registered hash", function () {
      expect(Object.isFrozen(CERTIFICATE_TYPES)).to.be.true;
      expect(Object.isFrozen(CERTIFICATE_TYPES[0])).to.be.true;
    });
  });

  describe("schemas", function () {
    it("compile under ajv strict mode (draft 2020-12) for every type", function () {
      const ajv = createCatalogAjv();
      for (const t of CERTIFICATE_TYPES) {
        expect(t.schema.$schema).to.equal("https://json-schema.org/draft/2020-12/schema");
        expect(ajv.getSchema(t.schema.$id as string), t.code).to.be.a("function");
      }
    });

    it("title every field in Chinese and English, and label every enum value in both", function () {
      function walk(s: Record<string, unknown>, where: string) {
        expect(s.title, where).to.be.a("string");
        expect(s["x-title-en"], where).to.be.a("string");
        if (Array.isArray(s.enum)) expect((s["x-enum-titles"] as unknown[]).length, where).to.equal(s.enum.length);
        if (s.properties) for (const [k, v] of Object.entries(s.properties as object)) walk(v, `${where}/${k}`);
        if (s.items) walk(s.items as Record<string, unknown>, `${where}/items`);
      }
      for (const t of CERTIFICATE_TYPES) walk(t.schema as Record<string, unknown>, t.code);
    });

    it("has precompiled validators generated from the current schemas", function () {
      expect(CATALOG_FINGERPRINT, "run: npx tsx scripts/gen-catalog-validators.ts").to.equal(catalogFingerprint());
    });

    it("accepts and refuses exactly what a freshly compiled ajv does", function () {
      const ajv = createCatalogAjv();
      for (const t of CERTIFICATE_TYPES.slice(0, 20)) {
        const v = ajv.getSchema(t.schema.$id as string)!;
        const good = sampleFields(t.code, 1);
        const bad = { ...good, unexpected: 1 };
        expect(validateFields(t.code, good).ok).to.equal(v(good));
        expect(validateFields(t.code, bad).ok).to.equal(v(bad));
        expect(validatorExportName(t.id)).to.equal(`type${t.id}`);
      }
    });
  });

  describe("schemaHash", function () {
    it("is keccak256 of the JCS schema, 0x-prefixed, stable and distinct per type", function () {
      const hashes = CERTIFICATE_TYPES.map((t) => schemaHash(t.code));
      for (const h of hashes) expect(h).to.match(/^0x[0-9a-f]{64}$/);
      expect(new Set(hashes).size).to.equal(hashes.length);
      expect(schemaHash(1)).to.equal(hashes[0]);
    });

    it("does not depend on key order", async function () {
      const { hashSchema } = await import("../../src/domain/catalog/schemaHash");
      const t = getCertificateType("passport")!;
      const reversed = Object.fromEntries(Object.entries(t.schema).reverse());
      expect(hashSchema(reversed)).to.equal(schemaHash(t));
    });

    it("matches a recorded value, so an accidental schema change is noticed before it reaches the chain", function () {
      // Update together with the registry when a schema changes on purpose (and bump the $id version).
      expect(schemaHash("resident-id-card")).to.equal(RECORDED_ID_CARD_HASH);
    });

    it("throws for an unknown type", function () {
      expect(() => schemaHash("nope")).to.throw(/unknown certificate type/);
    });
  });

  describe("resident ID numbers (GB 11643-1999)", function () {
    it("accepts known valid numbers, X check digit included", function () {
      for (const id of [VALID_ID, "440308199901101512", "11010519491231002X"])
        expect(checkIdNumber(id), id).to.equal(null);
      expect(idNumberCheckChar("11010519491231002")).to.equal("X");
    });

    it("refuses every single-character typo with INVALID_ID_NUMBER_CHECK_DIGIT or a structural code", function () {
      let checkDigit = 0;
      for (const typo of typos(VALID_ID, "0123456789X")) {
        const problem = checkIdNumber(typo);
        expect(problem, typo).to.not.equal(null);
        if (problem === "INVALID_ID_NUMBER_CHECK_DIGIT") checkDigit++;
      }
      expect(checkDigit).to.be.greaterThan(100);
      expect(checkIdNumber("11010519491231003X")).to.equal("INVALID_ID_NUMBER_CHECK_DIGIT");
      expect(checkIdNumber("110105194912310020")).to.equal("INVALID_ID_NUMBER_CHECK_DIGIT");
    });

    it("names the problem: length, characters, region, birth date", function () {
      expect(checkIdNumber("11010519491231002")).to.equal("INVALID_ID_NUMBER_LENGTH");
      expect(checkIdNumber("11010519491231002x")).to.equal("INVALID_ID_NUMBER_CHARACTERS");
      expect(checkIdNumber("99010519491231002X")).to.equal("INVALID_ID_NUMBER_REGION");
      expect(checkIdNumber("110105194902301234")).to.equal("INVALID_ID_NUMBER_BIRTH_DATE");
      expect(checkIdNumber("110105190002291234")).to.equal("INVALID_ID_NUMBER_BIRTH_DATE"); // 1900 is no leap year
    });

    it("refuses a typo inside the fields with the check-digit code and the field's path", function () {
      const fields = {
        ...sampleFields("resident-id-card", 7),
        idNumber: "11010519491231003X",
        birthDate: "1949-12-31",
      };
      const errors = errorsOf("resident-id-card", fields);
      expect(errors.map((e) => [e.path, e.code])).to.deep.equal([["/idNumber", "INVALID_ID_NUMBER_CHECK_DIGIT"]]);
      expect(errors[0].message).to.not.include("11010519491231003X"); // no personal data in messages
    });

    it("refuses a birth date or sex that contradicts the ID number", function () {
      const fields = {
        ...sampleFields("resident-id-card", 3),
        idNumber: VALID_ID,
        birthDate: "1950-01-01",
        gender: "male",
      };
      const codes = errorsOf("resident-id-card", fields).map((e) => [e.path, e.code]);
      expect(codes).to.deep.equal([
        ["/birthDate", "ID_NUMBER_BIRTH_DATE_MISMATCH"],
        ["/gender", "ID_NUMBER_GENDER_MISMATCH"],
      ]);
      expect(errorsOf("resident-id-card", { ...fields, birthDate: "1949-12-31", gender: "female" })).to.deep.equal([]);
    });
  });

  describe("unified social credit codes (GB 32100-2015)", function () {
    it("accepts known valid codes", function () {
      for (const c of [VALID_CREDIT, "91440300MA5FXXXXXX".slice(0, 17) + creditCodeCheckChar("91440300MA5FXXXXX")])
        expect(checkCreditCode(c), c).to.equal(null);
      expect(creditCodeCheckChar("91350100M000100Y4")).to.equal("3");
    });

    it("refuses every single-character typo with INVALID_CREDIT_CODE_CHECK_DIGIT (or STRUCTURE in the header)", function () {
      for (const typo of typos(VALID_CREDIT, CREDIT_CODE_ALPHABET)) {
        const problem = checkCreditCode(typo);
        const header = typo.slice(0, 8) !== VALID_CREDIT.slice(0, 8);
        if (header)
          expect(problem, typo).to.be.oneOf(["INVALID_CREDIT_CODE_CHECK_DIGIT", "INVALID_CREDIT_CODE_STRUCTURE"]);
        else expect(problem, typo).to.equal("INVALID_CREDIT_CODE_CHECK_DIGIT");
      }
    });

    it("names length, characters (I, O, S, V, Z are not in the alphabet) and structure problems", function () {
      expect(checkCreditCode("91350100M000100Y4")).to.equal("INVALID_CREDIT_CODE_LENGTH");
      expect(checkCreditCode("91350100M000100I43")).to.equal("INVALID_CREDIT_CODE_CHARACTERS");
      expect(checkCreditCode("91350100m000100y43")).to.equal("INVALID_CREDIT_CODE_CHARACTERS");
      const badAuthority = "B1350100M000100Y4";
      expect(checkCreditCode(badAuthority + creditCodeCheckChar(badAuthority))).to.equal(
        "INVALID_CREDIT_CODE_STRUCTURE",
      );
    });

    it("refuses a typo in a business licence with the code and the path", function () {
      const fields = { ...sampleFields("business-licence", 1), creditCode: "91350100M000100Y44" };
      expect(errorsOf("business-licence", fields)).to.deep.equal([
        {
          path: "/creditCode",
          code: "INVALID_CREDIT_CODE_CHECK_DIGIT",
          message: errorsOf("business-licence", fields)[0].message,
        },
      ]);
      expect(errorsOf("business-licence", { ...fields, creditCode: VALID_CREDIT })).to.deep.equal([]);
    });
  });

  describe("validateFields", function () {
    it("accepts sampleFields of every type for many seeds", function () {
      for (const t of CERTIFICATE_TYPES)
        for (let seed = 0; seed < 25; seed++) {
          const r = validateFields(t.code, sampleFields(t.code, seed));
          expect(r, `${t.code} seed ${seed}: ${JSON.stringify(r)}`).to.deep.equal({ ok: true });
        }
    });

    it("reports missing required fields with their paths, nested ones included", function () {
      const fields = sampleFields("resident-id-card", 1) as Record<string, Record<string, unknown>>;
      delete fields.name;
      delete fields.address.city;
      expect(errorsOf("resident-id-card", fields).map((e) => [e.path, e.code])).to.have.deep.members([
        ["/name", "MISSING_FIELD"],
        ["/address/city", "MISSING_FIELD"],
      ]);
    });

    it("reports wrong types, values out of enums and ranges, and unknown fields", function () {
      const fields = { ...sampleFields("disability-certificate", 2), grade: "2", category: "blind", nickname: "x" };
      expect(errorsOf("disability-certificate", fields).map((e) => [e.path, e.code])).to.have.deep.members([
        ["/grade", "WRONG_TYPE"],
        ["/category", "NOT_ALLOWED_VALUE"],
        ["/nickname", "UNKNOWN_FIELD"],
      ]);
      const { nickname: _, ...known } = fields;
      expect(errorsOf("disability-certificate", { ...known, grade: 5, category: "visual" })).to.deep.equal([
        { path: "/grade", code: "OUT_OF_RANGE", message: "This number is outside the allowed range." },
      ]);
    });

    it("reports errors inside arrays with the item index in the path", function () {
      const fields = sampleFields("marriage-certificate", 4) as { parties: Record<string, unknown>[] };
      fields.parties[1].idNumber = "110105194912310021";
      expect(errorsOf("marriage-certificate", fields).map((e) => [e.path, e.code])).to.deep.equal([
        ["/parties/1/idNumber", "INVALID_ID_NUMBER_CHECK_DIGIT"],
      ]);
      fields.parties.pop();
      expect(errorsOf("marriage-certificate", fields).map((e) => [e.path, e.code])).to.deep.equal([
        ["/parties", "WRONG_ITEM_COUNT"],
      ]);
    });

    it("refuses bad dates, mobiles, postcodes, patterns and over-long text with their own codes", function () {
      const base = sampleFields("vaccination-certificate", 1) as Record<string, Record<string, unknown>>;
      const fields = {
        ...base,
        child: { ...base.child, birthDate: "2023-02-30" },
        guardian: { ...base.guardian, mobile: "12345678901" },
      };
      expect(errorsOf("vaccination-certificate", fields).map((e) => [e.path, e.code])).to.have.deep.members([
        ["/child/birthDate", "INVALID_DATE"],
        ["/guardian/mobile", "INVALID_MOBILE_NUMBER"],
      ]);
      const id = sampleFields("resident-id-card", 1) as Record<string, Record<string, unknown>>;
      const codes = errorsOf("resident-id-card", {
        ...id,
        address: { ...id.address, postcode: "91800" },
        ethnicity: "汉".repeat(21),
      });
      expect(codes.map((e) => [e.path, e.code])).to.have.deep.members([
        ["/address/postcode", "INVALID_POSTCODE"],
        ["/ethnicity", "TOO_LONG"],
      ]);
      const passport = { ...sampleFields("passport", 1), passportNumber: "G12345678" };
      expect(errorsOf("passport", passport).map((e) => e.code)).to.deep.equal(["PATTERN_MISMATCH"]);
    });

    it("refuses a non-object and an unknown type", function () {
      expect(errorsOf("passport", null).map((e) => [e.path, e.code])).to.deep.equal([["", "WRONG_TYPE"]]);
      expect(errorsOf("passport", []).map((e) => e.code)).to.deep.equal(["WRONG_TYPE"]);
      expect(errorsOf("no-such-type", {}).map((e) => e.code)).to.deep.equal(["UNKNOWN_CERTIFICATE_TYPE"]);
    });

    it("survives deeply nested input in an unknown field without walking it", function () {
      let deep: unknown = {};
      for (let i = 0; i < 100_000; i++) deep = { a: deep };
      const fields = { ...sampleFields("passport", 1), extra: deep };
      expect(errorsOf("passport", fields).map((e) => [e.path, e.code])).to.deep.equal([["/extra", "UNKNOWN_FIELD"]]);
    });

    it("escapes JSON Pointer characters in unknown field names", function () {
      const fields = { ...sampleFields("passport", 1), "a/b~c": 1 };
      expect(errorsOf("passport", fields).map((e) => e.path)).to.deep.equal(["/a~1b~0c"]);
    });

    it("validates thousands of certificates per second", function () {
      const samples = CERTIFICATE_TYPES.map((t) => [t.code, sampleFields(t.code, 1)] as const);
      const n = 20_000;
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const [code, fields] = samples[i % samples.length];
        validateFields(code, fields);
      }
      const perSecond = n / ((performance.now() - start) / 1000);
      expect(perSecond).to.be.greaterThan(5_000);
    });
  });

  describe("validity periods", function () {
    it("allows up to the type's maximum and refuses longer, reversed or fractional windows", function () {
      const t = getCertificateType("residence-permit")!;
      expect(checkValidityPeriod(t, 1_700_000_000, 1_700_000_000 + t.maxValiditySeconds)).to.equal(null);
      expect(checkValidityPeriod(t, 1_700_000_000, 1_700_000_001 + t.maxValiditySeconds)).to.equal("VALIDITY_TOO_LONG");
      expect(checkValidityPeriod(t, 1_700_000_000, 1_700_000_000)).to.equal("VALIDITY_REVERSED");
      expect(checkValidityPeriod(t, 1.5, 10)).to.equal("VALIDITY_NOT_INTEGER");
      expect(checkValidityPeriod("nope", 1, 2)).to.equal("UNKNOWN_CERTIFICATE_TYPE");
    });

    it("fits a 20-year ID card over five leap days and a 3-year permit over one", function () {
      const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
      expect(checkValidityPeriod("resident-id-card", 0, days("2000-01-01", "2020-01-01"))).to.equal(null);
      expect(checkValidityPeriod("residence-permit", 0, days("2023-03-01", "2026-03-01"))).to.equal(null);
      expect(checkValidityPeriod("passport", 0, days("2004-01-01", "2014-01-01"))).to.equal(null);
    });
  });

  describe("sampleFields", function () {
    it("is deterministic per (type, seed) and varies with the seed", function () {
      expect(sampleFields("diploma", 5)).to.deep.equal(sampleFields("diploma", 5));
      expect(sampleFields("diploma", 5)).to.not.deep.equal(sampleFields("diploma", 6));
    });

    it("makes ID numbers and credit codes with correct check digits", function () {
      for (let s = 0; s < 50; s++) {
        expect(checkIdNumber(sampleFields("resident-id-card", s).idNumber as string)).to.equal(null);
        expect(checkCreditCode(sampleFields("business-licence", s).creditCode as string)).to.equal(null);
      }
    });

    it("generates strings matching each schema pattern", function () {
      let seed = 1;
      const rng = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      for (const p of [
        "^J\\d{6}-\\d{4}-\\d{6}$",
        "^[\\u4e00-\\u9fa5]XK\\d{2}-\\d{3}-\\d{5}$",
        "^(?:ab|cd)+x?$",
        "^[LR]-[A-Z]{2}-\\d{5}$",
      ])
        for (let i = 0; i < 20; i++) expect(sampleForPattern(p, rng)).to.match(new RegExp(p, "u"));
    });

    it("throws for an unknown type", function () {
      expect(() => sampleFields("nope", 1)).to.throw(/unknown certificate type/);
    });
  });

  describe("the domain port", function () {
    it("serves entries with stable ids, validation and schema hashes", function () {
      const catalog = createCatalog();
      expect(catalog.entries()).to.have.length(CERTIFICATE_TYPES.length);
      expect(catalog.get("diploma")).to.include({ id: 25, name: "Diploma", nameZh: "毕业证书" });
      expect(catalog.schemaHash("diploma")).to.equal(schemaHash("diploma"));
      expect(catalog.schemaHash("nope")).to.be.undefined;
      expect(catalog.validate("diploma", sampleFields("diploma", 1))).to.deep.equal({ ok: true });
    });
  });

  describe("purity", function () {
    it("bundles for the browser without node built-ins, the ajv compiler or eval", async function () {
      this.timeout(60_000);
      const out = await build({
        entryPoints: [path.join(__dirname, "../../src/domain/catalog/index.ts")],
        bundle: true,
        platform: "browser",
        format: "esm",
        minify: true,
        write: false,
        logLevel: "silent",
      });
      const code = out.outputFiles[0].text;
      expect(code).to.not.match(/new Function|\beval\(/);
      expect(code).to.not.include("ajv/dist/compile");
      expect(code).to.not.match(/\b(?:express|ethers|better-sqlite3|kysely)\b/);
      expect(out.outputFiles[0].contents.length).to.be.lessThan(1_500_000);
    });
  });
});

const RECORDED_ID_CARD_HASH = "0x89dd293edde6f17c1993e4b170bc8fe15e4cd777a0458bc916623ec45d5d1cfd";
