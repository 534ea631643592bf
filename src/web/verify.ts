/**
 * The public verify page: drop (or paste) a certificate document to check its integrity — here, in
 * the browser, with the same library as the gateway — and its status on the ledger; or open a share
 * link (/verify?s=<id>#k=<key>): the page fetches the encrypted document, decrypts it with the key
 * from the fragment, proves it holds the key by signing, and shows the gateway's verdict under the
 * holder's grant.
 */
import { verifyDocumentIntegrity } from "../document";
import { ApiError, get, post } from "./api";
import { fieldLabel, sortPaths, typeName, valueLabel } from "./catalog";
import { decryptForLink, linkKeyFromFragment, signLinkCheck } from "./crypto";
import { EP } from "./endpoints";
import { codeText, t } from "./i18n";
import { readCertificateText } from "./certificateFile";
import { busy, h, notice, section, shell, showError, tx, verdictView } from "./ui";

interface VerifyResult {
  verdict: "VALID" | "INVALID";
  reasons: string[];
  type?: { code: string; name: string };
  disclosed?: Record<string, unknown>;
  redacted?: string[];
  certId?: string;
  usesLeft?: number;
}

const main = shell("verify", "verify.title");
const result = h("div", { id: "verify-result" });

function show(v: VerifyResult, typeCode?: string): void {
  const code = v.type?.code ?? typeCode;
  const labels: Record<string, string> = {};
  const fields: Record<string, unknown> = {};
  for (const path of code ? sortPaths(code, Object.keys(v.disclosed ?? {})) : Object.keys(v.disclosed ?? {})) {
    const value = v.disclosed![path];
    if (path.startsWith("@")) continue;
    labels[path] = code ? fieldLabel(code, path) : path;
    fields[path] = code ? valueLabel(code, path, value) : value;
  }
  result.replaceChildren(
    verdictView(
      {
        valid: v.verdict === "VALID",
        reasons: v.reasons,
        fields,
        hiddenCount: v.redacted?.length,
        typeTitle: code ? typeName(code) : undefined,
      },
      labels,
    ),
  );
  if (v.certId) result.append(h("p", { class: "muted mono", translate: "no" }, v.certId));
}

async function verifyText(text: string): Promise<void> {
  // Integrity first, locally: a tampered document (or a file that is no certificate) never needs the gateway.
  const { document: doc, integrity: local } = readCertificateText(text);
  if (local.code !== "OK") return show({ verdict: "INVALID", reasons: [local.code] });
  const v = await post<VerifyResult>(EP.publicVerify, { document: doc });
  show(v, local.certificateType?.code);
  result.prepend(h("p", { class: "notice info", t: "verify.noConsent" }));
}

function dropSection(): HTMLElement {
  const box = h("div");
  const file = h("input", { type: "file", accept: ".json,application/json", id: "verify-file", hidden: true });
  const zone = h("div", { class: "dropzone", id: "verify-drop", tabindex: 0, role: "button" }, tx("verify.drop"));
  zone.addEventListener("click", () => file.click());
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const f = (e as DragEvent).dataTransfer?.files?.[0];
    if (f) void busy(null, box, async () => verifyText(await f.text()));
  });
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (f) void busy(null, box, async () => verifyText(await f.text()));
    file.value = "";
  });
  const paste = h("textarea", { id: "verify-paste", rows: 4, placeholderT: "verify.paste", spellcheck: false });
  const btn = h("button", { type: "button", id: "verify-check", t: "verify.check" });
  btn.addEventListener("click", () => busy(btn, box, async () => verifyText(paste.value)));
  return section("verify.title", zone, file, paste, h("div", { class: "row" }, btn), box);
}

interface ShareView {
  id: string;
  grantId: string;
  payload: string;
  purpose: string;
  /** The grant's checks so far on chain: this check is use uses + 1. */
  uses: number;
  domain: { chainId: number; verifyingContract: string };
}

async function openShare(id: string, fragment: string): Promise<void> {
  const box = h("div", { id: "verify-share-status" });
  main.prepend(section("verify.share", box));
  notice(box, "info", tx("verify.opening"));
  const key = linkKeyFromFragment(new URLSearchParams(fragment.replace(/^#/, "")).get("k") ?? "");
  if (!key) return void notice(box, "error", t("error.SHARE_LINK_INVALID"), "SHARE_LINK_INVALID");
  try {
    const share = await get<ShareView>(EP.share(id));
    let doc: unknown;
    try {
      doc = JSON.parse(await decryptForLink(key, share.payload));
    } catch {
      return void notice(box, "error", t("error.SHARE_BAD_PROOF"), "SHARE_BAD_PROOF");
    }
    // The check is signed here, with the key from the fragment; the gateway relays it on chain.
    const check = { grantId: share.grantId, use: share.uses + 1, deadline: Math.floor(Date.now() / 1000) + 300 };
    const signature = signLinkCheck(key, share.domain, check);
    const v = await post<VerifyResult>(EP.shareCheck(id), {
      document: doc,
      check: { use: check.use, deadline: check.deadline, signature },
    });
    box.replaceChildren(h("p", { class: "muted" }, codeText("purpose", share.purpose)));
    show(v, verifyDocumentIntegrity(doc).certificateType?.code);
  } catch (err) {
    if (err instanceof ApiError && err.details && typeof err.details === "object" && "reasons" in err.details)
      show({ verdict: "INVALID", reasons: (err.details as { reasons: string[] }).reasons });
    showError(box, err);
  }
}

main.replaceChildren(dropSection(), h("section", { class: "card" }, result));
// Opening the same link again in this tab changes only the fragment (no reload): check it afresh.
window.addEventListener("hashchange", () => {
  if (/[#&]k=/.test(location.hash)) location.reload();
});
const s = new URLSearchParams(location.search).get("s");
if (s) {
  const fragment = location.hash;
  // The key must not linger in the address bar, history or a screenshot; it is in memory now.
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  void openShare(s, fragment);
}
