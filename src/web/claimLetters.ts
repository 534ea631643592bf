/**
 * Claim letters (src/domain/claims.ts): the batch answer carries each offer's claim code once, so the
 * console shows them at once, one letter per offer with the code and its QR code (the wallet link, the
 * code in its fragment), ready to print (A4, one letter a page) or to copy into the agency's own channel.
 */
import { typeName } from "./catalog";
import { formatTime, has, t } from "./i18n";
import { qrImage } from "./print";
import { copyButton, h, tx } from "./ui";

export interface ClaimOfferOut {
  index: number;
  offerId: string;
  expiresAt: number;
  claimCode?: string;
  claimLink?: string;
}

/** The name of an identity field as the letter and the wallet show it. */
export function referenceFieldName(name: string): string {
  const k = `claim.field.${name}`;
  return has(k) ? t(k) : name;
}

/**
 * The letters of `offers` (as the batch answer gave them, codes included) for rows `rowOf(index)`, with
 * the identity fields each asks for.
 */
export function claimLetters(
  offers: ClaimOfferOut[],
  opts: { type: string; agency: string; fields: (index: number) => string[]; rowOf: (index: number) => number },
): HTMLElement {
  const withCodes = offers.filter((o) => o.claimCode);
  const list = h(
    "ul",
    { class: "list", id: "agency-claim-codes" },
    withCodes.map((o) =>
      h(
        "li",
        { "data-offer-id": o.offerId },
        h("span", { class: "muted", t: "agency.claimRow", vars: { row: opts.rowOf(o.index) } }),
        " ",
        h("code", { class: "claim-code", translate: "no" }, o.claimCode!),
        copyButton(() => o.claimCode!),
      ),
    ),
  );
  const print = h("button", { type: "button", id: "agency-claim-print", t: "agency.claimLettersPrint" });
  print.addEventListener("click", async () => {
    document.getElementById("print-sheet")?.remove();
    const sheet = h("section", { class: "print-sheet", id: "print-sheet" });
    for (const o of withCodes)
      sheet.append(
        h(
          "article",
          { class: "claim-letter", "data-offer-id": o.offerId },
          h("h2", null, t("agency.claimLetterTitle")),
          h("p", null, opts.agency),
          h(
            "p",
            null,
            t("agency.claimLetterBody", {
              type: typeName(opts.type),
              fields: opts.fields(o.index).map(referenceFieldName).join(t("common.listSeparator")),
              time: formatTime(o.expiresAt),
            }),
          ),
          h("p", { class: "claim-code claim-code-large", translate: "no" }, o.claimCode!),
          o.claimLink ? await qrImage(o.claimLink) : null,
        ),
      );
    document.body.append(sheet);
    document.body.classList.add("has-print-sheet");
    window.print();
  });
  return h(
    "div",
    { id: "agency-claims" },
    h("h3", { t: "agency.claimLetters" }),
    h("p", { class: "warning", t: "agency.claimLettersHint" }),
    list,
    h("div", { class: "row" }, print),
    withCodes.length < offers.length ? tx("agency.claimCodesShownBefore") : null,
  );
}
