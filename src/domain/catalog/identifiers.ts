/**
 * National identifiers that certificates carry, checked the way the standards define them, so that
 * a mistyped number is refused at issuance instead of being anchored on chain for decades.
 *
 * - Resident identity number, GB 11643-1999: 6-digit region code, 8-digit birth date, 3-digit sequence
 *   (odd = male, even = female), ISO 7064 MOD 11-2 check character (0-9 or X).
 * - Unified social credit code, GB 32100-2015: registration authority, organisation type, 6-digit
 *   region code, 9-character organisation code, check character; alphabet of 31 characters (no I, O,
 *   S, V, Z), check character = 31 - (weighted sum mod 31).
 *
 * Each check returns the first problem found (a stable code) or null. Pure functions; no I/O.
 */

export type IdNumberProblem =
  | "INVALID_ID_NUMBER_LENGTH"
  | "INVALID_ID_NUMBER_CHARACTERS"
  | "INVALID_ID_NUMBER_REGION"
  | "INVALID_ID_NUMBER_BIRTH_DATE"
  | "INVALID_ID_NUMBER_CHECK_DIGIT";

export type CreditCodeProblem =
  | "INVALID_CREDIT_CODE_LENGTH"
  | "INVALID_CREDIT_CODE_CHARACTERS"
  | "INVALID_CREDIT_CODE_STRUCTURE"
  | "INVALID_CREDIT_CODE_CHECK_DIGIT";

/** Weights 2^(17-i) mod 11 of GB 11643 / ISO 7064 MOD 11-2. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = "10X98765432";

/**
 * First two digits of GB/T 2260 region codes: the 31 mainland provinces, plus 71 (Taiwan) and the
 * 81/82/83 prefixes of residence permits for Hong Kong, Macao and Taiwan residents.
 */
const PROVINCE_PREFIXES = new Set([
  "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
  "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
  "83",
]); // prettier-ignore

/** The check character of an 18-character resident identity number, from its first 17 digits. */
export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error("idNumberCheckChar needs exactly 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[sum % 11];
}

/** Whether y-m-d is a real calendar date (proleptic Gregorian). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/** Checks a resident identity number per GB 11643-1999. Lower-case x is refused: the standard writes X. */
export function checkIdNumber(value: string): IdNumberProblem | null {
  if (value.length !== 18) return "INVALID_ID_NUMBER_LENGTH";
  if (!/^\d{17}[\dX]$/.test(value)) return "INVALID_ID_NUMBER_CHARACTERS";
  if (!PROVINCE_PREFIXES.has(value.slice(0, 2)) || value.slice(2, 6) === "0000") return "INVALID_ID_NUMBER_REGION";
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  if (y < 1900 || !isCalendarDate(y, m, d)) return "INVALID_ID_NUMBER_BIRTH_DATE";
  if (idNumberCheckChar(value.slice(0, 17)) !== value[17]) return "INVALID_ID_NUMBER_CHECK_DIGIT";
  return null;
}

/** Birth date (YYYY-MM-DD) and sex encoded in a well-formed identity number. */
export function idNumberFacts(value: string): { birthDate: string; gender: "male" | "female" } {
  return {
    birthDate: `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`,
    gender: Number(value[16]) % 2 === 1 ? "male" : "female",
  };
}

/** The 31-character alphabet of GB 32100 (digits and capitals without I, O, S, V, Z). */
export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/** Weights 3^i mod 31 of GB 32100. */
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/** Registration authority codes of GB 32100 (first character). */
const CREDIT_AUTHORITIES = "123456789ANY";

/** The check character of a unified social credit code, from its first 17 characters. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error("creditCodeCheckChar needs exactly 17 characters");
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_ALPHABET.indexOf(first17[i]);
    if (v < 0) throw new Error(`creditCodeCheckChar: '${first17[i]}' is not in the GB 32100 alphabet`);
    sum += v * CREDIT_WEIGHTS[i];
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

const CREDIT_CHARS = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/** Checks a unified social credit code per GB 32100-2015. */
export function checkCreditCode(value: string): CreditCodeProblem | null {
  if (value.length !== 18) return "INVALID_CREDIT_CODE_LENGTH";
  if (!CREDIT_CHARS.test(value)) return "INVALID_CREDIT_CODE_CHARACTERS";
  if (!CREDIT_CODE_ALPHABET.slice(1).includes(value[1]) || !CREDIT_AUTHORITIES.includes(value[0])) {
    return "INVALID_CREDIT_CODE_STRUCTURE";
  }
  if (!/^\d{6}$/.test(value.slice(2, 8))) return "INVALID_CREDIT_CODE_STRUCTURE";
  if (creditCodeCheckChar(value.slice(0, 17)) !== value[17]) return "INVALID_CREDIT_CODE_CHECK_DIGIT";
  return null;
}

/** Mainland mobile numbers: 11 digits, 1 then 3-9 (no country prefix, no separators). */
export function isMobileNumber(value: string): boolean {
  return /^1[3-9]\d{9}$/.test(value);
}

/** Mainland postcodes: 6 digits, first digit 0-8 (0 is Inner Mongolia's 01/02; 9 is unused). */
export function isPostcode(value: string): boolean {
  return /^[0-8]\d{5}$/.test(value);
}
