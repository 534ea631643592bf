/**
 * Certificate type names and field labels for the pages, from the catalog the gateway validates
 * with (src/domain/catalog), bundled so the pages need no extra round trip to label a field.
 */
import { AGENCY_CATEGORIES, agencyNamesOf } from "../domain/catalog/agencies";
import { CERTIFICATE_TYPES, type CertificateType } from "../domain/catalog/certificateTypes";
import { VERIFIER_NAMES } from "../domain/catalog/verifiers";
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

/** Leaf field paths of a type in its schema's order (arrays as [0]), for listing fields as printed. */
function schemaLeafOrder(typeCode: string): string[] {
  const out: string[] = [];
  const walk = (s: Schema | undefined, prefix: string) => {
    if (!s) return;
    if (s.type === "object" && s.properties) {
      for (const [k, sub] of Object.entries(s.properties as Record<string, Schema>))
        walk(sub, prefix ? `${prefix}.${k}` : k);
    } else if (s.type === "array" && s.items) walk(s.items as Schema, `${prefix}[0]`);
    else out.push(prefix);
  };
  walk(BY_CODE.get(typeCode)?.schema as Schema | undefined, "");
  return out;
}

const orderCache = new Map<string, Map<string, number>>();

/** Sorts field paths the way the certificate's schema lists them (unknown paths last, A-Z). */
export function sortPaths(typeCode: string, paths: string[]): string[] {
  let order = orderCache.get(typeCode);
  if (!order) {
    order = new Map(schemaLeafOrder(typeCode).map((p, i) => [p, i]));
    orderCache.set(typeCode, order);
  }
  const rank = (p: string) => order!.get(p.replace(/\[\d+\]/g, "[0]")) ?? Number.MAX_SAFE_INTEGER;
  const index = (p: string) => [...p.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  return [...paths].sort((a, b) => {
    const ia = index(a);
    const ib = index(b);
    for (let i = 0; i < Math.min(ia.length, ib.length); i++) if (ia[i] !== ib[i]) return ia[i] - ib[i];
    return rank(a) - rank(b) || a.localeCompare(b);
  });
}

/** Agencies' and verifiers' registered names (the chain keeps one) with their other language, from the catalog. */
const PARTY_NAMES = new Map<string, { name: string; nameZh: string }>();
for (const n of [...AGENCY_CATEGORIES.map(agencyNamesOf), ...VERIFIER_NAMES]) {
  PARTY_NAMES.set(n.name.toLowerCase(), n);
  PARTY_NAMES.set(n.nameZh, n);
}

/** True when the catalog has `name` (an agency's or a verifier's) in both languages. */
export function isKnownParty(name: string): boolean {
  return PARTY_NAMES.has(name.toLowerCase()) || PARTY_NAMES.has(name);
}

/** An agency's or verifier's name in the current language; a name the catalog lacks is shown as registered. */
export function partyName(name: string): string {
  const n = PARTY_NAMES.get(name.toLowerCase()) ?? PARTY_NAMES.get(name);
  if (!n) return name;
  return lang() === "zh" ? n.nameZh : n.name;
}
