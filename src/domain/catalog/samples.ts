/**
 * sampleFields(typeCode, seed): deterministic, valid, made-up fields for any certificate type, for the
 * demo seed, tests and benchmarks. Driven by the schema (formats, enums, patterns, ranges), so a new
 * type gets samples without code here; identifiers carry correct check digits, and the birth date and
 * sex beside an ID number are the ones it encodes. All people and companies are fictional.
 */
import { getCertificateType, type CertificateTypeRef } from "./lookup";
import { CREDIT_CODE_ALPHABET, creditCodeCheckChar, idNumberCheckChar, idNumberFacts } from "./identifiers";
import type { JsonSchema } from "./schemaKit";

type Rng = () => number;

/** mulberry32 seeded with FNV-1a of the seed text: tiny, fast, and the same in Node and browsers. */
function rngFor(seed: string): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: ArrayLike<T>): T => items[Math.floor(rng() * items.length)];
const pad = (n: number, width: number) => String(n).padStart(width, "0");

const SURNAMES = [["王", "WANG"], ["李", "LI"], ["张", "ZHANG"], ["刘", "LIU"], ["陈", "CHEN"], ["杨", "YANG"], ["黄", "HUANG"], ["赵", "ZHAO"], ["吴", "WU"], ["周", "ZHOU"]] as const; // prettier-ignore
const GIVEN = [["伟", "WEI"], ["芳", "FANG"], ["娜", "NA"], ["敏", "MIN"], ["静", "JING"], ["强", "QIANG"], ["磊", "LEI"], ["洋", "YANG"], ["艳", "YAN"], ["勇", "YONG"], ["婷", "TING"], ["浩然", "HAORAN"]] as const; // prettier-ignore
const REGIONS = ["440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "110105", "310104", "420106", "510107"]; // prettier-ignore
const DISTRICTS = ["罗湖区", "福田区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区"];
const STREETS = ["深南大道", "滨海大道", "北环大道", "华强北路", "科技园路", "宝安大道"];
const COMPANY_WORDS = ["鹏城", "前海", "南山", "华强", "光明", "蛇口", "科创", "湾区"];
const COMPANY_KINDS = ["科技有限公司", "贸易有限公司", "餐饮管理有限公司", "建设工程有限公司", "医疗器械有限公司"];

const UNIVERSITIES = [
  "深圳大学",
  "南方科技大学",
  "哈尔滨工业大学（深圳）",
  "深圳技术大学",
  "深圳职业技术大学",
  "深圳市第二高级中学",
];
const HOSPITALS = [
  "深圳市人民医院",
  "北京大学深圳医院",
  "深圳市妇幼保健院",
  "南方医科大学深圳医院",
  "香港大学深圳医院",
];
const WORDS: Record<string, readonly string[]> = {
  major: ["计算机科学与技术", "临床医学", "法学", "金融学", "土木工程", "电子信息工程"],
  discipline: ["工学", "理学", "法学", "经济学", "医学", "管理学"],
  occupation: ["电工", "焊工", "育婴员", "中式烹调师", "汽车维修工"],
  rightType: ["国有建设用地使用权/房屋所有权"],
  use: ["城镇住宅用地/住宅", "商服用地/商业"],
  businessScope: ["一般经营项目：软件开发；信息技术咨询服务；货物进出口。", "餐饮服务；食品销售；日用百货销售。"],
  purpose: ["就业", "出国（境）", "入学", "资格认定"],
  vaccine: ["乙肝疫苗", "卡介苗", "脊灰疫苗", "百白破疫苗", "麻腮风疫苗"],
  relationship: ["户主", "配偶", "子", "女", "父亲", "母亲"],
  qualification: ["注册会计师", "一级建造师", "执业药师", "注册消防工程师"],
  series: ["工程技术", "卫生", "教育", "经济"],
  specialty: ["电子信息", "建筑工程", "护理", "会计"],
};

function company(rng: Rng): string {
  return pick(rng, ["深圳", "深圳市", "广东"]) + pick(rng, COMPANY_WORDS) + pick(rng, COMPANY_KINDS);
}

function isoDate(rng: Rng, fromYear: number, toYear: number): string {
  const y = int(rng, fromYear, toYear);
  const m = int(rng, 1, 12);
  const d = int(rng, 1, 28);
  return `${y}-${pad(m, 2)}-${pad(d, 2)}`;
}

function idNumber(rng: Rng): string {
  const birth = isoDate(rng, 1950, 2005).replace(/-/g, "");
  const first17 = pick(rng, REGIONS) + birth + pad(int(rng, 0, 999), 3);
  return first17 + idNumberCheckChar(first17);
}

function creditCode(rng: Rng): string {
  let body = "";
  for (let i = 0; i < 9; i++) body += pick(rng, CREDIT_CODE_ALPHABET);
  const first17 = pick(rng, ["91", "92", "52", "12"]) + pick(rng, REGIONS.slice(0, 8)) + body;
  return first17 + creditCodeCheckChar(first17);
}

// A generator for the regular-expression subset the catalog's patterns use: anchors, literals,
// escapes (\d \( \) \[ \] \uXXXX), classes with ranges, (?:...) groups with |, and ? * + {n} {n,m}.
type Node = { kind: "chars"; set: string[] } | { kind: "alt"; options: Item[][] };
type Item = { node: Node; min: number; max: number };

function expandClass(body: string): string[] {
  const chars: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\") {
      if (body[i + 1] === "d") { tokens.push("0-9"); i++; continue; } // prettier-ignore
      if (body[i + 1] === "u") { tokens.push(String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16))); i += 5; continue; } // prettier-ignore
      tokens.push(body[i + 1]);
      i++;
    } else tokens.push(body[i]);
  }
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === "0-9") for (let c = 48; c <= 57; c++) chars.push(String.fromCharCode(c));
    else if (tokens[i + 1] === "-" && i + 2 < tokens.length) {
      const lo = tokens[i].charCodeAt(0);
      // The CJK range is huge and mostly rare characters: samples use common ones from it.
      if (lo === 0x4e00) chars.push(..."粤深圳市南山福田宝安龙岗罗湖盐田光明坪华");
      else for (let c = lo; c <= tokens[i + 2].charCodeAt(0); c++) chars.push(String.fromCharCode(c));
      i += 2;
    } else chars.push(tokens[i]);
  }
  return chars;
}

function parseRegex(src: string): Item[][] {
  let i = 0;
  function sequence(): Item[][] {
    const options: Item[][] = [[]];
    while (i < src.length && src[i] !== ")") {
      const c = src[i];
      let node: Node;
      if (c === "^" || c === "$") { i++; continue; } // prettier-ignore
      if (c === "|") { options.push([]); i++; continue; } // prettier-ignore
      if (c === "(") {
        i += src.startsWith("(?:", i) ? 3 : 1;
        node = { kind: "alt", options: sequence() };
        i++; // ")"
      } else if (c === "[") {
        let j = i + 1;
        while (src[j] !== "]" || src[j - 1] === "\\") j++;
        node = { kind: "chars", set: expandClass(src.slice(i + 1, j)) };
        i = j + 1;
      } else if (c === "\\") {
        const e = src[i + 1];
        if (e === "d") node = { kind: "chars", set: "0123456789".split("") };
        else if (e === "u") {
          node = { kind: "chars", set: [String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16))] };
          i += 4;
        } else node = { kind: "chars", set: [e] };
        i += 2;
      } else {
        node = { kind: "chars", set: [c] };
        i++;
      }
      let min = 1;
      let max = 1;
      if (src[i] === "?") [min, max, i] = [0, 1, i + 1];
      else if (src[i] === "*") [min, max, i] = [0, 2, i + 1];
      else if (src[i] === "+") [min, max, i] = [1, 3, i + 1];
      else if (src[i] === "{") {
        const close = src.indexOf("}", i);
        const [lo, hi] = src.slice(i + 1, close).split(",");
        min = Number(lo);
        max = hi === undefined ? min : hi === "" ? min + 2 : Number(hi);
        i = close + 1;
      }
      options[options.length - 1].push({ node, min, max });
    }
    return options;
  }
  return sequence();
}

function generate(options: Item[][], rng: Rng): string {
  let out = "";
  for (const item of pick(rng, options)) {
    const n = int(rng, item.min, item.max);
    for (let k = 0; k < n; k++)
      out += item.node.kind === "chars" ? pick(rng, item.node.set) : generate(item.node.options, rng);
  }
  return out;
}

const patternCache = new Map<string, Item[][]>();
export function sampleForPattern(pattern: string, rng: Rng): string {
  let parsed = patternCache.get(pattern);
  if (!parsed) patternCache.set(pattern, (parsed = parseRegex(pattern)));
  return generate(parsed, rng);
}

interface Person {
  name: string;
  latin: string;
}
function person(rng: Rng): Person {
  const [s, sl] = pick(rng, SURNAMES);
  const [g, gl] = pick(rng, GIVEN);
  return { name: s + g, latin: `${sl}, ${gl}` };
}

const FUTURE_KEYS = /until|expected/i;

function stringSample(key: string, schema: Record<string, unknown>, rng: Rng, who: Person): string {
  switch (schema.format) {
    case "resident-id-number": return idNumber(rng); // prettier-ignore
    case "unified-social-credit-code": return creditCode(rng); // prettier-ignore
    case "cn-mobile": return `1${pick(rng, ["3", "5", "8", "9"])}${pad(int(rng, 0, 999_999_999), 9)}`; // prettier-ignore
    case "cn-postcode": return `518${pad(int(rng, 0, 999), 3)}`; // prettier-ignore
    case "date": return FUTURE_KEYS.test(key) ? isoDate(rng, 2030, 2060) : isoDate(rng, 1995, 2024); // prettier-ignore
    case "date-time": return `${isoDate(rng, 2015, 2024)}T${pad(int(rng, 0, 23), 2)}:${pad(int(rng, 0, 59), 2)}:00+08:00`; // prettier-ignore
    case "email": return `contact${int(rng, 1, 9999)}@example.cn`; // prettier-ignore
    case "uri": return `https://www.example.cn/${int(rng, 1, 9999)}`; // prettier-ignore
  }
  if (Array.isArray(schema.enum)) return pick(rng, schema.enum as string[]);
  if (key === "nameLatin" && typeof schema.pattern === "string") return who.latin;
  if (key === "nationality") return rng() < 0.9 ? "CHN" : pick(rng, ["HKG", "MAC", "SGP", "USA", "GBR"]);
  if (typeof schema.pattern === "string") return sampleForPattern(schema.pattern, rng);
  const max = typeof schema.maxLength === "number" ? schema.maxLength : 100;
  let value: string;
  if (/name$|^name|representative|head|notary|operator|manager/i.test(key) && max <= 50) value = person(rng).name;
  else if (key === "province") value = "广东省";
  else if (key === "city") value = "深圳市";
  else if (key === "district") value = pick(rng, DISTRICTS);
  else if (key === "street") value = `${pick(rng, STREETS)}${int(rng, 1, 9999)}号`;
  else if (/authority$/i.test(key))
    value = `深圳市${pick(rng, DISTRICTS)}${String(schema.title ?? "").replace(/机关$/, "")}机关`;
  else if (key === "ethnicity") value = pick(rng, ["汉族", "壮族", "回族", "满族", "苗族"]);
  else if (key in WORDS) value = pick(rng, WORDS[key]);
  else if (/institution|school/i.test(key) && /学|单位/.test(String(schema.title))) value = pick(rng, UNIVERSITIES);
  else if (/institution/i.test(key)) value = pick(rng, HOSPITALS);
  else if (/institution|school|employer|lawFirm|agency|platform|entityName|tradeName/i.test(key)) value = company(rng);
  else value = `${String(schema.title ?? key)}示例${int(rng, 1, 99)}`;
  return value.slice(0, max);
}

function sample(key: string, schema: JsonSchema, rng: Rng, who: Person): unknown {
  const s = schema as Record<string, unknown>;
  switch (s.type) {
    case "string":
      return stringSample(key, s, rng, who);
    case "integer":
    case "number": {
      // The middle half of a narrow range (a plausible birth weight), the first 10,000 of a wide one.
      const min = s.minimum as number;
      const span = (s.maximum as number) - min;
      const value = span <= 10_000 ? min + span / 4 + (rng() * span) / 2 : min + rng() * 10_000;
      return s.type === "integer" ? Math.round(value) : Math.round(value * 100) / 100;
    }
    case "boolean":
      return rng() < 0.5;
    case "array": {
      const items = s.items as Record<string, unknown>;
      const n = Math.max(s.minItems as number, Math.min(s.maxItems as number, int(rng, 1, 3)));
      if (s.uniqueItems && Array.isArray(items.enum)) {
        const pool = [...(items.enum as string[])];
        return Array.from({ length: n }, () => pool.splice(Math.floor(rng() * pool.length), 1)[0]);
      }
      return Array.from({ length: n }, () => sample(key, items, rng, person(rng)));
    }
    case "object":
      return sampleObject(s, rng, who);
  }
  throw new Error(`sampleFields: no generator for schema type ${String(s.type)}`);
}

function sampleObject(schema: Record<string, unknown>, rng: Rng, who: Person): Record<string, unknown> {
  const props = schema.properties as Record<string, JsonSchema>;
  const required = new Set(schema.required as string[]);
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(props)) {
    // Optional fields appear about half the time, so consumers see both shapes.
    if (!required.has(key) && rng() < 0.5) continue;
    const s = sub as Record<string, unknown>;
    if (key === "name" && s.maxLength === 50) out[key] = who.name;
    // A nested person (mother, owner, guardian) is somebody else.
    else if (s.type === "object") out[key] = sampleObject(s, rng, person(rng));
    else out[key] = sample(key, sub, rng, who);
  }
  if (typeof out.idNumber === "string") {
    const facts = idNumberFacts(out.idNumber);
    if ("birthDate" in out) out.birthDate = facts.birthDate;
    if ("gender" in out) out.gender = facts.gender;
    // Life events of the holder happen after they turn 18 (and no later than 2024).
    const adult = Math.min(Number(facts.birthDate.slice(0, 4)) + 18, 2024);
    for (const [key, sub] of Object.entries(props)) {
      const v = out[key];
      if ((sub as Record<string, unknown>).format !== "date" || key === "birthDate" || typeof v !== "string") continue;
      if (!FUTURE_KEYS.test(key) && Number(v.slice(0, 4)) < adult) out[key] = `${int(rng, adult, 2024)}${v.slice(4)}`;
    }
  }
  if (typeof out.enrolmentDate === "string" && typeof out.graduationDate === "string")
    out.enrolmentDate = `${Number(out.graduationDate.slice(0, 4)) - 4}-09-01`;
  if (Array.isArray(out.parties) && out.parties.length === 2) {
    // A marriage registry in mainland China records one man and one woman.
    const [a, b] = out.parties as Record<string, unknown>[];
    if (a.gender === b.gender)
      out.parties = [
        a,
        retry(
          () => sampleObject(itemsOf(props.parties), rng, person(rng)),
          (p) => p.gender !== a.gender,
        ),
      ];
  }
  return out;
}

const itemsOf = (s: JsonSchema) => (s as Record<string, unknown>).items as Record<string, unknown>;

function retry<T>(make: () => T, ok: (value: T) => boolean): T {
  for (let i = 0; i < 50; i++) {
    const v = make();
    if (ok(v)) return v;
  }
  throw new Error("sampleFields: could not satisfy a constraint");
}

/** Valid, deterministic demo fields for a certificate type: same (type, seed) → same fields. */
export function sampleFields(type: CertificateTypeRef, seed: number | string = 0): Record<string, unknown> {
  const certificateType = getCertificateType(type);
  if (!certificateType) throw new Error(`sampleFields: unknown certificate type ${String(type)}`);
  const rng = rngFor(`${certificateType.code}#${seed}`);
  return sampleObject(certificateType.schema as Record<string, unknown>, rng, person(rng));
}
