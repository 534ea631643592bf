/**
 * Certificate type names and field labels for the pages, from the catalog the gateway validates
 * with (src/domain/catalog), bundled so the pages need no extra round trip to label a field.
 */
import { CERTIFICATE_TYPES, type CertificateType } from "../domain/catalog/certificateTypes";
import { lang } from "./i18n";

type Schema = Record<string, unknown>;

const BY_CODE = new Map(CERTIFICATE_TYPES.map((t) => [t.code, t]));

export const TYPES: readonly CertificateType[] = CERTIFICATE_TYPES;

export function typeOf(code: string): CertificateType | undefined {
  return BY_CODE.get(code);
}

export function typeName(code: string): string {
  const t = BY_CODE.get(code);
  if (!t) return code;
  return lang() === "zh" ? t.nameZh : t.nameEn;
}

export function titleOf(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  return (
    (lang() === "zh" ? (schema.title as string) : ((schema["x-title-en"] as string) ?? (schema.title as string))) ??
    undefined
  );
}

/** The sub-schema at a canonical field path (a.b, a[0].c), following properties and items. */
export function schemaAt(root: Schema | undefined, path: string): Schema | undefined {
  let s: Schema | undefined = root;
  for (const seg of path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "")) {
    if (!s) return undefined;
    if (/^\d+$/.test(seg)) s = s.items as Schema | undefined;
    else s = (s.properties as Record<string, Schema> | undefined)?.[seg];
  }
  return s;
}

/** "Address › City" style label for a field path, in the current language. */
export function fieldLabel(typeCode: string, path: string): string {
  const root = BY_CODE.get(typeCode)?.schema as Schema | undefined;
  const parts: string[] = [];
  let prefix = "";
  for (const seg of path.split(".")) {
    prefix = prefix ? `${prefix}.${seg}` : seg;
    const m = /^(.*?)(\[(\d+)\])?$/.exec(seg)!;
    const title = titleOf(schemaAt(root, prefix.replace(/\[\d+\]$/, "")));
    parts.push(`${title ?? m[1]}${m[3] !== undefined ? ` ${Number(m[3]) + 1}` : ""}`);
  }
  return parts.join(" › ");
}

/** Label of an enum value, when the schema gives one (x-enum-titles parallel to enum). */
export function valueLabel(typeCode: string, path: string, value: unknown): string {
  const s = schemaAt(BY_CODE.get(typeCode)?.schema as Schema | undefined, path.replace(/\[\d+\]/g, "[0]"));
  const en = s?.enum as unknown[] | undefined;
  const titles = s?.["x-enum-titles"] as Array<{ zh?: string; en?: string } | string[]> | undefined;
  if (en && titles) {
    const i = en.indexOf(value);
    const t = titles[i] as unknown;
    if (Array.isArray(t)) return String(lang() === "zh" ? t[0] : (t[1] ?? t[0]));
    if (t && typeof t === "object") return String((t as Record<string, string>)[lang()] ?? value);
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
