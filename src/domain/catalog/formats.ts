/**
 * The JSON Schema formats the catalog's schemas use. One object, CATALOG_FORMATS, serves both the
 * compiler (ajv.addFormat at build time) and the precompiled validators, which reach it with
 * `require("./formats").CATALOG_FORMATS`: the name and export must not change without regenerating
 * validators.generated.js.
 */
import { fullFormats } from "ajv-formats/dist/formats";
import { checkCreditCode, checkIdNumber, isMobileNumber, isPostcode } from "./identifiers";

type FormatValidator = { type: "string"; validate: (value: string) => boolean };

const stringFormat = (validate: (value: string) => boolean): FormatValidator => ({ type: "string", validate });

export const CATALOG_FORMATS = {
  // ajv-formats' "full" implementations: real calendar dates, RFC 5321-ish emails, RFC 3986 URIs.
  date: fullFormats.date,
  "date-time": fullFormats["date-time"],
  email: fullFormats.email,
  uri: fullFormats.uri,
  "resident-id-number": stringFormat((v) => checkIdNumber(v) === null),
  "unified-social-credit-code": stringFormat((v) => checkCreditCode(v) === null),
  "cn-mobile": stringFormat(isMobileNumber),
  "cn-postcode": stringFormat(isPostcode),
} as const;

export type CatalogFormat = keyof typeof CATALOG_FORMATS;
