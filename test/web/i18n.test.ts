import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { codeText, DICTIONARIES, setLang, t } from "../../src/web/i18n";
import { STATUS_REASONS, VERDICT_REASONS } from "../../src/domain/reasons";
import { AGENCY_CATEGORIES, agencyNamesOf, PURPOSES, VERIFIER_NAMES } from "../../src/domain/catalog";
import { COUNTER_ERRORS } from "../../src/domain/counter";
import { SHARE_ERRORS } from "../../src/domain/share";

describe("page strings (zh/en)", () => {
  it("has every key in both languages, with the same placeholders", () => {
    const zh = DICTIONARIES.zh;
    const en = DICTIONARIES.en;
    expect(Object.keys(en).sort()).to.deep.equal(Object.keys(zh).sort());
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(zh)) expect(vars(en[k]), k).to.deep.equal(vars(zh[k]));
  });

  it("explains every verdict reason in both languages", () => {
    for (const r of VERDICT_REASONS) {
      expect(DICTIONARIES.zh, r).to.have.property(`reason.${r}`);
      expect(DICTIONARIES.en, r).to.have.property(`reason.${r}`);
    }
  });

  it("explains the counter's and the share links' refusals the wallet and verify pages show", () => {
    const shown = [
      COUNTER_ERRORS.NOT_FOUND,
      COUNTER_ERRORS.EXPIRED,
      COUNTER_ERRORS.ANSWERED,
      COUNTER_ERRORS.DECLINED,
      COUNTER_ERRORS.GRANT_MISMATCH,
      COUNTER_ERRORS.DOCUMENT_TAMPERED,
      COUNTER_ERRORS.BAD_SIGNATURE,
      COUNTER_ERRORS.TYPE_NOT_REQUESTED,
      SHARE_ERRORS.NOT_FOUND,
      SHARE_ERRORS.BAD_PROOF,
      // A check through a link whose use another check took first (ConsentCheckUseTaken).
      "CHECK_USE_TAKEN",
    ];
    for (const code of shown) expect(DICTIONARIES.zh, code).to.have.property(`error.${code}`);
  });

  it("has a sentence in both languages for every error code the gateway can answer", () => {
    // Every ALL_CAPS_CODE literal in the gateway's layers is a code it can answer with, but for these:
    // RPC_* answer JSON-RPC clients on /rpc and KEYSTORE_* stop the gateway at boot; no page shows them.
    // CHAIN_MISMATCH's causes are details for the operator, TX_DROPPED never leaves the relayer, and
    // CERTLEDGER_* names are environment variables, and HASH_WINDOW a constant named in a comment.
    const notErrors = new Set([
      "UND_ERR_SOCKET",
      "CHAIN_ID",
      "NO_CODE",
      "DEPLOYMENT_BLOCK",
      "TX_DROPPED",
      "HASH_WINDOW",
    ]);
    const notForPages = /^(RPC|KEYSTORE|CERTLEDGER)_/;
    const singleWord = ["INTERNAL", "PAUSED", "REPLAYED", "TAMPERED", "MALFORMED", "TIMEOUT", "FORBIDDEN"];
    const codes = new Set<string>(singleWord);
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts"))
          for (const m of fs.readFileSync(p, "utf8").matchAll(/["'`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["'`]/g))
            if (!notErrors.has(m[1]) && !notForPages.test(m[1])) codes.add(m[1]);
      }
    };
    for (const d of ["domain", "http", "chain", "wiring", "document", "indexer", "store"])
      walk(path.join(__dirname, "..", "..", "src", d));
    expect(codes.size).to.be.greaterThan(100);
    for (const lang of ["zh", "en"] as const) {
      const missing = [...codes].filter(
        (c) => !(`error.${c}` in DICTIONARIES[lang] || `reason.${c}` in DICTIONARIES[lang]),
      );
      expect(missing, lang).to.deep.equal([]);
    }
  });

  it("names every catalog purpose in both languages", () => {
    for (const p of PURPOSES) {
      expect(DICTIONARIES.zh[`purpose.${p.code}`]).to.equal(p.nameZh);
      expect(DICTIONARIES.en[`purpose.${p.code}`]).to.equal(p.nameEn);
    }
  });

  it("has every agency's and verifier's name in both languages in the catalog", () => {
    for (const n of [...AGENCY_CATEGORIES.map(agencyNamesOf), ...VERIFIER_NAMES]) {
      expect(n.name, n.nameZh).to.match(/^[A-Za-z ,'.()-]+\d*$/);
      expect(n.nameZh, n.name).to.match(/[\u4e00-\u9fff]/);
    }
  });

  it("shows a code's translation, never the server's English message, on the Chinese page", () => {
    const warn = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => warned.push(m);
    try {
      setLang("zh");
      expect(codeText("error", "INVALID_CREDENTIALS", "The API key is not valid.")).to.equal("API 密钥不正确");
      expect(codeText("error", "SOME_FUTURE_CODE", "Something new happened.")).to.equal(
        "操作未能完成（错误代码 SOME_FUTURE_CODE）",
      );
      expect(warned.join("\n")).to.contain("error.SOME_FUTURE_CODE");
      expect(codeText("statusReason", "ISSUED_IN_ERROR")).to.equal("误发");
      expect(codeText("purpose", "employment-check")).to.equal("入职核验");
      expect(codeText("purpose", "my-own-purpose")).to.equal("my-own-purpose");
      setLang("en");
      expect(codeText("error", "SOME_FUTURE_CODE", "Something new happened.")).to.equal("Something new happened.");
      expect(codeText("statusReason", "ISSUED_IN_ERROR")).to.equal("Issued in error");
    } finally {
      setLang("zh");
      console.warn = warn;
    }
  });

  it("names every status-change reason the agency console offers, in both languages", () => {
    for (const table of Object.values(STATUS_REASONS))
      for (const code of Object.keys(table)) {
        expect(DICTIONARIES.zh, code).to.have.property(`statusReason.${code}`);
        expect(DICTIONARIES.en, code).to.have.property(`statusReason.${code}`);
      }
  });

  it("fills placeholders", () => {
    expect(t("agency.batchProgress", { done: 2, total: 5 })).to.equal("已处理 2/5");
  });
});
