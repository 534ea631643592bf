/**
 * The certificate type catalog: which certificates the city issues, the JSON Schema of each one's
 * fields, validation (check digits of national identifiers included), the schema hash registered on
 * chain, and demo samples. Pure: no I/O, no ajv compiler at runtime; bundles for the browser.
 */
export {
  AGENCY_CATEGORIES,
  agencyNameZh,
  agencyNamesOf,
  type AgencyCategory,
  type AgencyCategoryCode,
  type AgencyNames,
} from "./agencies";
export { PURPOSES, purposeNeeds, purposeOf, type Purpose } from "./purposes";
export { DEMO_VERIFIER, VERIFIER_NAMES, type VerifierName } from "./verifiers";
export { CERTIFICATE_TYPES, type CertificateType, type HolderKind } from "./certificateTypes";
export { getCertificateType, type CertificateTypeRef } from "./lookup";
export { validateFields, type FieldError, type FieldErrorCode, type ValidateFieldsResult } from "./validate";
export { checkValidityPeriod, type ValidityProblem } from "./validity";
export { schemaHash } from "./schemaHashOf";
export { sampleFields } from "./samples";
export { createCatalog, type CatalogPortEntry } from "./port";
export {
  checkCreditCode, checkIdNumber, creditCodeCheckChar, idNumberCheckChar, isMobileNumber, isPostcode,
  type CreditCodeProblem, type IdNumberProblem,
} from "./identifiers"; // prettier-ignore
export type { JsonSchema } from "./schemaKit";
