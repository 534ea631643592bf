/**
 * Agencies' batch files for the tests and the bench: diploma rows with Chinese (or English) column
 * titles, written as CSV in GB18030 or UTF-8 with a byte order mark, as Excel on Chinese Windows does.
 */
import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { getCertificateType, sampleFields } from "../../src/domain/catalog";
import { csvLine } from "../../src/intake";

/** Diploma field paths and their Chinese titles, in the catalog's order. */
export const DIPLOMA_ZH: Record<string, string> = {
  name: "姓名",
  gender: "性别",
  birthDate: "出生日期",
  idNumber: "公民身份号码",
  certificateNumber: "证书编号",
  institution: "学校名称",
  major: "专业",
  level: "学历层次",
  studyMode: "学习形式",
  enrolmentDate: "入学日期",
  graduationDate: "毕业日期",
};

/** A distinct, valid holder address per row (any 20 bytes are an address). */
export const holderOf = (i: number) => `0x${createHash("sha256").update(`holder ${i}`).digest("hex").slice(0, 40)}`;

/** n rows of valid diploma fields (the catalog's samples, cycled), each for its own holder. */
export function diplomaRows(n: number, first = 0): { holder: string; fields: Record<string, string> }[] {
  const samples = Array.from({ length: 16 }, (_, i) => sampleFields("diploma", i) as Record<string, string>);
  return Array.from({ length: n }, (_, k) => ({ holder: holderOf(first + k), fields: samples[(first + k) % 16] }));
}

/** CSV text: 持有人 + the Chinese titles (or the field paths), one line per row. */
export function diplomaCsv(
  rows: { holder: string; fields: Record<string, string> }[],
  headers: "zh" | "paths" = "zh",
): string {
  const keys = Object.keys(DIPLOMA_ZH);
  return (
    csvLine([headers === "zh" ? "持有人" : "holder", ...keys.map((k) => (headers === "zh" ? DIPLOMA_ZH[k] : k))]) +
    rows.map((r) => csvLine([r.holder, ...keys.map((k) => r.fields[k])])).join("")
  );
}

export const gb18030 = (text: string) => iconv.encode(text, "gb18030");
export const utf8Bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);

/** The Chinese title path of a field path of `type` ("address.city" → "住址.市"), from its JSON Schema. */
export function zhTitleOf(type: string, fieldPath: string): string {
  let s = getCertificateType(type)!.schema as Record<string, unknown>;
  return fieldPath
    .split(".")
    .map((k) => {
      s = (s.properties as Record<string, Record<string, unknown>>)[k];
      return String(s.title);
    })
    .join(".");
}

function flatten(o: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, p));
    else out[p] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** CSV text of any type's rows with Chinese title paths as the header (nested objects flattened). */
export function titledCsv(type: string, rows: { holder: string; fields: Record<string, unknown> }[]): string {
  const flat = rows.map((r) => flatten(r.fields));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  return (
    csvLine(["持有人", ...paths.map((p) => zhTitleOf(type, p))]) +
    rows.map((r, i) => csvLine([r.holder, ...paths.map((p) => flat[i][p])])).join("")
  );
}
