/**
 * How a certificate of a type is laid out as a card, derived from the type's JSON Schema by one rule
 * rather than written per page or per type (the pages' card renderer, src/web/card.ts, reads it):
 *
 * - the holder's name is the `name` field (persons) or `entityName` (organisations), when the type
 *   has one;
 * - the photo is a top-level string field whose schema says `contentMediaType: image/...` (none of
 *   today's types carries one, so no card shows a photo until a type's schema adds it);
 * - the main fields are the other required top-level fields, in the schema's order, that fit a line:
 *   a value or an object of values (an address, a period), not a list and not free text of more
 *   than 200 characters; at most MAIN_FIELDS_MAX of them;
 * - every other field is shown with the details.
 */
import { CERTIFICATE_TYPES } from "./certificateTypes";
import type { JsonSchema } from "./schemaKit";

export const MAIN_FIELDS_MAX = 8;

export interface CardLayout {
  /** Path of the holder's name, or undefined when the type names no single holder. */
  readonly holderName?: string;
  /** Path of the photo, or undefined. */
  readonly photo?: string;
  /** Top-level paths of the main fields, in the schema's order. */
  readonly main: readonly string[];
}

type Schema = Record<string, unknown>;

const HOLDER_NAME_FIELDS = ["name", "entityName"];

function isScalar(s: Schema): boolean {
  return s.type === "string" || s.type === "number" || s.type === "integer" || s.type === "boolean";
}

function fitsALine(s: Schema): boolean {
  if (isScalar(s)) return !(typeof s.maxLength === "number" && s.maxLength > 200);
  if (s.type === "object" && s.properties)
    return Object.values(s.properties as Record<string, Schema>).every((p) => isScalar(p) && fitsALine(p));
  return false;
}

function isPhoto(s: Schema): boolean {
  return s.type === "string" && typeof s.contentMediaType === "string" && s.contentMediaType.startsWith("image/");
}

/** The card layout of a type's fields schema (exported for tests; pages use cardLayout). */
export function layoutOfSchema(schema: JsonSchema): CardLayout {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const holderName = HOLDER_NAME_FIELDS.find((k) => props[k] && isScalar(props[k]));
  const photo = Object.keys(props).find((k) => isPhoto(props[k]));
  const main = Object.keys(props)
    .filter((k) => k !== holderName && k !== photo && required.has(k) && fitsALine(props[k]))
    .slice(0, MAIN_FIELDS_MAX);
  return Object.freeze({ holderName, photo, main: Object.freeze(main) });
}

const LAYOUTS = new Map(CERTIFICATE_TYPES.map((t) => [t.code, layoutOfSchema(t.schema)]));

/** The card layout of a catalog type; a type the catalog lacks has no holder, photo or main fields. */
export function cardLayout(typeCode: string): CardLayout {
  return LAYOUTS.get(typeCode) ?? { main: [] };
}
