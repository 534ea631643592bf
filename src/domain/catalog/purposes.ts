/**
 * Purposes a verifier asks for (the code a grant commits to, as its keccak256), with their names in
 * both languages and, per certificate type, the fields that purpose needs. The wallet ticks only those
 * fields when the citizen presents (data minimisation: a bank opening an account needs the name and
 * the ID number, not the address or the ethnicity); the citizen can tick more or fewer.
 */
export interface Purpose {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  /** Field paths the purpose needs, by certificate type code. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
}

export const PURPOSES: readonly Purpose[] = [
  {
    code: "identity-check",
    nameZh: "身份核验",
    nameEn: "Identity check",
    fields: { "resident-id-card": ["name", "idNumber"] },
  },
  {
    code: "open-bank-account",
    nameZh: "开立银行账户",
    nameEn: "Opening a bank account",
    fields: { "resident-id-card": ["name", "idNumber"] },
  },
  {
    code: "open-company-account",
    nameZh: "企业开户",
    nameEn: "Opening a company account",
    fields: {
      "business-licence": ["creditCode", "entityName", "legalRepresentative"],
      "resident-id-card": ["name", "idNumber"],
    },
  },
  {
    code: "school-enrolment",
    nameZh: "入学报名",
    nameEn: "School enrolment",
    fields: { "household-register": ["householdNumber", "headOfHousehold", "address", "members"] },
  },
  {
    code: "household-transfer",
    nameZh: "户口迁移",
    nameEn: "Household registration transfer",
    fields: {
      "resident-id-card": ["name", "idNumber"],
      "household-register": ["householdNumber", "headOfHousehold", "address"],
    },
  },
  {
    code: "employment-check",
    nameZh: "入职核验",
    nameEn: "Employment check",
    fields: { diploma: ["name", "institution", "major", "level", "graduationDate"] },
  },
  {
    code: "marital-status-check",
    nameZh: "婚姻状况核验",
    nameEn: "Marital status check",
    fields: { "marriage-certificate": ["certificateNumber", "registrationDate", "parties"] },
  },
  { code: "online-check", nameZh: "在线核验", nameEn: "Online check", fields: {} },
  // A printed certificate's QR code: whoever holds the paper checks it.
  { code: "printed-copy-check", nameZh: "纸质件核验", nameEn: "Checking a printed copy", fields: {} },
];

const BY_CODE = new Map(PURPOSES.map((p) => [p.code, p]));

export function purposeOf(code: string): Purpose | undefined {
  return BY_CODE.get(code);
}

/** True when `path` (a canonical field path) is needed for `purpose` on a certificate of `typeCode`. */
export function purposeNeeds(purpose: string, typeCode: string, path: string): boolean {
  const wanted = BY_CODE.get(purpose)?.fields[typeCode] ?? [];
  return wanted.some((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`));
}
