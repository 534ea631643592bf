/** Categories of issuing agencies: the departments of a city government that issue certificates. */

export interface AgencyCategory {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

export const AGENCY_CATEGORIES = [
  { code: "public-security", nameZh: "公安", nameEn: "Public Security" },
  { code: "market-regulation", nameZh: "市场监督管理", nameEn: "Market Regulation" },
  { code: "education", nameZh: "教育", nameEn: "Education" },
  { code: "civil-affairs", nameZh: "民政", nameEn: "Civil Affairs" },
  {
    code: "human-resources-social-security",
    nameZh: "人力资源和社会保障",
    nameEn: "Human Resources and Social Security",
  },
  { code: "health", nameZh: "卫生健康", nameEn: "Health" },
  { code: "healthcare-security", nameZh: "医疗保障", nameEn: "Healthcare Security" },
  { code: "housing", nameZh: "住房和建设", nameEn: "Housing and Construction" },
  { code: "natural-resources", nameZh: "规划和自然资源", nameEn: "Planning and Natural Resources" },
  { code: "transport", nameZh: "交通运输", nameEn: "Transport" },
  { code: "justice", nameZh: "司法", nameEn: "Justice" },
  { code: "taxation", nameZh: "税务", nameEn: "Taxation" },
  { code: "veterans-affairs", nameZh: "退役军人事务", nameEn: "Veterans Affairs" },
  { code: "disabled-persons-federation", nameZh: "残疾人联合会", nameEn: "Disabled Persons' Federation" },
  { code: "emergency-management", nameZh: "应急管理", nameEn: "Emergency Management" },
  { code: "ecology-environment", nameZh: "生态环境", nameEn: "Ecology and Environment" },
  { code: "culture-tourism", nameZh: "文化广电旅游体育", nameEn: "Culture, Tourism and Sports" },
  { code: "housing-provident-fund", nameZh: "住房公积金管理中心", nameEn: "Housing Provident Fund Centre" },
  { code: "agriculture", nameZh: "农业农村", nameEn: "Agriculture and Rural Affairs" },
] as const satisfies readonly AgencyCategory[];

export type AgencyCategoryCode = (typeof AGENCY_CATEGORIES)[number]["code"];

export interface AgencyNames {
  readonly name: string;
  readonly nameZh: string;
}

/**
 * The name of a department's issuing agency in both languages: "Education Bureau" / "教育局"; a name
 * that is already an institution's ("Housing Provident Fund Centre" / "住房公积金管理中心") is kept.
 */
export function agencyNamesOf(category: AgencyCategory): AgencyNames {
  return {
    name: /(Centre|Federation)$/.test(category.nameEn) ? category.nameEn : `${category.nameEn} Bureau`,
    nameZh: /(中心|联合会)$/.test(category.nameZh) ? category.nameZh : `${category.nameZh}局`,
  };
}

const ZH_BY_NAME = new Map(AGENCY_CATEGORIES.map((c) => [agencyNamesOf(c).name, agencyNamesOf(c).nameZh]));

/**
 * The Chinese name of an agency registered under a department's name (the registry keeps one name);
 * undefined for any other name, which the pages then show as registered.
 */
export function agencyNameZh(name: string): string | undefined {
  return ZH_BY_NAME.get(name);
}
