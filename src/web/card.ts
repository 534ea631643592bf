/**
 * The certificate card, the one way the wallet, the verify page, the counter and the printed sheet
 * show a certificate: the type's name, the issuing agency, the holder's name (and photo, where the type
 * has one), the main fields, the validity and a status badge, all in the page's language; the other
 * fields and the hex ids (certId, batch root, addresses) sit in a collapsed details view. Which fields
 * are main comes from the catalog (cardLayout in src/domain/catalog/layout.ts), never from the page.
 *
 * A field the holder hid is shown as hidden, not left out: the layout's fields are required by the
 * type's schema, so a main field missing from the disclosed ones was redacted. A card redraws itself
 * when the language changes.
 */
import { cardLayout } from "../domain/catalog/layout";
import { fieldLabel, isKnownParty, partyName, sortPaths, typeName, valueLabel } from "./catalog";
import { codeText, onLangChange, t } from "./i18n";
import { formatDate, h, verdictView } from "./ui";

export interface CardData {
  typeCode: string;
  /**
   * Disclosed field values by canonical path (name, address.city, parties[0].name...); undefined when
   * the fields are not shown at all (a verdict that is not VALID discloses nothing).
   */
  fields?: Record<string, unknown>;
  /** How many fields the holder hid. */
  hiddenCount?: number;
  /** The issuing agency's registered name (shown in the page's language when the catalog has it). */
  issuer?: string;
  validFrom?: number;
  validUntil?: number;
  /**
   * The badge: a ledger status (ACTIVE, REVOKED, SUSPENDED, SUPERSEDED, EXPIRED, NOT_YET_VALID, PENDING,
   * UNKNOWN), VALID, or INVALID for a verdict whose reason is not a status.
   */
  status?: string;
  /** The agency's reason code for the status (ISSUED_IN_ERROR...). */
  statusReason?: string;
  /** Hex ids for the details view, in this order: label key → value. */
  ids?: { certId?: string; batchRoot?: string; agency?: string; issuerKey?: string; holder?: string };
}

/** The card's badge for a verdict: its status reason when it has one, else VALID or INVALID. */
export function badgeOfVerdict(valid: boolean, reasons: readonly string[]): string {
  if (valid) return "VALID";
  const statuses = ["REVOKED", "SUSPENDED", "SUPERSEDED", "EXPIRED", "NOT_YET_VALID"];
  return reasons.find((r) => statuses.includes(r)) ?? "INVALID";
}

const GOOD = new Set(["VALID", "ACTIVE", "ISSUED"]);

function badgeText(status: string): string {
  if (status === "VALID" || status === "INVALID") return codeText("verdict", status);
  return codeText("status", status);
}

/** The value of a main field: its leaves joined on one line ("广东省 深圳市 福田区 …"). */
function lineValue(typeCode: string, fields: Record<string, unknown>, key: string): string | undefined {
  const leaves = sortPaths(
    typeCode,
    Object.keys(fields).filter((p) => p === key || p.startsWith(`${key}.`)),
  );
  if (!leaves.length) return undefined;
  return leaves.map((p) => valueLabel(typeCode, p, fields[p])).join(" ");
}

function hiddenMark(): HTMLElement {
  return h("span", { class: "field-hidden", "data-hidden": "true" }, t("card.hidden"));
}

function render(d: CardData): Child[] {
  const layout = cardLayout(d.typeCode);
  const status = d.status ?? "PENDING";
  const fields = d.fields;
  const value = (key: string) => {
    if (!fields) return null;
    const v = lineValue(d.typeCode, fields, key);
    return v === undefined ? hiddenMark() : h("span", { translate: "no" }, v);
  };
  const isHidden = (key: string) => !!fields && lineValue(d.typeCode, fields, key) === undefined;
  const mainKeys = new Set([layout.holderName, layout.photo, ...layout.main].filter(Boolean) as string[]);
  const others = fields
    ? sortPaths(
        d.typeCode,
        Object.keys(fields).filter((p) => !p.startsWith("@") && !mainKeys.has(p.split(/[.[]/)[0])),
      )
    : [];
  const ids = Object.entries(d.ids ?? {}).filter(([, v]) => !!v) as [string, string][];
  return [
    h(
      "header",
      { class: "cert-card-head" },
      h(
        "div",
        { class: "cert-card-title" },
        h("h3", { class: "cert-card-type" }, typeName(d.typeCode)),
        d.issuer
          ? h(
              "p",
              {
                class: "cert-card-issuer",
                "data-issuer": d.issuer,
                translate: isKnownParty(d.issuer) ? undefined : "no",
              },
              t("verdict.issuer", { name: partyName(d.issuer) }),
            )
          : null,
      ),
      h(
        "span",
        { class: `badge status cert-badge ${GOOD.has(status) ? "ok" : "bad"}`, "data-status": status },
        badgeText(status),
      ),
    ),
    d.statusReason
      ? h(
          "p",
          { class: "cert-card-reason status-reason", "data-reason": d.statusReason },
          codeText("statusReason", d.statusReason),
        )
      : null,
    fields
      ? h(
          "div",
          { class: "cert-card-body" },
          layout.photo
            ? h(
                "figure",
                { class: "cert-card-photo", "data-field": layout.photo },
                typeof fields[layout.photo] === "string"
                  ? h("img", { src: String(fields[layout.photo]), alt: fieldLabel(d.typeCode, layout.photo) })
                  : hiddenMark(),
              )
            : null,
          layout.holderName
            ? h(
                "p",
                {
                  class: "cert-card-holder",
                  "data-field": layout.holderName,
                  "data-hidden": isHidden(layout.holderName) ? "true" : undefined,
                },
                h("span", { class: "cert-card-label" }, fieldLabel(d.typeCode, layout.holderName)),
                h("strong", null, value(layout.holderName)),
              )
            : null,
          h(
            "dl",
            { class: "cert-card-fields" },
            layout.main.map((k) =>
              h(
                "div",
                { "data-field": k, "data-hidden": isHidden(k) ? "true" : undefined },
                h("dt", null, fieldLabel(d.typeCode, k)),
                h("dd", null, value(k)),
              ),
            ),
          ),
        )
      : null,
    d.validFrom !== undefined && d.validUntil !== undefined
      ? h(
          "p",
          { class: "cert-card-validity", "data-valid-from": d.validFrom, "data-valid-until": d.validUntil },
          t("verdict.validity", { from: formatDate(d.validFrom), until: formatDate(d.validUntil) }),
        )
      : null,
    others.length || ids.length || d.hiddenCount
      ? h(
          "details",
          { class: "cert-card-details" },
          h("summary", null, t("card.details")),
          others.length
            ? h(
                "table",
                { class: "fields" },
                others.map((p) =>
                  h(
                    "tr",
                    { "data-field": p },
                    h("th", null, fieldLabel(d.typeCode, p)),
                    h("td", { translate: "no" }, valueLabel(d.typeCode, p, fields![p])),
                  ),
                ),
              )
            : null,
          d.hiddenCount
            ? h("p", { class: "muted hidden-count" }, t("card.hiddenCount", { count: d.hiddenCount }))
            : null,
          ids.length
            ? h(
                "dl",
                { class: "cert-card-ids" },
                ids.map(([k, v]) =>
                  h(
                    "div",
                    { "data-id": k },
                    h("dt", null, t(`card.${k}`)),
                    h("dd", { class: "mono", translate: "no" }, v),
                  ),
                ),
              )
            : null,
        )
      : null,
  ];
}

type Child = Node | string | null;

// What each card shows, for its redraws. Cards are held weakly: a list drawn again keeps no old card alive.
const shown = new WeakMap<HTMLElement, CardData>();
const cards = new Set<WeakRef<HTMLElement>>();

function draw(el: HTMLElement, d: CardData): void {
  el.dataset.type = d.typeCode;
  el.dataset.status = d.status ?? "PENDING";
  // Keep the details open across a redraw (a status arriving, the language switching).
  const open = el.querySelector<HTMLDetailsElement>(".cert-card-details")?.open ?? false;
  el.replaceChildren(...(render(d).filter((c) => c !== null) as Node[]));
  const details = el.querySelector<HTMLDetailsElement>(".cert-card-details");
  if (details) details.open = open;
}

/** A certificate card; it follows the language switch while it is in the page. */
export function certCard(d: CardData): HTMLElement {
  const el = h("article", { class: "cert-card" });
  draw(el, d);
  shown.set(el, d);
  cards.add(new WeakRef(el));
  return el;
}

/** Updates what a card shows (its status arriving from the ledger, say) and redraws it. */
export function updateCard(el: HTMLElement, patch: Partial<CardData>): void {
  const d = { ...(shown.get(el) ?? { typeCode: el.dataset.type ?? "" }), ...patch };
  shown.set(el, d);
  draw(el, d);
}

onLangChange(() => {
  for (const ref of cards) {
    const el = ref.deref();
    if (!el) cards.delete(ref);
    else if (el.isConnected) draw(el, shown.get(el)!);
  }
});

/**
 * A verdict (VALID, or INVALID with its reasons) over the card of the certificate it is about: the
 * answer on the verify page, at the counter and in the wallet after presenting.
 */
export function verdictCard(
  valid: boolean,
  reasons: string[],
  card?: CardData,
  presentedBy?: PresentedBy,
): HTMLElement {
  return h(
    "div",
    { class: "verdict-card" },
    verdictView({ valid, reasons }),
    // Who presented: not the holder but the holder's delegate, on the holder's consent.
    presentedBy
      ? h("p", {
          class: "presented-by",
          "data-delegate": presentedBy.delegate,
          "data-delegation": presentedBy.delegationId,
          t: "verdict.presentedBy",
          vars: { delegate: presentedBy.delegate, delegation: presentedBy.delegationId },
        })
      : null,
    card && reasons[0] !== "MALFORMED"
      ? certCard({ ...card, status: card.status ?? badgeOfVerdict(valid, reasons) })
      : null,
  );
}

/** A verdict's `presentedBy`: the delegate who presented the certificate and the holder's delegation. */
export interface PresentedBy {
  delegate: string;
  delegationId: string;
}
