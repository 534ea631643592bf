/** `certledger types [code]`: the certificate type catalog, or one type's fields (the paths a batch CSV uses). */
import type { Command } from "commander";
import { CliError, emit } from "./output";

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  zh?: string;
  en?: string;
  format?: string;
  values?: string[];
}

type Schema = {
  type?: string | string[];
  title?: string;
  "x-title-en"?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
};

/** Flattens a type's JSON Schema into field paths (address.city, children[0].name). */
export function schemaFields(schema: Schema, prefix = "", required = true): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const req = required && (schema.required ?? []).includes(key);
    const type = Array.isArray(sub.type) ? sub.type.join("|") : (sub.type ?? "any");
    if (sub.properties) rows.push(...schemaFields(sub, path, req));
    else if (type === "array" && sub.items?.properties) rows.push(...schemaFields(sub.items, `${path}[0]`, req));
    else
      rows.push({
        path,
        type: type === "array" ? `array of ${sub.items?.type ?? "any"}` : type,
        required: req,
        zh: sub.title,
        en: sub["x-title-en"],
        format: sub.format ?? (sub.pattern ? `/${sub.pattern}/` : undefined),
        values: sub.enum?.map(String),
      });
  }
  return rows;
}

export function registerTypes(program: Command): void {
  program
    .command("types")
    .description("list the certificate types of the catalog, or the fields of one type")
    .argument("[code]", "a type code (e.g. diploma): list its fields instead")
    .action(async (code: string | undefined, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals();
      const { CERTIFICATE_TYPES } = require("../domain/catalog") as typeof import("../domain/catalog");
      if (code === undefined) {
        const items = CERTIFICATE_TYPES.map((t) => ({
          id: t.id,
          code: t.code,
          nameZh: t.nameZh,
          nameEn: t.nameEn,
          agency: t.agency,
          holder: t.holder,
          maxValidityDays: Math.floor(t.maxValiditySeconds / 86_400),
        }));
        const w = Math.max(...items.map((i) => i.code.length));
        emit(opts, { items }, () =>
          [
            `${"id".padStart(3)}  ${"code".padEnd(w)}  name`,
            ...items.map((i) => `${String(i.id).padStart(3)}  ${i.code.padEnd(w)}  ${i.nameZh} / ${i.nameEn}`),
            `${items.length} types; \`certledger types <code>\` lists a type's fields`,
          ].join("\n"),
        );
        return;
      }
      const t = CERTIFICATE_TYPES.find((x) => x.code === code);
      if (!t)
        throw new CliError(
          "UNKNOWN_TYPE",
          `No certificate type ${JSON.stringify(code)} in the catalog; \`certledger types\` lists them.`,
        );
      const fields = schemaFields(t.schema as Schema);
      const w = Math.max(...fields.map((f) => f.path.length));
      emit(
        opts,
        {
          id: t.id,
          code: t.code,
          nameZh: t.nameZh,
          nameEn: t.nameEn,
          maxValiditySeconds: t.maxValiditySeconds,
          fields,
          schema: t.schema,
        },
        () =>
          [
            `${t.code} (id ${t.id}): ${t.nameZh} / ${t.nameEn}`,
            ...fields.map(
              (f) =>
                `  ${f.path.padEnd(w)}  ${f.required ? "*" : " "} ${f.type}${f.format ? ` ${f.format}` : ""}${f.values ? ` {${f.values.join(",")}}` : ""}  ${f.zh ?? ""} / ${f.en ?? ""}`,
            ),
            "  (* required)",
          ].join("\n"),
      );
    });
}
