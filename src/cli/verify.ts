/**
 * `certledger verify <file>`: the document's integrity offline with the document library (is it what
 * the issuer committed to, and what does it disclose?); with --gateway also the chain-side verdict
 * (issued, status, validity, accreditation) from the public API. Exit 0 only when everything holds.
 */
import fs from "node:fs";
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { CliError, emit, isoTime } from "./output";

interface PublicVerdict {
  verdict: "VALID" | "INVALID";
  reasons: string[];
  messages: string[];
  status?: string;
  type?: { code: string; name: string };
  issuer?: { agency: string; key: string };
  supersededBy?: string;
}

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
    .action(async (file: string, opts: { gateway?: string; expectedType?: string }, cmd: Command) => {
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
      const { verifyDocumentIntegrity } = await import("../document");
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
      const ok = integrity.code === "OK" && (!online || online.verdict === "VALID");
      const verdict = integrity.code !== "OK" ? integrity.code : online ? online.verdict : "OK";
      emit(g, { verdict, integrity, ...(online ? { gateway: online } : {}) }, () => {
        if (integrity.code !== "OK") return `${integrity.code}  ${integrity.reason}`;
        const values = integrity.values ?? {};
        const w = Math.max(8, ...integrity.disclosed.map((p) => p.length));
        const lines = [
          `${verdict}  ${online ? (online.verdict === "VALID" ? "intact, issued and valid now" : `intact, but ${online.reasons.join(", ")}`) : "intact (integrity only: add --gateway for its status)"}`,
          `  certId   ${integrity.certId}`,
          `  type     ${integrity.certificateType?.code}${online?.type ? ` (${online.type.name})` : ""}`,
          `  issuer   ${integrity.issuer}${online?.issuer ? ` (agency ${online.issuer.agency})` : ""}`,
          `  holder   ${integrity.holder}`,
          `  valid    ${isoTime(integrity.validFrom)} → ${isoTime(integrity.validUntil)}`,
          `  chain    ${integrity.chainId}, ledger ${integrity.ledger}${integrity.batch ? `, batch root ${integrity.batch.root}` : ""}`,
        ];
        if (online) {
          lines.push(`  status   ${online.status ?? "-"}${online.supersededBy ? ` by ${online.supersededBy}` : ""}`);
          for (const m of online.messages) lines.push(`  reason   ${m}`);
        }
        lines.push(`disclosed (${integrity.disclosed.length} fields, ${integrity.redactedCount ?? 0} redacted):`);
        for (const p of integrity.disclosed) lines.push(`  ${p.padEnd(w)}  ${show(values[p])}`);
        return lines.join("\n");
      });
      if (!ok) process.exitCode = 1;
    });
}
