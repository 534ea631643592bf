/**
 * validateFields(typeCode, fields): checks a certificate's fields against its type's schema with the
 * precompiled validators, then checks what a schema cannot say (an ID number's birth date and sex
 * agree with the birthDate and gender fields beside it). Errors carry a stable code, a JSON Pointer
 * path and a sentence; messages never echo the submitted value (it is personal data).
 */
import * as generated from "./validators.generated";
import type { GeneratedValidator, GeneratedValidatorError } from "./validators.generated";
import { getCertificateType, type CertificateTypeRef } from "./lookup";
import { checkCreditCode, checkIdNumber, idNumberFacts } from "./identifiers";

export type FieldErrorCode =
  | "UNKNOWN_CERTIFICATE_TYPE"
  | "MISSING_FIELD"
  | "UNKNOWN_FIELD"
  | "WRONG_TYPE"
  | "NOT_ALLOWED_VALUE"
  | "PATTERN_MISMATCH"
  | "TOO_SHORT"
  | "TOO_LONG"
  | "OUT_OF_RANGE"
  | "WRONG_ITEM_COUNT"
  | "DUPLICATE_ITEMS"
  | "INVALID_DATE"
  | "INVALID_DATE_TIME"
  | "INVALID_EMAIL"
  | "INVALID_URI"
  | "INVALID_MOBILE_NUMBER"
  | "INVALID_POSTCODE"
  | "INVALID_ID_NUMBER_LENGTH"
  | "INVALID_ID_NUMBER_CHARACTERS"
  | "INVALID_ID_NUMBER_REGION"
  | "INVALID_ID_NUMBER_BIRTH_DATE"
  | "INVALID_ID_NUMBER_CHECK_DIGIT"
  | "INVALID_CREDIT_CODE_LENGTH"
  | "INVALID_CREDIT_CODE_CHARACTERS"
  | "INVALID_CREDIT_CODE_STRUCTURE"
  | "INVALID_CREDIT_CODE_CHECK_DIGIT"
  | "ID_NUMBER_BIRTH_DATE_MISMATCH"
  | "ID_NUMBER_GENDER_MISMATCH"
  | "INVALID_FIELD";

export interface FieldError {
  /** JSON Pointer (RFC 6901) to the offending field; "" is the whole field set. */
  readonly path: string;
  readonly code: FieldErrorCode;
  readonly message: string;
}

export type ValidateFieldsResult =
  { readonly ok: true } | { readonly ok: false; readonly errors: readonly FieldError[] };

type AjvError = GeneratedValidatorError;

const validators = generated as unknown as Record<string, GeneratedValidator | undefined>;

const MESSAGES: Record<FieldErrorCode, string> = {
  UNKNOWN_CERTIFICATE_TYPE: "No certificate type has this id or code; see CERTIFICATE_TYPES.",
  MISSING_FIELD: "This field is required.",
  UNKNOWN_FIELD: "This field is not part of the certificate type; check its spelling.",
  WRONG_TYPE: "This field has the wrong JSON type.",
  NOT_ALLOWED_VALUE: "This value is not one of the allowed values.",
  PATTERN_MISMATCH: "This value does not have the required form.",
  TOO_SHORT: "This value is too short.",
  TOO_LONG: "This value is too long.",
  OUT_OF_RANGE: "This number is outside the allowed range.",
  WRONG_ITEM_COUNT: "This list has too few or too many items.",
  DUPLICATE_ITEMS: "This list has the same item more than once.",
  INVALID_DATE: "Not a calendar date in the form YYYY-MM-DD.",
  INVALID_DATE_TIME: "Not an RFC 3339 date-time with a time zone (e.g. 2024-05-01T08:30:00+08:00).",
  INVALID_EMAIL: "Not an email address.",
  INVALID_URI: "Not an absolute URI.",
  INVALID_MOBILE_NUMBER: "Not a mainland mobile number (11 digits starting with 13-19, no prefix or spaces).",
  INVALID_POSTCODE: "Not a 6-digit postcode.",
  INVALID_ID_NUMBER_LENGTH: "A resident ID number has 18 characters.",
  INVALID_ID_NUMBER_CHARACTERS: "A resident ID number is 17 digits followed by a digit or a capital X.",
  INVALID_ID_NUMBER_REGION: "The first 6 digits of this ID number are not a region code.",
  INVALID_ID_NUMBER_BIRTH_DATE: "Digits 7-14 of this ID number are not a valid birth date.",
  INVALID_ID_NUMBER_CHECK_DIGIT: "The check digit of this ID number does not match: a character was probably mistyped.",
  INVALID_CREDIT_CODE_LENGTH: "A unified social credit code has 18 characters.",
  INVALID_CREDIT_CODE_CHARACTERS: "A unified social credit code uses digits and capitals except I, O, S, V and Z.",
  INVALID_CREDIT_CODE_STRUCTURE: "This credit code has no valid registration authority, type or region code.",
  INVALID_CREDIT_CODE_CHECK_DIGIT:
    "The check character of this credit code does not match: a character was probably mistyped.",
  ID_NUMBER_BIRTH_DATE_MISMATCH: "This birth date differs from the one encoded in the ID number beside it.",
  ID_NUMBER_GENDER_MISMATCH: "This sex differs from the one encoded in the ID number beside it.",
  INVALID_FIELD: "This field is not valid.",
};

const SIMPLE: Record<string, FieldErrorCode> = {
  type: "WRONG_TYPE",
  enum: "NOT_ALLOWED_VALUE",
  const: "NOT_ALLOWED_VALUE",
  pattern: "PATTERN_MISMATCH",
  minLength: "TOO_SHORT",
  maxLength: "TOO_LONG",
  minimum: "OUT_OF_RANGE",
  maximum: "OUT_OF_RANGE",
  exclusiveMinimum: "OUT_OF_RANGE",
  exclusiveMaximum: "OUT_OF_RANGE",
  multipleOf: "OUT_OF_RANGE",
  minItems: "WRONG_ITEM_COUNT",
  maxItems: "WRONG_ITEM_COUNT",
  uniqueItems: "DUPLICATE_ITEMS",
};

const FORMATS: Record<string, FieldErrorCode> = {
  date: "INVALID_DATE",
  "date-time": "INVALID_DATE_TIME",
  email: "INVALID_EMAIL",
  uri: "INVALID_URI",
  "cn-mobile": "INVALID_MOBILE_NUMBER",
  "cn-postcode": "INVALID_POSTCODE",
};

const escapePointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split("/").slice(1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

function toFieldError(e: AjvError, fields: unknown): FieldError {
  let path = e.instancePath;
  let code: FieldErrorCode = SIMPLE[e.keyword] ?? "INVALID_FIELD";
  if (e.keyword === "required") {
    path += "/" + escapePointer(String(e.params.missingProperty));
    code = "MISSING_FIELD";
  } else if (e.keyword === "additionalProperties") {
    path += "/" + escapePointer(String(e.params.additionalProperty));
    code = "UNKNOWN_FIELD";
  } else if (e.keyword === "format") {
    const format = String(e.params.format);
    const value = String(valueAt(fields, path));
    if (format === "resident-id-number") code = checkIdNumber(value) ?? "INVALID_FIELD";
    else if (format === "unified-social-credit-code") code = checkCreditCode(value) ?? "INVALID_FIELD";
    else code = FORMATS[format] ?? "INVALID_FIELD";
  }
  return { path, code, message: MESSAGES[code] };
}

/**
 * An identity number beside birthDate/gender in the same object must agree with them. The walk
 * follows the schema, not the input, so its depth is the schema's whatever the request nests.
 */
function crossCheck(node: unknown, schema: Record<string, unknown>, path: string, errors: FieldError[]): void {
  if (Array.isArray(node)) {
    const items = schema.items as Record<string, unknown> | undefined;
    if (items && (items.type === "object" || items.type === "array"))
      node.forEach((item, i) => crossCheck(item, items, `${path}/${i}`, errors));
    return;
  }
  if (node === null || typeof node !== "object" || !schema.properties) return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.idNumber === "string" && checkIdNumber(obj.idNumber) === null) {
    const facts = idNumberFacts(obj.idNumber);
    if (typeof obj.birthDate === "string" && obj.birthDate !== facts.birthDate) {
      errors.push({
        path: `${path}/birthDate`,
        code: "ID_NUMBER_BIRTH_DATE_MISMATCH",
        message: MESSAGES.ID_NUMBER_BIRTH_DATE_MISMATCH,
      });
    }
    if (typeof obj.gender === "string" && obj.gender !== facts.gender) {
      errors.push({
        path: `${path}/gender`,
        code: "ID_NUMBER_GENDER_MISMATCH",
        message: MESSAGES.ID_NUMBER_GENDER_MISMATCH,
      });
    }
  }
  for (const [key, sub] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
    const child = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
    if (child !== null && typeof child === "object") crossCheck(child, sub, `${path}/${escapePointer(key)}`, errors);
  }
}

export function validateFields(type: CertificateTypeRef, fields: unknown): ValidateFieldsResult {
  const certificateType = getCertificateType(type);
  if (!certificateType) {
    return {
      ok: false,
      errors: [{ path: "", code: "UNKNOWN_CERTIFICATE_TYPE", message: MESSAGES.UNKNOWN_CERTIFICATE_TYPE }],
    };
  }
  const validate = validators[`type${certificateType.id}`];
  if (typeof validate !== "function") {
    throw new Error(`no compiled validator for type ${certificateType.code}: run scripts/gen-catalog-validators.ts`);
  }
  const errors: FieldError[] = [];
  if (!validate(fields)) for (const e of validate.errors ?? []) errors.push(toFieldError(e, fields));
  const crossErrors: FieldError[] = [];
  crossCheck(fields, certificateType.schema as Record<string, unknown>, "", crossErrors);
  // A field already refused on its own (say, an impossible date) is not also reported as a mismatch.
  for (const e of crossErrors) if (!errors.some((x) => x.path === e.path)) errors.push(e);
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}
