/**
 * The printed certificate: an A4 sheet (print CSS in styles.css, `@page { size: A4 }`) holding the
 * certificate card and, when the holder made one, the QR code of a verification link. The browser's
 * print dialog prints it or saves it as PDF; on screen the sheet is a preview under the page.
 *
 * The QR code is drawn here, in the browser, because the link carries its key in the URL fragment,
 * which must never reach a server (see src/domain/share.ts).
 */
import QRCode from "qrcode";
import { formatTime, t } from "./i18n";
import { h } from "./ui";

export interface PrintQr {
  /** The full verification link, fragment (its key) included. */
  url: string;
  /** The link's terms as the holder chose them, in words. */
  terms: string;
}

/** The sheet's QR code as an inline SVG image. */
export async function qrImage(url: string): Promise<HTMLImageElement> {
  const svg = await QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
  return h("img", {
    class: "print-qr-image",
    alt: "QR",
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
  });
}

/**
 * Puts the A4 sheet for `card` into the page (replacing an earlier one) and returns it. With `qr`, the
 * sheet carries its code; without, `note` says why there is none.
 */
export async function showPrintSheet(card: HTMLElement, qr?: PrintQr, note?: string): Promise<HTMLElement> {
  const sheet = h(
    "section",
    { class: "print-sheet", id: "print-sheet", "data-qr": qr ? "yes" : "no" },
    h("div", { class: "print-card" }, card),
    qr
      ? h(
          "figure",
          { class: "print-qr", id: "print-qr" },
          await qrImage(qr.url),
          h("figcaption", null, h("strong", null, t("print.scan")), h("span", { class: "print-terms" }, qr.terms)),
        )
      : null,
    note ? h("p", { class: "print-note", id: "print-note" }, note) : null,
    h("p", { class: "print-footer" }, `${t("app.name")} · ${t("print.printedAt", { time: formatTime(new Date()) })}`),
  );
  // Nothing can be clicked on paper: the details (the ids) are printed open.
  card.querySelectorAll("details").forEach((d) => (d.open = true));
  // The sheet is printed alone: everything else in the body is hidden by the print CSS (body.printing).
  document.getElementById("print-sheet")?.remove();
  document.body.append(sheet);
  document.body.classList.add("has-print-sheet");
  return sheet;
}

/** A button that opens the browser's print dialog on the sheet. */
export function printButton(): HTMLButtonElement {
  const b = h("button", { type: "button", id: "print-now", t: "print.print" });
  b.addEventListener("click", () => window.print());
  return b;
}
