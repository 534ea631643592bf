/**
 * Builders for the catalog's JSON Schemas (draft 2020-12). They keep the 60-odd definitions short
 * and uniform: every field has a Chinese `title` and an English `x-title-en`, enums carry labels in
 * both languages (`x-enum-titles`, parallel to `enum`), objects are closed (additionalProperties:
 * false) so a misspelt field name is refused rather than silently stored, and a property key ending
 * in "?" is optional (all others are required).
 *
 * The output is plain JSON: its JCS form is hashed onto the chain (schemaHash), so any change to a
 * builder changes every schema hash. Treat these as part of the on-chain format.
 */

export type JsonSchema = { readonly [key: string]: unknown };

/** Annotation keywords of the catalog, declared to ajv as a vocabulary (they never affect validation). */
export const ANNOTATION_KEYWORDS = ["x-title-en", "x-enum-titles"] as const;

export const SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";
export const SCHEMA_ID_BASE = "https://certledger.example/schemas/";

const titles = (zh: string, en: string) => ({ title: zh, "x-title-en": en });

export function text(zh: string, en: string, extra: Record<string, unknown> = {}): JsonSchema {
  return { type: "string", ...titles(zh, en), minLength: 1, maxLength: 100, ...extra };
}

export function longText(zh: string, en: string): JsonSchema {
  return text(zh, en, { maxLength: 2000 });
}

export function pattern(zh: string, en: string, re: string): JsonSchema {
  return { type: "string", ...titles(zh, en), pattern: re };
}

export function formatted(format: string, zh: string, en: string): JsonSchema {
  return { type: "string", ...titles(zh, en), format };
}

export const date = (zh: string, en: string) => formatted("date", zh, en);
export const dateTime = (zh: string, en: string) => formatted("date-time", zh, en);
export const idNumber = (zh = "公民身份号码", en = "Resident ID number") => formatted("resident-id-number", zh, en);
export const creditCode = (zh = "统一社会信用代码", en = "Unified social credit code") =>
  formatted("unified-social-credit-code", zh, en);
export const mobile = (zh = "手机号码", en = "Mobile number") => formatted("cn-mobile", zh, en);
export const postcode = (zh = "邮政编码", en = "Postcode") => formatted("cn-postcode", zh, en);
export const email = (zh = "电子邮箱", en = "Email") => formatted("email", zh, en);

export function integer(zh: string, en: string, minimum: number, maximum: number): JsonSchema {
  return { type: "integer", ...titles(zh, en), minimum, maximum };
}

export function decimal(zh: string, en: string, minimum: number, maximum: number): JsonSchema {
  return { type: "number", ...titles(zh, en), minimum, maximum };
}

export function flag(zh: string, en: string): JsonSchema {
  return { type: "boolean", ...titles(zh, en) };
}

/** A closed list of values; options are [value, zh, en]. */
export function choice(zh: string, en: string, options: ReadonlyArray<readonly [string, string, string]>): JsonSchema {
  return {
    type: "string",
    ...titles(zh, en),
    enum: options.map(([v]) => v),
    "x-enum-titles": options.map(([, z, e]) => ({ zh: z, en: e })),
  };
}

function properties(props: Record<string, JsonSchema>) {
  const out: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, schema] of Object.entries(props)) {
    const optional = key.endsWith("?");
    const name = optional ? key.slice(0, -1) : key;
    out[name] = schema;
    if (!optional) required.push(name);
  }
  return { properties: out, required };
}

export function object(zh: string, en: string, props: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", ...titles(zh, en), ...properties(props), additionalProperties: false };
}

export function list(zh: string, en: string, items: JsonSchema, minItems = 1, maxItems = 50): JsonSchema {
  return { type: "array", ...titles(zh, en), items, minItems, maxItems };
}

/** The top-level schema of a certificate type's fields. */
export function certificateSchema(
  code: string,
  nameZh: string,
  nameEn: string,
  props: Record<string, JsonSchema>,
): JsonSchema {
  return {
    $schema: SCHEMA_DIALECT,
    $id: `${SCHEMA_ID_BASE}${code}/v1`,
    ...object(nameZh, nameEn, props),
  };
}

// Shared fragments ------------------------------------------------------------------------------

export const personName = (zh = "姓名", en = "Name") => text(zh, en, { maxLength: 50 });
export const gender = (zh = "性别", en = "Sex") =>
  choice(zh, en, [
    ["male", "男", "Male"],
    ["female", "女", "Female"],
  ]);
export const ethnicity = () => text("民族", "Ethnicity", { maxLength: 20 });
export const birthDate = () => date("出生日期", "Date of birth");
export const nationality = () => pattern("国籍", "Nationality (ISO 3166-1 alpha-3)", "^[A-Z]{3}$");

export function address(zh = "住址", en = "Address"): JsonSchema {
  return object(zh, en, {
    province: text("省（自治区、直辖市）", "Province", { maxLength: 20 }),
    city: text("市", "City", { maxLength: 30 }),
    district: text("区（县）", "District", { maxLength: 30 }),
    street: text("街道地址", "Street address", { maxLength: 200 }),
    "postcode?": postcode(),
  });
}

export function money(zh: string, en: string): JsonSchema {
  return object(zh, en, {
    amount: decimal("金额", "Amount", 0, 1e15),
    currency: choice("币种", "Currency", [
      ["CNY", "人民币", "Renminbi"],
      ["HKD", "港币", "Hong Kong dollar"],
      ["USD", "美元", "US dollar"],
      ["EUR", "欧元", "Euro"],
    ]),
  });
}

export function period(zh: string, en: string, openEnded = false): JsonSchema {
  return object(zh, en, {
    from: date("起始日期", "From"),
    [openEnded ? "until?" : "until"]: date("截止日期", "Until"),
  });
}

/** The holder fields shared by most personal certificates. */
export const person = () => ({
  name: personName(),
  gender: gender(),
  birthDate: birthDate(),
  idNumber: idNumber(),
});

/** The holder fields shared by most organisational certificates. */
export const organisation = () => ({
  creditCode: creditCode(),
  entityName: text("名称", "Name of entity", { maxLength: 200 }),
  legalRepresentative: personName("法定代表人", "Legal representative"),
});
