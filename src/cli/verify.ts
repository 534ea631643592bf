/**
 * `certledger verify <file>`: the document's integrity offline with the document library (is it what
 * the issuer committed to, and what does it disclose?); with --gateway also the chain-side verdict
 * (issued, status, validity, accreditation) from the public API, which names the certificate to the
 * gateway; with --status-list / --offline-status its status from the agency's lists fetched whole, which
 * names nobody (docs/decisions/0022-status-entries-in-the-document.md). Exit 0 only when everything holds.
 *
 * `certledger attach-status <file>`: the holder fetches the certificate's signed status list entries once
 * and keeps them in the document.
 */
import fs from "node:fs";
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { CliError, emit, isoTime, parseInteger, readTextFile } from "./output";
import type { StatusFromListsReturnType, VerifyDocumentIntegrityReturnType } from "../document";

interface PublicVerdict {
  verdict: "VALID" | "INVALID";
  reasons: string[];
  messages: string[];
  status?: string;
  type?: { code: string; name: string };
  issuer?: { agency: string; key: string };
  supersededBy?: string;
}

/** A list or issuer metadata: fetched whole from an http(s) URL, or read from a file. */
async function fetchWhole(source: string, what: string): Promise<string> {
  if (!/^https?:\/\//.test(source)) return readTextFile(source, what);
  const u = new URL(source);
  const res = await gatewayClient({ gateway: u.origin }, false).fetchRaw("GET", `${u.pathname}${u.search}`);
  return res.text();
}

/** The agency's signing keys (addresses) from its JWT VC issuer metadata (JSON text). */
async function agencyKeysFrom(text: string, source: string): Promise<string[]> {
  const { jwkAddress } = require("../document") as typeof import("../document");
  try {
    const keys = (JSON.parse(text) as { jwks?: { keys?: unknown[] } }).jwks?.keys;
    if (!Array.isArray(keys)) throw new Error("no jwks.keys");
    return keys.map((k) => jwkAddress(k));
  } catch (e) {
    throw new CliError(
      "ISSUER_METADATA_INVALID",
      `${source} is not JWT VC issuer metadata with secp256k1 keys: ${(e as Error).message}.`,
    );
  }
}

interface StatusListOptions {
  statusList?: string[];
  offlineStatus?: boolean;
  issuerKeys?: string;
  maxAge?: string;
}

/**
 * Status from the lists fetched whole: the lists given (files or URLs), or with --offline-status the ones
 * the document's entries name; the agency's keys from --issuer-keys or its metadata at the list's gateway.
 */
async function checkFromLists(
  integrity: VerifyDocumentIntegrityReturnType,
  opts: StatusListOptions,
): Promise<StatusFromListsReturnType> {
  const { parseStatusListUrl, statusFromLists } = require("../document") as typeof import("../document");
  const entries = integrity.statusEntries?.entries ?? [];
  const sources = [...(opts.statusList ?? [])];
  if (opts.offlineStatus)
    for (const e of entries) if (!sources.includes(e.statusListCredential)) sources.push(e.statusListCredential);
  const lists: string[] = [];
  for (const src of sources) {
    const text = (await fetchWhole(src, "status list")).trim();
    // A list is a vc+jwt, or the credential JSON (believed by nobody offline, but read and reported).
    lists.push(text);
    if (text.startsWith("{")) lists[lists.length - 1] = JSON.parse(text);
  }
  const first = entries[0] ? parseStatusListUrl(entries[0].statusListCredential) : undefined;
  let agencyKeys: string[] = [];
  if (opts.issuerKeys)
    agencyKeys = await agencyKeysFrom(await fetchWhole(opts.issuerKeys, "issuer metadata"), opts.issuerKeys);
  else if (first) {
    const url = `${first.origin}/.well-known/jwt-vc-issuer/issuers/${first.agency}`;
    agencyKeys = await agencyKeysFrom(await fetchWhole(url, "issuer metadata"), url);
  }
  return statusFromLists({
    certificate: integrity as Parameters<typeof statusFromLists>[0]["certificate"],
    lists,
    agencyKeys,
    now: Math.floor(Date.now() / 1000),
    ...(opts.maxAge !== undefined ? { maxAgeSeconds: parseInteger(opts.maxAge, "--max-age", 1) } : {}),
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("check a certificate document file: integrity offline, and with --gateway its status on chain")
    .argument("<file>", "the document (JSON), as issued or redacted")
    .option("--gateway <url>", "also ask this gateway whether it is valid now")
    .option("--expected-type <code>", "with --gateway: the type the document must be")
    .option(
      "--status-list <file|url>",
      "status from this status list (a file, or a URL fetched whole), repeatable; asks nobody about the certificate",
      collect,
    )
    .option("--offline-status", "status from the lists the document's entries name, each fetched whole")
    .option(
      "--issuer-keys <file|url>",
      "the agency's JWT VC issuer metadata (default: fetched from the list's gateway)",
    )
    .option("--max-age <seconds>", "a status list older than this is stale (default 3600)")
    .action(
      async (file: string, opts: { gateway?: string; expectedType?: string } & StatusListOptions, cmd: Command) => {
        const g = cmd.optsWithGlobals();
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch (e) {
          throw new CliError(
            "FILE_UNREADABLE",
            `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
          );
        }
        const { verifyDocumentIntegrity } = require("../document") as typeof import("../document");
        const integrity = verifyDocumentIntegrity(new Uint8Array(bytes));

        let online: PublicVerdict | undefined;
        // Online only when asked on the command line: a CERTLEDGER_GATEWAY in the environment does not
        // turn an offline check into one that fails when the gateway is down.
        if (opts.gateway) {
          if (integrity.code === "OK") {
            const api = gatewayClient({ gateway: opts.gateway }, false);
            const document = JSON.parse(bytes.toString("utf8"));
            online = (
              await api.request<PublicVerdict>("POST", "/v1/public/verify", {
                body: { document, ...(opts.expectedType ? { expectedType: opts.expectedType } : {}) },
              })
            ).body;
          }
        }
        let fromLists: StatusFromListsReturnType | undefined;
        if (integrity.code === "OK" && (opts.statusList?.length || opts.offlineStatus))
          fromLists = await checkFromLists(integrity, opts);
        const ok =
          integrity.code === "OK" &&
          (!online || online.verdict === "VALID") &&
          (!fromLists || fromLists.verdict === "VALID");
        const verdict =
          integrity.code !== "OK"
            ? integrity.code
            : online && online.verdict !== "VALID"
              ? online.verdict
              : fromLists
                ? fromLists.verdict
                : online
                  ? online.verdict
                  : "OK";
        // Which way status was checked: by certId at the gateway, from lists fetched whole, or not at all.
        const statusCheckedBy = [...(online ? ["gateway"] : []), ...(fromLists ? ["status-list"] : [])];
        const summary = (): string => {
          const parts: string[] = [];
          if (online)
            parts.push(
              online.verdict === "VALID"
                ? "intact, issued and valid now (asked the gateway by certId)"
                : `intact, but ${online.reasons.join(", ")} (asked the gateway by certId)`,
            );
          if (fromLists)
            parts.push(
              fromLists.verdict === "VALID"
                ? "intact, status from the agency's status lists fetched whole (no one was asked about this certificate)"
                : `intact, but ${fromLists.reasons.join(", ")} (status from the status lists fetched whole)`,
            );
          return parts.length
            ? parts.join("; ")
            : "intact (integrity only: add --gateway or --offline-status for its status)";
        };
        emit(
          g,
          {
            verdict,
            statusCheckedBy,
            integrity,
            ...(online ? { gateway: online } : {}),
            ...(fromLists ? { statusList: fromLists } : {}),
          },
          () => {
            if (integrity.code !== "OK") return `${integrity.code}  ${integrity.reason}`;
            const values = integrity.values ?? {};
            const w = Math.max(8, ...integrity.disclosed.map((p) => p.length));
            const lines = [
              `${verdict}  ${summary()}`,
              `  certId   ${integrity.certId}`,
              `  type     ${integrity.certificateType?.code}${online?.type ? ` (${online.type.name})` : ""}`,
              `  issuer   ${integrity.issuer}${online?.issuer ? ` (agency ${online.issuer.agency})` : ""}`,
              `  holder   ${integrity.holder}`,
              `  valid    ${isoTime(integrity.validFrom)} → ${isoTime(integrity.validUntil)}`,
              `  chain    ${integrity.chainId}, ledger ${integrity.ledger}${integrity.batch ? `, batch root ${integrity.batch.root}` : ""}`,
            ];
            if (online) {
              lines.push(
                `  status   ${online.status ?? "-"}${online.supersededBy ? ` by ${online.supersededBy}` : ""}`,
              );
              for (const m of online.messages) lines.push(`  reason   ${m}`);
            }
            if (fromLists) {
              lines.push(`  status   ${fromLists.status ?? "unknown"} (from status lists fetched whole)`);
              for (const l of fromLists.lists)
                lines.push(
                  `  list     ${l.purpose} #${l.index}: ${l.set === undefined ? "not read" : l.set ? "set" : "clear"}` +
                    `${l.validUntil ? `, valid until ${isoTime(l.validUntil)}` : ""}${l.problem ? ` (${l.problem})` : ""}  ${l.url}`,
                );
              if (!integrity.statusEntries)
                lines.push(
                  "  reason   the document carries no status list entry: certledger attach-status, or --gateway",
                );
            }
            lines.push(`disclosed (${integrity.disclosed.length} fields, ${integrity.redactedCount ?? 0} redacted):`);
            for (const p of integrity.disclosed) lines.push(`  ${p.padEnd(w)}  ${show(values[p])}`);
            return lines.join("\n");
          },
        );
        if (!ok) process.exitCode = 1;
      },
    );

  program
    .command("attach-status")
    .description(
      "fetch a certificate's signed status list entries once and keep them in its document, for status checks that name nobody",
    )
    .argument("<file>", "the document (JSON)")
    .option("--gateway <url>", "the gateway that issued it (or CERTLEDGER_GATEWAY)")
    .option("--out <file>", "where to write the document with its entries (default: the file itself)")
    .action(async (file: string, opts: { gateway?: string; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals();
      const { verifyDocumentIntegrity, withStatusEntries, StatusListError } =
        require("../document") as typeof import("../document");
      const text = readTextFile(file, "document");
      const integrity = verifyDocumentIntegrity(text);
      if (integrity.code !== "OK") throw new CliError(`DOCUMENT_${integrity.code}`, `${file}: ${integrity.reason}.`);
      const api = gatewayClient({ gateway: opts.gateway ?? process.env.CERTLEDGER_GATEWAY }, false);
      const got = (
        await api.request<{ entries: never[]; proof?: string }>(
          "GET",
          `/v1/public/certificates/${integrity.certId}/status-entries`,
        )
      ).body;
      if (!got.proof)
        throw new CliError(
          "STATUS_ENTRY_UNSIGNED",
          "The gateway holds no key of the agency to sign the entries (external custody): status stays an online check.",
        );
      let doc;
      try {
        doc = withStatusEntries(JSON.parse(text), { entries: got.entries, proof: got.proof });
      } catch (e) {
        if (e instanceof StatusListError) throw new CliError(e.code, e.message);
        throw e;
      }
      const out = opts.out ?? file;
      fs.writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
      emit(g, { certId: integrity.certId, entries: got.entries, out }, () =>
        [
          `attached ${got.entries.length} status list entries to ${out}`,
          ...got.entries.map(
            (e: { statusPurpose: string; statusListIndex: string }) => `  ${e.statusPurpose} #${e.statusListIndex}`,
          ),
        ].join("\n"),
      );
    });
}
