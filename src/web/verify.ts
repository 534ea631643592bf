/**
 * The public verify page: drop (or paste) a certificate document to check its integrity — here, in
 * the browser, with the same library as the gateway — and its status on the ledger; or open a share
 * link (/verify?s=<id>#k=<key>): the page fetches the encrypted document, decrypts it with the key
 * from the fragment, proves it holds the key by signing, and shows the gateway's verdict under the
 * holder's grant.
 */
import {
  parseStatusListUrl,
  statusFromLists,
  verifyDocumentIntegrity,
  jwkAddress,
  type StatusFromListsReturnType,
  type VerifyDocumentIntegrityReturnType,
} from "../document";
import { ApiError, get, post } from "./api";
import { verdictCard, type CardData, type PresentedBy } from "./card";
import { decryptForLink, linkKeyFromFragment, signLinkCheck } from "./crypto";
import { EP } from "./endpoints";
import { codeText, t } from "./i18n";
import { readCertificateText } from "./certificateFile";
import { busy, h, notice, section, shell, showError, tx } from "./ui";

interface VerifyResult {
  verdict: "VALID" | "INVALID";
  reasons: string[];
  type?: { code: string; name: string };
  issuer?: { agency: string; key: string; name?: string };
  validFrom?: number;
  validUntil?: number;
  batchRoot?: string;
  disclosed?: Record<string, unknown>;
  redacted?: string[];
  certId?: string;
  usesLeft?: number;
  presentedBy?: PresentedBy;
}

const main = shell("verify", "verify.title");
const result = h("div", { id: "verify-result" });

/**
 * Shows a verdict over the certificate's card. `local` is the document the person opened here: its
 * fields are theirs to read, so a VALID card shows them (the gateway's public answer discloses none).
 */
function show(
  v: VerifyResult,
  typeCode?: string,
  local?: { values?: Record<string, unknown>; redactedCount?: number },
): void {
  const code = v.type?.code ?? typeCode;
  const card: CardData | undefined = code
    ? {
        typeCode: code,
        // A verdict that is not VALID discloses nothing: no field is shown, not even as hidden.
        fields: v.verdict === "VALID" ? (local?.values ?? v.disclosed) : undefined,
        hiddenCount: local ? local.redactedCount : v.redacted?.length,
        issuer: v.issuer?.name,
        validFrom: v.validFrom,
        validUntil: v.validUntil,
        ids: { certId: v.certId, batchRoot: v.batchRoot, agency: v.issuer?.agency, issuerKey: v.issuer?.key },
      }
    : undefined;
  result.replaceChildren(verdictCard(v.verdict === "VALID", v.reasons, card, v.presentedBy));
}

/** A whole resource as text (a status list is application/vc+jwt, not JSON). */
async function getText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/vc+jwt, application/vc, application/json" } });
  } catch (err) {
    throw new ApiError("NETWORK", err instanceof Error ? err.message : String(err), 0);
  }
  const text = await res.text();
  if (!res.ok) throw new ApiError(`HTTP_${res.status}`, text.slice(0, 200) || res.statusText, res.status);
  return text;
}

/**
 * Status from the agency's lists, each fetched whole, and its keys from its issuer metadata: the gateway
 * learns the agency, never the certificate (docs/decisions/0022-status-entries-in-the-document.md).
 */
async function statusFromWholeLists(local: VerifyDocumentIntegrityReturnType): Promise<StatusFromListsReturnType> {
  const entries = local.statusEntries!.entries;
  const list = parseStatusListUrl(entries[0].statusListCredential)!;
  const metadata = JSON.parse(await getText(`${list.origin}/.well-known/jwt-vc-issuer/issuers/${list.agency}`)) as {
    jwks?: { keys?: unknown[] };
  };
  const lists: string[] = [];
  for (const e of entries) {
    try {
      lists.push(await getText(e.statusListCredential));
    } catch {
      // Reported below as STATUS_LIST_MISSING: status unknown, never VALID.
    }
  }
  return statusFromLists({
    certificate: local as Parameters<typeof statusFromLists>[0]["certificate"],
    lists,
    agencyKeys: (metadata.jwks?.keys ?? []).map((k) => jwkAddress(k)),
    now: Math.floor(Date.now() / 1000),
  });
}

async function verifyText(text: string): Promise<void> {
  // Integrity first, locally: a tampered document (or a file that is no certificate) never needs the gateway.
  const { document: doc, integrity: local } = readCertificateText(text);
  if (local.code !== "OK") return show({ verdict: "INVALID", reasons: [local.code] });
  if (local.statusEntries) {
    // The document carries its signed entries: read status from the lists fetched whole, ask nobody.
    const s = await statusFromWholeLists(local);
    show(
      {
        verdict: s.verdict === "VALID" ? "VALID" : "INVALID",
        reasons: s.reasons,
        issuer: s.agency ? { agency: s.agency, key: local.issuer! } : undefined,
        validFrom: local.validFrom,
        validUntil: local.validUntil,
        batchRoot: local.batch?.root,
        certId: local.certId,
      },
      local.certificateType?.code,
      local,
    );
    result.setAttribute("data-status-checked-by", "status-list");
    result.prepend(h("p", { class: "notice info", id: "verify-status-method", t: "verify.fromList" }));
    return;
  }
  const v = await post<VerifyResult>(EP.publicVerify, { document: doc });
  result.setAttribute("data-status-checked-by", "gateway");
  show(v, local.certificateType?.code, local);
  result.prepend(h("p", { class: "notice info", id: "verify-status-method", t: "verify.noConsent" }));
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
