/**
 * The certificate types of the city's government services. The id is what goes on chain (uint32)
 * and is never reused: a retired type keeps its id and a new type takes the next free number.
 * maxValiditySeconds caps validUntil - validFrom at issuance; every value fits a uint32.
 */
import type { AgencyCategoryCode } from "./agencies";
import {
  address, birthDate, certificateSchema, choice, creditCode, date, dateTime, decimal, email, ethnicity, flag,
  gender, idNumber, integer, list, longText, mobile, money, nationality, object, organisation, pattern, period,
  formatted, person, personName, text, type JsonSchema,
} from "./schemaKit"; // prettier-ignore

export type HolderKind = "person" | "organisation";

export interface CertificateType {
  /** On-chain type id, 1..N, never reused. */
  readonly id: number;
  /** Stable kebab-case code used in APIs and URLs. */
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly agency: AgencyCategoryCode;
  readonly holder: HolderKind;
  /** Longest allowed validUntil - validFrom, in seconds. */
  readonly maxValiditySeconds: number;
  /** JSON Schema (draft 2020-12) of the certificate's fields. */
  readonly schema: JsonSchema;
}

const DAY = 86_400;
/** n calendar years, counting the most leap days n consecutive years can hold. */
const years = (n: number) => (n * 365 + Math.ceil(n / 4)) * DAY;
/** Licences issued "long-term" (长期): capped at 50 years. */
const LONG_TERM = years(50);
/** Records of a fact that never expires (a degree, a marriage): capped at 100 years. */
const LIFELONG = years(100);

const t = (
  id: number,
  code: string,
  nameZh: string,
  nameEn: string,
  agency: AgencyCategoryCode,
  holder: HolderKind,
  maxValiditySeconds: number,
  props: Record<string, JsonSchema>,
): CertificateType =>
  Object.freeze({
    id,
    code,
    nameZh,
    nameEn,
    agency,
    holder,
    maxValiditySeconds,
    schema: certificateSchema(code, nameZh, nameEn, props),
  });

const issuingAuthority = () => text("签发机关", "Issuing authority", { maxLength: 100 });
const certificateNumber = (re: string, zh = "证书编号", en = "Certificate number") => pattern(zh, en, re);
const pinyinName = () => pattern("姓名拼音", "Name in Latin letters", "^[A-Z]+(?: [A-Z]+)*, ?[A-Z]+(?: [A-Z]+)*$");
const vin = () => pattern("车辆识别代号", "Vehicle identification number", "^[A-HJ-NPR-Z0-9]{17}$");
const plate = () => pattern("号牌号码", "Plate number", "^[\\u4e00-\\u9fa5][A-Z][A-HJ-NP-Z0-9]{5,6}$");
const spouse = () =>
  object("当事人", "Party", {
    name: personName(),
    gender: gender(),
    nationality: nationality(),
    birthDate: birthDate(),
    idNumber: idNumber(),
  });
const scope = () => longText("经营范围", "Business scope");
const practiceInstitution = () => text("执业机构", "Practice institution", { maxLength: 200 });
const educationLevel = () =>
  choice("学历层次", "Education level", [
    ["high-school", "高中", "Senior high school"],
    ["junior-college", "专科", "Junior college"],
    ["bachelor", "本科", "Bachelor"],
    ["master", "硕士研究生", "Master"],
    ["doctor", "博士研究生", "Doctorate"],
  ]);
const degreeLevel = () =>
  choice("学位级别", "Degree level", [
    ["bachelor", "学士", "Bachelor"],
    ["master", "硕士", "Master"],
    ["doctor", "博士", "Doctor"],
  ]);
const skillLevel = () =>
  choice("等级", "Level", [
    ["5", "五级/初级工", "Level 5 (junior worker)"],
    ["4", "四级/中级工", "Level 4 (intermediate worker)"],
    ["3", "三级/高级工", "Level 3 (senior worker)"],
    ["2", "二级/技师", "Level 2 (technician)"],
    ["1", "一级/高级技师", "Level 1 (senior technician)"],
  ]);
const ownerPerson = (zh = "所有人", en = "Owner") => object(zh, en, { name: personName(), idNumber: idNumber() });

// One line per field keeps 74 types readable as a table; prettier would spread it over 2,000 lines.
// prettier-ignore
export const CERTIFICATE_TYPES: readonly CertificateType[] = Object.freeze([
  // Public security ------------------------------------------------------------------------------
  // Cards for holders aged 46 and over are long-term (长期), hence the 50-year cap, not 20.
  t(1, "resident-id-card", "居民身份证", "Resident identity card", "public-security", "person", LONG_TERM, {
    ...person(), ethnicity: ethnicity(), address: address(), issuingAuthority: issuingAuthority(),
  }),
  t(2, "household-register", "居民户口簿", "Household register", "public-security", "person", LONG_TERM, {
    householdNumber: pattern("户号", "Household number", "^\\d{9}$"),
    householdType: choice("户别", "Household type", [["family", "家庭户", "Family household"], ["collective", "集体户", "Collective household"]]),
    headOfHousehold: personName("户主姓名", "Head of household"),
    address: address(),
    members: list("户内成员", "Members", object("成员", "Member", {
      ...person(), relationship: text("与户主关系", "Relationship to head", { maxLength: 20 }),
    }), 1, 30),
  }),
  t(3, "residence-permit", "居住证", "Residence permit", "public-security", "person", years(3), {
    ...person(), permitNumber: pattern("居住证号码", "Permit number", "^\\d{18}$"),
    residenceAddress: address("居住地址", "Address of residence"), domicile: address("户籍地址", "Registered domicile"),
  }),
  t(4, "driving-licence", "机动车驾驶证", "Driving licence", "public-security", "person", LONG_TERM, {
    ...person(), nationality: nationality(), address: address(), firstIssueDate: date("初次领证日期", "First issue date"),
    vehicleClasses: {
      ...list("准驾车型", "Vehicle classes", choice("车型", "Class", [
        "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P",
      ].map((c) => [c, c, c] as const)), 1, 6), uniqueItems: true,
    },
    fileNumber: pattern("档案编号", "File number", "^\\d{12}$"),
  }),
  t(5, "vehicle-registration", "机动车登记证书", "Vehicle registration certificate", "public-security", "person", LONG_TERM, {
    registrationNumber: pattern("登记证书编号", "Registration number", "^[A-Z0-9]{12}$"),
    owner: ownerPerson("机动车所有人", "Vehicle owner"), plateNumber: plate(), vin: vin(),
    brand: text("车辆品牌", "Brand"), model: text("车辆型号", "Model"),
    vehicleType: text("车辆类型", "Vehicle type", { maxLength: 30 }),
    fuel: choice("燃料种类", "Fuel", [["petrol", "汽油", "Petrol"], ["diesel", "柴油", "Diesel"], ["electric", "电", "Electric"], ["hybrid", "混合动力", "Hybrid"], ["hydrogen", "氢", "Hydrogen"]]),
    registrationDate: date("注册登记日期", "Registration date"),
  }),
  t(6, "vehicle-driving-permit", "机动车行驶证", "Vehicle driving permit", "public-security", "person", LONG_TERM, {
    plateNumber: plate(), owner: ownerPerson(), vin: vin(), engineNumber: pattern("发动机号码", "Engine number", "^[A-Z0-9-]{5,20}$"),
    useCharacter: choice("使用性质", "Use", [["private", "非营运", "Non-commercial"], ["commercial", "营运", "Commercial"], ["ride-hailing", "预约出租客运", "Ride-hailing"]]),
    registrationDate: date("注册日期", "Registration date"), issueDate: date("发证日期", "Issue date"),
    approvedPassengers: integer("核定载人数", "Approved passengers", 1, 100),
  }),
  t(7, "passport", "普通护照", "Passport", "public-security", "person", years(10), {
    passportNumber: pattern("护照号码", "Passport number", "^E[0-9A-HJ-NP-Z]\\d{7}$"),
    ...person(), nameLatin: pinyinName(), placeOfBirth: text("出生地点", "Place of birth", { maxLength: 20 }),
    issuePlace: text("签发地点", "Place of issue", { maxLength: 20 }), issueDate: date("签发日期", "Date of issue"),
  }),
  t(8, "hk-macao-travel-permit", "往来港澳通行证", "Exit-entry permit for travelling to Hong Kong and Macao", "public-security", "person", years(10), {
    permitNumber: pattern("证件号码", "Permit number", "^C[0-9A-HJ-NP-Z]\\d{7}$"),
    ...person(), nameLatin: pinyinName(),
    endorsements: list("签注", "Endorsements", object("签注", "Endorsement", {
      region: choice("前往地", "Destination", [["HK", "香港", "Hong Kong"], ["MO", "澳门", "Macao"]]),
      kind: choice("签注种类", "Kind", [["tourism", "个人旅游", "Individual tourism"], ["group", "团队旅游", "Group tourism"], ["business", "商务", "Business"], ["family", "探亲", "Family visit"], ["study", "逗留", "Stay"], ["other", "其他", "Other"]]),
      entries: choice("次数", "Entries", [["single", "一次", "Single"], ["double", "二次", "Double"], ["multiple", "多次", "Multiple"]]),
      validUntil: date("有效期至", "Valid until"),
    }), 0, 4),
  }),
  t(9, "taiwan-travel-permit", "往来台湾通行证", "Exit-entry permit for travelling to Taiwan", "public-security", "person", years(10), {
    permitNumber: pattern("证件号码", "Permit number", "^L\\d{8}$"), ...person(), nameLatin: pinyinName(), issueDate: date("签发日期", "Date of issue"),
  }),
  t(10, "no-criminal-record-certificate", "无犯罪记录证明", "Certificate of no criminal record", "public-security", "person", years(1), {
    ...person(), purpose: text("用途", "Purpose", { maxLength: 200 }), queryPeriod: period("查询时段", "Period searched"),
    result: choice("查询结果", "Result", [["no-record", "未发现有犯罪记录", "No criminal record found"]]),
  }),
  t(11, "hk-macao-taiwan-residence-permit", "港澳台居民居住证", "Residence permit for Hong Kong, Macao and Taiwan residents", "public-security", "person", years(5), {
    ...person(), origin: choice("居民类别", "Resident of", [["HK", "香港", "Hong Kong"], ["MO", "澳门", "Macao"], ["TW", "台湾", "Taiwan"]]),
    travelPermitNumber: pattern("通行证号码", "Travel permit number", "^[HMT]?[0-9A-Z]{8,10}$"), address: address(),
  }),
  t(12, "foreigner-permanent-residence-card", "外国人永久居留身份证", "Foreigner's permanent residence ID card", "public-security", "person", years(10), {
    cardNumber: pattern("证件号码", "Card number", "^9\\d{17}$"), nameLatin: text("英文姓名", "Name", { maxLength: 80 }),
    "nameZh?": personName("中文姓名", "Chinese name"), gender: gender(), birthDate: birthDate(), nationality: nationality(),
  }),

  // Market regulation ----------------------------------------------------------------------------
  t(13, "business-licence", "营业执照", "Business licence", "market-regulation", "organisation", LONG_TERM, {
    ...organisation(),
    entityType: choice("类型", "Type", [["llc", "有限责任公司", "Limited liability company"], ["joint-stock", "股份有限公司", "Joint-stock company"], ["sole-proprietorship", "个人独资企业", "Sole proprietorship"], ["partnership", "合伙企业", "Partnership"], ["branch", "分公司", "Branch"], ["foreign-invested", "外商投资企业", "Foreign-invested enterprise"]]),
    registeredCapital: money("注册资本", "Registered capital"), establishmentDate: date("成立日期", "Date of establishment"),
    businessTerm: period("营业期限", "Business term", true), address: address("住所", "Domicile"), businessScope: scope(),
    registrationAuthority: text("登记机关", "Registration authority"),
  }),
  t(14, "individual-business-licence", "个体工商户营业执照", "Individual business licence", "market-regulation", "organisation", LONG_TERM, {
    creditCode: creditCode(), "tradeName?": text("名称", "Trade name", { maxLength: 200 }), operator: ownerPerson("经营者", "Operator"),
    form: choice("组成形式", "Form", [["individual", "个人经营", "Individual"], ["family", "家庭经营", "Family"]]),
    address: address("经营场所", "Business premises"), businessScope: scope(), registrationDate: date("注册日期", "Registration date"),
  }),
  t(15, "food-business-licence", "食品经营许可证", "Food business licence", "market-regulation", "organisation", years(5), {
    licenceNumber: pattern("许可证编号", "Licence number", "^JY[1-3]\\d{13}$"), ...organisation(),
    premises: address("经营场所", "Premises"),
    mainForms: { ...list("主体业态", "Main forms", choice("业态", "Form", [["food-sales", "食品销售经营者", "Food sales"], ["catering", "餐饮服务经营者", "Catering"], ["canteen", "单位食堂", "Canteen"]]), 1, 3), uniqueItems: true },
    businessItems: list("经营项目", "Business items", text("项目", "Item"), 1, 30),
  }),
  t(16, "food-production-licence", "食品生产许可证", "Food production licence", "market-regulation", "organisation", years(5), {
    licenceNumber: pattern("许可证编号", "Licence number", "^SC\\d{14}$"), ...organisation(), productionAddress: address("生产地址", "Production address"),
    foodCategories: list("食品类别", "Food categories", text("类别", "Category"), 1, 40),
  }),
  t(17, "drug-business-licence", "药品经营许可证", "Drug business licence", "market-regulation", "organisation", years(5), {
    licenceNumber: pattern("证号", "Licence number", "^[\\u4e00-\\u9fa5][A-D][A-D][0-9]{7}$"), ...organisation(),
    qualityManager: personName("质量负责人", "Quality manager"), warehouse: address("仓库地址", "Warehouse address"),
    businessMode: choice("经营方式", "Mode", [["wholesale", "批发", "Wholesale"], ["retail", "零售", "Retail"], ["retail-chain", "零售连锁", "Retail chain"]]),
    scope: list("经营范围", "Scope", text("范围", "Item"), 1, 30),
  }),
  t(18, "medical-device-business-licence", "医疗器械经营许可证", "Medical device business licence", "market-regulation", "organisation", years(5), {
    licenceNumber: pattern("许可证编号", "Licence number", "^[\\u4e00-\\u9fa5]{2}药监械经营许\\d{8}号$"), ...organisation(),
    premises: address("经营场所", "Premises"), scope: longText("经营范围", "Scope"),
  }),
  t(19, "industrial-product-licence", "工业产品生产许可证", "Industrial product production licence", "market-regulation", "organisation", years(5), {
    licenceNumber: pattern("证书编号", "Licence number", "^[\\u4e00-\\u9fa5]XK\\d{2}-\\d{3}-\\d{5}$"), ...organisation(),
    productName: text("产品名称", "Product"), productionAddress: address("生产地址", "Production address"),
  }),
  t(20, "special-equipment-operator", "特种设备安全管理和作业人员证", "Special equipment operator certificate", "market-regulation", "person", years(4), {
    ...person(), employer: text("工作单位", "Employer", { maxLength: 200 }),
    items: list("作业项目", "Items", object("项目", "Item", {
      itemCode: pattern("项目代号", "Item code", "^[A-Z][0-9A-Z]{0,3}$"), itemName: text("作业项目", "Item"), approvalDate: date("批准日期", "Approval date"),
    }), 1, 10),
  }),
  t(21, "licensed-pharmacist", "执业药师注册证", "Licensed pharmacist registration certificate", "market-regulation", "person", years(5), {
    ...person(), registrationNumber: pattern("注册证编号", "Registration number", "^\\d{12,20}$"),
    category: choice("执业类别", "Category", [["pharmacy", "药学", "Pharmacy"], ["tcm", "中药学", "Traditional Chinese pharmacy"], ["both", "药学与中药学", "Both"]]),
    practiceScope: choice("执业范围", "Scope", [["retail", "药品零售", "Drug retail"], ["wholesale", "药品批发", "Drug wholesale"], ["production", "药品生产", "Drug production"], ["use", "药品使用", "Drug use"]]),
    practiceInstitution: practiceInstitution(),
  }),

  // Taxation ------------------------------------------------------------------------------------
  t(22, "tax-registration", "税务登记证", "Tax registration certificate", "taxation", "organisation", LONG_TERM, {
    ...organisation(),
    taxpayerType: choice("纳税人类型", "Taxpayer type", [["general", "一般纳税人", "General taxpayer"], ["small-scale", "小规模纳税人", "Small-scale taxpayer"]]),
    address: address("生产经营地址", "Business address"), registrationDate: date("登记日期", "Registration date"), taxAuthority: text("主管税务机关", "Tax authority"),
  }),
  t(23, "tax-payment-certificate", "完税证明", "Tax payment certificate", "taxation", "person", LONG_TERM, {
    name: personName(), idNumber: idNumber(), period: period("税款所属期", "Tax period"),
    items: list("明细", "Items", object("明细", "Item", {
      taxType: choice("税种", "Tax", [["individual-income", "个人所得税", "Individual income tax"], ["vat", "增值税", "Value-added tax"], ["deed", "契税", "Deed tax"], ["vehicle-purchase", "车辆购置税", "Vehicle purchase tax"], ["property", "房产税", "Property tax"]]),
      amount: decimal("实缴金额", "Amount paid", 0, 1e12), paidOn: date("入库日期", "Date paid"),
    }), 1, 100),
  }),
  t(24, "tax-credit-rating", "纳税信用等级证明", "Tax credit rating certificate", "taxation", "organisation", years(1), {
    ...organisation(), year: integer("评价年度", "Year rated", 2014, 2100),
    rating: choice("信用级别", "Rating", [["A", "A级", "A"], ["B", "B级", "B"], ["M", "M级", "M"], ["C", "C级", "C"], ["D", "D级", "D"]]),
  }),

  // Education -----------------------------------------------------------------------------------
  t(25, "diploma", "毕业证书", "Diploma", "education", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^\\d{18}$"), institution: text("学校名称", "Institution", { maxLength: 200 }),
    major: text("专业", "Major"), level: educationLevel(),
    studyMode: choice("学习形式", "Mode of study", [["full-time", "全日制", "Full-time"], ["part-time", "非全日制", "Part-time"]]),
    enrolmentDate: date("入学日期", "Enrolment date"), graduationDate: date("毕业日期", "Graduation date"),
  }),
  t(26, "degree-certificate", "学位证书", "Degree certificate", "education", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^\\d{16}$"), institution: text("学位授予单位", "Awarding institution", { maxLength: 200 }),
    degree: degreeLevel(), discipline: text("学科门类/专业学位类别", "Discipline"), awardDate: date("授予日期", "Date awarded"),
  }),
  t(27, "high-school-diploma", "高中毕业证书", "Senior high school diploma", "education", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^[0-9A-Z]{8,20}$"), school: text("学校名称", "School", { maxLength: 200 }), graduationDate: date("毕业日期", "Graduation date"),
  }),
  t(28, "teacher-qualification", "教师资格证书", "Teacher qualification certificate", "education", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^\\d{17}$"),
    qualificationType: choice("资格种类", "Qualification", [["kindergarten", "幼儿园教师资格", "Kindergarten"], ["primary", "小学教师资格", "Primary school"], ["junior-secondary", "初级中学教师资格", "Junior secondary"], ["senior-secondary", "高级中学教师资格", "Senior secondary"], ["vocational", "中等职业学校教师资格", "Secondary vocational"], ["vocational-practice", "中等职业学校实习指导教师资格", "Vocational practice instructor"], ["higher", "高等学校教师资格", "Higher education"]]),
    "subject?": text("任教学科", "Subject", { maxLength: 50 }), issueDate: date("发证日期", "Issue date"),
  }),
  t(29, "putonghua-proficiency", "普通话水平测试等级证书", "Putonghua proficiency certificate", "education", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^\\d{15}$"),
    level: choice("等级", "Level", [["1A", "一级甲等", "Level 1-A"], ["1B", "一级乙等", "Level 1-B"], ["2A", "二级甲等", "Level 2-A"], ["2B", "二级乙等", "Level 2-B"], ["3A", "三级甲等", "Level 3-A"], ["3B", "三级乙等", "Level 3-B"]]),
    score: decimal("成绩", "Score", 0, 100), testDate: date("测试日期", "Test date"),
  }),
  t(30, "enrolment-certificate", "在读证明", "Certificate of enrolment", "education", "person", years(1), {
    ...person(), school: text("学校名称", "School", { maxLength: 200 }), studentNumber: pattern("学号", "Student number", "^[0-9A-Za-z]{4,20}$"),
    level: educationLevel(), grade: text("年级", "Year", { maxLength: 20 }), expectedGraduation: date("预计毕业日期", "Expected graduation"),
  }),
  t(31, "school-operation-permit", "办学许可证", "School operation permit", "education", "organisation", years(5), {
    ...organisation(), permitNumber: pattern("许可证编号", "Permit number", "^[教人]\\d{15}$"), address: address("办学地址", "School address"),
    schoolType: choice("学校类型", "Type", [["kindergarten", "幼儿园", "Kindergarten"], ["primary", "小学", "Primary school"], ["secondary", "中学", "Secondary school"], ["training", "培训机构", "Training institution"]]),
  }),

  // Civil affairs -------------------------------------------------------------------------------
  t(32, "marriage-certificate", "结婚证", "Marriage certificate", "civil-affairs", "person", LIFELONG, {
    certificateNumber: certificateNumber("^J\\d{6}-\\d{4}-\\d{6}$", "结婚证字号"), registrationDate: date("登记日期", "Registration date"),
    parties: list("当事人", "Parties", spouse(), 2, 2), registrationAuthority: text("登记机关", "Registration authority"),
  }),
  t(33, "divorce-certificate", "离婚证", "Divorce certificate", "civil-affairs", "person", LIFELONG, {
    certificateNumber: certificateNumber("^L\\d{6}-\\d{4}-\\d{6}$", "离婚证字号"), registrationDate: date("登记日期", "Registration date"),
    parties: list("当事人", "Parties", spouse(), 2, 2), registrationAuthority: text("登记机关", "Registration authority"),
  }),
  t(34, "social-organisation-registration", "社会团体法人登记证书", "Social organisation registration certificate", "civil-affairs", "organisation", years(5), {
    ...organisation(), address: address("住所", "Domicile"), businessScope: scope(), activityArea: text("活动地域", "Area of activity"),
    registeredCapital: money("注册资金", "Registered funds"), supervisoryUnit: text("业务主管单位", "Supervising unit", { maxLength: 200 }),
  }),
  t(35, "private-non-enterprise-registration", "民办非企业单位登记证书", "Private non-enterprise unit registration certificate", "civil-affairs", "organisation", years(5), {
    ...organisation(), address: address("住所", "Domicile"), businessScope: scope(), registeredCapital: money("开办资金", "Start-up funds"),
  }),
  t(36, "senior-citizen-card", "老年人优待证", "Senior citizen preferential card", "civil-affairs", "person", LIFELONG, {
    ...person(), address: address(), "emergencyContact?": object("紧急联系人", "Emergency contact", { name: personName(), mobile: mobile() }),
  }),
  t(37, "subsistence-allowance", "最低生活保障证", "Minimum subsistence allowance certificate", "civil-affairs", "person", years(1), {
    ...person(), householdSize: integer("保障人数", "Persons covered", 1, 20), monthlyAmount: decimal("月保障金额（元）", "Monthly amount (CNY)", 0, 100000),
    address: address(), approvalDate: date("批准日期", "Approval date"),
  }),
  t(38, "adoption-registration", "收养登记证", "Adoption registration certificate", "civil-affairs", "person", LIFELONG, {
    certificateNumber: certificateNumber("^S\\d{6}-\\d{4}-\\d{6}$", "收养登记证字号"), adopters: list("收养人", "Adopters", ownerPerson("收养人", "Adopter"), 1, 2),
    adoptee: object("被收养人", "Adoptee", { name: personName(), gender: gender(), birthDate: birthDate(), "idNumber?": idNumber() }),
    registrationDate: date("登记日期", "Registration date"),
  }),

  // Human resources and social security ---------------------------------------------------------
  t(39, "social-security-card", "社会保障卡", "Social security card", "human-resources-social-security", "person", years(10), {
    ...person(), cardNumber: pattern("卡号", "Card number", "^[A-Z0-9]{9}$"), issueDate: date("发卡日期", "Issue date"),
    "bankName?": text("金融账户开户银行", "Bank", { maxLength: 50 }),
  }),
  t(40, "professional-qualification", "专业技术人员职业资格证书", "Professional qualification certificate", "human-resources-social-security", "person", LIFELONG, {
    ...person(), qualification: text("资格名称", "Qualification", { maxLength: 100 }), "specialty?": text("专业", "Specialty"),
    level: choice("级别", "Level", [["junior", "初级", "Junior"], ["intermediate", "中级", "Intermediate"], ["senior", "高级", "Senior"], ["none", "不分级别", "Not graded"]]),
    certificateNumber: certificateNumber("^[0-9A-Z]{8,24}$"), approvalDate: date("批准日期", "Approval date"),
  }),
  t(41, "vocational-skill-certificate", "职业技能等级证书", "Vocational skill level certificate", "human-resources-social-security", "person", LIFELONG, {
    ...person(), occupation: text("职业（工种）", "Occupation"), level: skillLevel(), certificateNumber: certificateNumber("^[A-Z0-9]{10,24}$"),
    evaluator: text("评价机构", "Evaluating organisation", { maxLength: 200 }), issueDate: date("发证日期", "Issue date"),
  }),
  t(42, "professional-title", "专业技术资格证书（职称）", "Professional title certificate", "human-resources-social-security", "person", LIFELONG, {
    ...person(), series: text("系列", "Series"), specialty: text("专业", "Specialty"),
    titleLevel: choice("资格级别", "Level", [["assistant", "员级", "Assistant"], ["junior", "助理级", "Junior"], ["intermediate", "中级", "Intermediate"], ["deputy-senior", "副高级", "Deputy senior"], ["senior", "正高级", "Senior"]]),
    certificateNumber: certificateNumber("^[0-9A-Z]{8,24}$"), approvalDate: date("评审通过日期", "Approval date"),
  }),
  t(43, "employment-registration", "就业创业证", "Employment and entrepreneurship certificate", "human-resources-social-security", "person", LONG_TERM, {
    ...person(), certificateNumber: certificateNumber("^\\d{18,20}$"), status: choice("就业状态", "Status", [["employed", "就业", "Employed"], ["unemployed", "失业", "Unemployed"], ["self-employed", "创业", "Self-employed"]]),
    "employer?": object("用人单位", "Employer", { creditCode: creditCode(), entityName: text("名称", "Name", { maxLength: 200 }) }),
    registrationDate: date("登记日期", "Registration date"),
  }),
  t(44, "retirement-certificate", "退休证", "Retirement certificate", "human-resources-social-security", "person", LIFELONG, {
    ...person(), retirementDate: date("退休日期", "Retirement date"), formerEmployer: text("原工作单位", "Former employer", { maxLength: 200 }),
    retirementType: choice("退休类别", "Type", [["normal", "正常退休", "Normal"], ["early", "提前退休", "Early"], ["disability", "因病退休", "Due to illness"]]),
  }),
  t(45, "high-level-talent", "高层次人才认定证书", "High-level talent certificate", "human-resources-social-security", "person", years(5), {
    ...person(), category: choice("人才类别", "Category", [["A", "A类（杰出人才）", "Class A (outstanding)"], ["B", "B类（国家级领军人才）", "Class B (national leader)"], ["C", "C类（地方级领军人才）", "Class C (local leader)"], ["reserve", "后备级人才", "Reserve"]]),
    education: list("学历学位", "Education", object("学历", "Degree", {
      institution: text("学校", "Institution", { maxLength: 200 }), degree: degreeLevel(), major: text("专业", "Major"), graduationDate: date("毕业日期", "Graduation date"),
    }), 1, 6),
    employer: object("工作单位", "Employer", { creditCode: creditCode(), entityName: text("名称", "Name", { maxLength: 200 }) }),
    recognitionDate: date("认定日期", "Date recognised"),
  }),
  t(46, "labour-dispatch-licence", "劳务派遣经营许可证", "Labour dispatch licence", "human-resources-social-security", "organisation", years(3), {
    ...organisation(), licenceNumber: pattern("许可证编号", "Licence number", "^\\d{6}\\d{4}\\d{4,6}$"), registeredCapital: money("注册资本", "Registered capital"), address: address("住所", "Domicile"),
  }),
  t(47, "hr-service-licence", "人力资源服务许可证", "Human resources service licence", "human-resources-social-security", "organisation", years(5), {
    ...organisation(), licenceNumber: pattern("许可证编号", "Licence number", "^[0-9A-Z]{8,20}$"), address: address("住所", "Domicile"), serviceScope: scope(),
  }),

  // Health --------------------------------------------------------------------------------------
  t(48, "birth-medical-certificate", "出生医学证明", "Medical certificate of birth", "health", "person", LIFELONG, {
    certificateNumber: certificateNumber("^[A-Z]\\d{9}$", "出生医学证明编号"),
    newborn: object("新生儿", "Newborn", {
      name: personName(), gender: gender(), birthTime: dateTime("出生时间", "Time of birth"),
      gestationWeeks: integer("出生孕周", "Gestation (weeks)", 20, 45), weightGrams: integer("出生体重（克）", "Weight (g)", 300, 8000),
      lengthCm: decimal("出生身长（厘米）", "Length (cm)", 20, 70), birthPlace: address("出生地点", "Place of birth"),
    }),
    mother: object("母亲", "Mother", { name: personName(), nationality: nationality(), ethnicity: ethnicity(), idNumber: idNumber() }),
    "father?": object("父亲", "Father", { name: personName(), nationality: nationality(), ethnicity: ethnicity(), idNumber: idNumber() }),
    institution: text("接生机构", "Delivering institution", { maxLength: 200 }),
  }),
  t(49, "physician-licence", "医师执业证书", "Physician practising certificate", "health", "person", LONG_TERM, {
    ...person(), certificateNumber: certificateNumber("^\\d{15}$"), qualificationNumber: pattern("资格证书编码", "Qualification number", "^\\d{15,27}$"),
    category: choice("执业类别", "Category", [["clinical", "临床", "Clinical"], ["dental", "口腔", "Dental"], ["tcm", "中医", "Traditional Chinese medicine"], ["public-health", "公共卫生", "Public health"]]),
    practiceScope: text("执业范围", "Scope", { maxLength: 100 }), practiceInstitution: practiceInstitution(),
  }),
  t(50, "nurse-licence", "护士执业证书", "Nurse practising certificate", "health", "person", years(5), {
    ...person(), certificateNumber: certificateNumber("^\\d{12}$"), practiceInstitution: practiceInstitution(), firstRegistration: date("首次注册日期", "First registered"),
  }),
  t(51, "medical-institution-licence", "医疗机构执业许可证", "Medical institution practising licence", "health", "organisation", years(15), {
    ...organisation(), registrationNumber: pattern("登记号", "Registration number", "^[A-Z0-9]{10,30}$"), address: address("地址", "Address"),
    ownership: choice("所有制形式", "Ownership", [["public", "全民", "Public"], ["collective", "集体", "Collective"], ["private", "私营", "Private"], ["other", "其他", "Other"]]),
    departments: list("诊疗科目", "Departments", text("科目", "Department"), 1, 60), beds: integer("床位", "Beds", 0, 20000),
  }),
  t(52, "health-certificate", "健康证明", "Health certificate for public-facing workers", "health", "person", years(1), {
    ...person(), occupation: choice("从业类别", "Occupation", [["food", "食品", "Food"], ["public-places", "公共场所", "Public places"], ["drinking-water", "生活饮用水", "Drinking water"], ["childcare", "托幼", "Childcare"]]),
    examinationDate: date("体检日期", "Examination date"), institution: text("体检机构", "Examining institution", { maxLength: 200 }),
    fit: flag("体检合格", "Fit for work"),
  }),
  t(53, "vaccination-certificate", "预防接种证", "Vaccination certificate", "health", "person", LIFELONG, {
    child: object("儿童", "Child", { name: personName(), gender: gender(), birthDate: birthDate(), "idNumber?": idNumber() }),
    guardian: object("监护人", "Guardian", { name: personName(), idNumber: idNumber(), mobile: mobile() }),
    doses: list("接种记录", "Doses", object("剂次", "Dose", {
      vaccine: text("疫苗名称", "Vaccine"), doseNumber: integer("剂次", "Dose number", 1, 10), date: date("接种日期", "Date"), institution: text("接种单位", "Institution", { maxLength: 200 }),
    }), 0, 100),
  }),
  t(54, "death-medical-certificate", "居民死亡医学证明", "Medical certificate of death", "health", "person", LIFELONG, {
    certificateNumber: certificateNumber("^[A-Z0-9]{8,20}$"),
    deceased: object("死者", "Deceased", { ...person(), ethnicity: ethnicity() }), timeOfDeath: dateTime("死亡时间", "Time of death"),
    placeOfDeath: choice("死亡地点", "Place of death", [["hospital", "医疗卫生机构", "Medical institution"], ["transit", "来院途中", "On the way to hospital"], ["home", "家中", "At home"], ["other", "其他", "Other"]]),
    informant: object("申报人", "Informant", { name: personName(), idNumber: idNumber(), relationship: text("与死者关系", "Relationship", { maxLength: 20 }) }),
  }),

  // Healthcare security -------------------------------------------------------------------------
  t(55, "medical-insurance", "医疗保障凭证", "Medical insurance certificate", "healthcare-security", "person", years(10), {
    ...person(), insuranceType: choice("险种", "Scheme", [["employee", "职工基本医疗保险", "Employee basic medical insurance"], ["resident", "城乡居民基本医疗保险", "Resident basic medical insurance"]]),
    insuredRegion: pattern("参保地区划代码", "Insured region code", "^\\d{6}$"), enrolmentDate: date("参保日期", "Enrolment date"),
    status: choice("参保状态", "Status", [["active", "正常参保", "Active"], ["suspended", "暂停缴费", "Suspended"]]),
  }),

  // Planning and natural resources; housing -----------------------------------------------------
  t(56, "real-estate-certificate", "不动产权证书", "Real estate title certificate", "natural-resources", "person", LIFELONG, {
    certificateNumber: certificateNumber("^[\\u4e00-\\u9fa5]\\(\\d{4}\\)[\\u4e00-\\u9fa5]{2,10}不动产权第\\d{7}号$", "证书号"),
    owners: list("权利人", "Owners", ownerPerson("权利人", "Owner"), 1, 10),
    coOwnership: choice("共有情况", "Co-ownership", [["sole", "单独所有", "Sole"], ["joint", "共同共有", "Joint"], ["shares", "按份共有", "In shares"]]),
    location: address("坐落", "Location"), unitNumber: pattern("不动产单元号", "Real estate unit number", "^\\d{12}[A-Z]{2}\\d{5}[A-Z]\\d{8}$"),
    rightType: text("权利类型", "Right", { maxLength: 50 }), use: text("用途", "Use", { maxLength: 50 }),
    area: object("面积（平方米）", "Area (m²)", { land: decimal("宗地面积", "Land", 0, 1e8), building: decimal("房屋建筑面积", "Building", 0, 1e7) }),
    landUseTerm: period("土地使用期限", "Land-use term"),
  }),
  t(57, "presale-permit", "商品房预售许可证", "Commercial housing presale permit", "housing", "organisation", years(3), {
    ...organisation(), permitNumber: pattern("许可证号", "Permit number", "^[\\u4e00-\\u9fa5]{1,4}房预售字\\(\\d{4}\\)\\d{1,4}号$"),
    project: text("项目名称", "Project", { maxLength: 200 }), location: address("坐落", "Location"),
    units: integer("预售套数", "Units", 1, 100000), area: decimal("预售面积（平方米）", "Area (m²)", 1, 1e7),
  }),
  t(58, "construction-enterprise-qualification", "建筑业企业资质证书", "Construction enterprise qualification certificate", "housing", "organisation", years(5), {
    ...organisation(), certificateNumber: certificateNumber("^D\\d{9}$"),
    qualifications: list("资质类别及等级", "Qualifications", object("资质", "Qualification", {
      category: text("资质类别", "Category"), grade: choice("等级", "Grade", [["special", "特级", "Special"], ["1", "一级", "Grade 1"], ["2", "二级", "Grade 2"], ["3", "三级", "Grade 3"], ["none", "不分等级", "Ungraded"]]),
    }), 1, 30),
  }),
  t(59, "housing-lease-registration", "房屋租赁登记备案凭证", "Housing lease registration", "housing", "person", years(20), {
    registrationNumber: pattern("备案编号", "Registration number", "^[A-Z0-9]{10,24}$"), lessor: ownerPerson("出租人", "Lessor"), lessee: ownerPerson("承租人", "Lessee"),
    address: address("房屋坐落", "Property"), area: decimal("租赁面积（平方米）", "Area (m²)", 1, 1e5), monthlyRent: decimal("月租金（元）", "Monthly rent (CNY)", 0, 1e8),
    term: period("租赁期限", "Lease term"),
  }),
  t(60, "registered-constructor", "注册建造师注册证书", "Registered constructor certificate", "housing", "person", years(3), {
    ...person(), registrationNumber: pattern("注册编号", "Registration number", "^[\\u4e00-\\u9fa5]\\d{10,14}$"),
    grade: choice("级别", "Grade", [["1", "一级", "Grade 1"], ["2", "二级", "Grade 2"]]), specialties: list("注册专业", "Specialties", text("专业", "Specialty"), 1, 10),
    employer: object("聘用企业", "Employer", { creditCode: creditCode(), entityName: text("名称", "Name", { maxLength: 200 }) }),
  }),

  // Housing provident fund ----------------------------------------------------------------------
  t(61, "provident-fund", "住房公积金缴存证明", "Housing provident fund contribution certificate", "housing-provident-fund", "person", years(1), {
    ...person(), accountNumber: pattern("个人账号", "Account number", "^\\d{9,20}$"),
    employer: object("缴存单位", "Employer", { creditCode: creditCode(), entityName: text("名称", "Name", { maxLength: 200 }) }),
    status: choice("账户状态", "Status", [["normal", "正常", "Normal"], ["sealed", "封存", "Sealed"], ["closed", "销户", "Closed"]]),
    monthlyContribution: decimal("月缴存额（元）", "Monthly contribution (CNY)", 0, 1e6), balance: decimal("账户余额（元）", "Balance (CNY)", 0, 1e9),
    contributingSince: date("初缴年月", "Contributing since"),
  }),

  // Transport -----------------------------------------------------------------------------------
  t(62, "road-transport-licence", "道路运输经营许可证", "Road transport operation licence", "transport", "organisation", years(6), {
    ...organisation(), licenceNumber: pattern("许可证号", "Licence number", "^\\d{12}$"), address: address("住所", "Domicile"),
    scope: list("经营范围", "Scope", text("范围", "Item"), 1, 20),
  }),
  t(63, "taxi-driver-qualification", "出租汽车驾驶员从业资格证", "Taxi driver qualification certificate", "transport", "person", years(6), {
    ...person(), certificateNumber: certificateNumber("^\\d{17}[\\dX]$"),
    category: choice("从业资格类别", "Category", [["cruising", "巡游出租汽车", "Street-hail taxi"], ["ride-hailing", "网络预约出租汽车", "Ride-hailing"]]),
    firstIssueDate: date("初领日期", "First issued"),
  }),
  t(64, "ride-hailing-vehicle-permit", "网络预约出租汽车运输证", "Ride-hailing vehicle transport permit", "transport", "person", years(8), {
    permitNumber: pattern("运输证号", "Permit number", "^\\d{12}$"), owner: ownerPerson("车辆所有人", "Vehicle owner"), plateNumber: plate(), vin: vin(),
    platformCompany: object("网约车平台", "Platform", { creditCode: creditCode(), entityName: text("名称", "Name", { maxLength: 200 }) }),
  }),

  // Justice -------------------------------------------------------------------------------------
  t(65, "lawyer-licence", "律师执业证", "Lawyer practising certificate", "justice", "person", LONG_TERM, {
    ...person(), certificateNumber: certificateNumber("^\\d{17}$", "执业证号"), lawFirm: text("执业机构", "Law firm", { maxLength: 200 }),
    practiceType: choice("执业类别", "Type of practice", [["full-time", "专职", "Full-time"], ["part-time", "兼职", "Part-time"], ["corporate", "公司律师", "Corporate"], ["public", "公职律师", "Public-sector"]]),
    firstPracticeDate: date("首次执业日期", "First practised"),
  }),
  t(66, "legal-professional-qualification", "法律职业资格证书", "Legal professional qualification certificate", "justice", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^[A-C]\\d{14,16}$"), grantDate: date("授予日期", "Date granted"),
  }),
  t(67, "notarial-certificate", "公证书", "Notarial certificate", "justice", "person", LONG_TERM, {
    notarialNumber: pattern("公证书编号", "Notarial number", "^\\(\\d{4}\\)[\\u4e00-\\u9fa5]{1,8}证字第\\d{1,8}号$"),
    applicant: ownerPerson("申请人", "Applicant"), matter: text("公证事项", "Matter", { maxLength: 200 }),
    notaryOffice: text("公证机构", "Notary office", { maxLength: 200 }), notary: personName("公证员", "Notary"), notarisedOn: date("出证日期", "Date"),
    "languages?": list("译文语种", "Translations", pattern("语种", "Language (BCP 47)", "^[a-z]{2,3}(-[A-Z]{2})?$"), 1, 10),
  }),

  // Veterans, disabled persons, emergencies, environment, culture ------------------------------
  t(68, "veteran-certificate", "退役军人证", "Veteran certificate", "veterans-affairs", "person", LIFELONG, {
    ...person(), certificateNumber: certificateNumber("^\\d{6}\\d{8,12}$"), enlistmentDate: date("入伍时间", "Enlisted"), dischargeDate: date("退役时间", "Discharged"),
    branch: choice("军种", "Branch", [["army", "陆军", "Army"], ["navy", "海军", "Navy"], ["air-force", "空军", "Air Force"], ["rocket-force", "火箭军", "Rocket Force"], ["armed-police", "武警部队", "Armed Police"], ["other", "其他", "Other"]]),
    dischargeType: choice("退役方式", "Type of discharge", [["demobilised", "退出现役", "Demobilised"], ["retired", "退休", "Retired"], ["transferred", "转业", "Transferred to civilian post"]]),
  }),
  t(69, "disability-certificate", "残疾人证", "Disability certificate", "disabled-persons-federation", "person", years(10), {
    ...person(), certificateNumber: certificateNumber("^\\d{17}[\\dX][1-7][1-4]$", "残疾人证号"), address: address(),
    category: choice("残疾类别", "Category", [["visual", "视力残疾", "Visual"], ["hearing", "听力残疾", "Hearing"], ["speech", "言语残疾", "Speech"], ["physical", "肢体残疾", "Physical"], ["intellectual", "智力残疾", "Intellectual"], ["mental", "精神残疾", "Mental"], ["multiple", "多重残疾", "Multiple"]]),
    grade: integer("残疾等级", "Grade", 1, 4),
    "guardian?": object("监护人", "Guardian", { name: personName(), relationship: text("关系", "Relationship", { maxLength: 20 }), mobile: mobile() }),
  }),
  t(70, "special-operations-certificate", "特种作业操作证", "Special operations certificate", "emergency-management", "person", years(6), {
    ...person(), operationCategory: text("作业类别", "Category"), operationItem: text("操作项目", "Operation"), firstIssueDate: date("初领日期", "First issued"),
  }),
  t(71, "safety-production-licence", "安全生产许可证", "Work safety licence", "emergency-management", "organisation", years(3), {
    ...organisation(), licenceNumber: pattern("编号", "Licence number", "^\\([\\u4e00-\\u9fa5]\\)[\\u4e00-\\u9fa5]{1,6}安许证字\\[\\d{4}\\]\\d{1,8}$"), address: address("单位地址", "Address"),
    scope: longText("许可范围", "Scope"),
  }),
  t(72, "pollutant-discharge-permit", "排污许可证", "Pollutant discharge permit", "ecology-environment", "organisation", years(5), {
    ...organisation(), permitNumber: pattern("证书编号", "Permit number", "^[0-9A-HJ-NPQRTUWXY]{18}\\d{3}[PUVWXYZ]$"), industry: text("行业类别", "Industry"),
    address: address("生产经营场所地址", "Site address"),
    pollutants: list("主要污染物", "Main pollutants", object("污染物", "Pollutant", {
      medium: choice("类别", "Medium", [["air", "废气", "Air"], ["water", "废水", "Water"], ["noise", "噪声", "Noise"], ["solid", "固体废物", "Solid waste"]]),
      name: text("名称", "Name", { maxLength: 50 }), "annualLimitTonnes?": decimal("年许可排放量（吨）", "Annual limit (t)", 0, 1e9),
    }), 1, 50),
  }),
  t(73, "tour-guide-licence", "导游证", "Tour guide licence", "culture-tourism", "person", years(3), {
    ...person(), certificateNumber: certificateNumber("^D-\\d{4}-\\d{6}$"), languages: list("语种", "Languages", text("语种", "Language", { maxLength: 20 }), 1, 10),
    level: choice("等级", "Level", [["junior", "初级", "Junior"], ["intermediate", "中级", "Intermediate"], ["senior", "高级", "Senior"], ["special", "特级", "Special"]]),
    "agency?": text("执业机构", "Agency", { maxLength: 200 }),
  }),
  t(74, "travel-agency-licence", "旅行社业务经营许可证", "Travel agency licence", "culture-tourism", "organisation", LONG_TERM, {
    ...organisation(), licenceNumber: pattern("许可证编号", "Licence number", "^[LR]-[A-Z]{2}-\\d{5}$"), address: address("经营场所", "Premises"),
    outbound: flag("出境旅游业务", "Outbound tourism"), "website?": formatted("uri", "网址", "Website"), "contactEmail?": email(),
  }),
]);
