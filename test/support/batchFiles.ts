/**
 * Agencies' batch files for the tests and the bench: diploma rows with Chinese (or English) column
 * titles, written as CSV in GB18030 or UTF-8 with a byte order mark, as Excel on Chinese Windows does.
 */
import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { sampleFields } from "../../src/domain/catalog";
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
