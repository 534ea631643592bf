/**
 * `certledger revoke | suspend | reinstate | supersede <certId>`: a status change with a reason code.
 * With --keystore the agency's own key signs the StatusChange here (carrying the certificate's status
 * nonce, read from the gateway); without, a custodial gateway signs for the agency.
 */
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { keystoreOptions } from "./issue";
import { CliError, emit } from "./output";
import type { StatusActionName } from "./signed";

interface StatusChanged {
  certId: string;
  status: string;
  reason: string;
  txHash: string;
  blockNumber: number;
}

const ACTIONS: Record<StatusActionName, string> = {
  revoke: "revoke a certificate for good",
  suspend: "suspend a certificate",
  reinstate: "reinstate a suspended certificate",
  supersede: "mark a certificate superseded by a replacement issued by the same agency",
};

export function registerStatus(program: Command): void {
  for (const [action, description] of Object.entries(ACTIONS) as [StatusActionName, string][]) {
    const cmd = program
      .command(`${action} <certId>`)
      .description(`${description} (reason codes: GET /v1/public/info lists them)`)
      .requiredOption("--reason <code>", "reason code, e.g. ISSUED_IN_ERROR")
      .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
      .option("--api-key <key>", "the agency's API key (or CERTLEDGER_API_KEY)");
    if (action === "supersede") cmd.requiredOption("--replacement <certId>", "the replacement certificate's certId");
    keystoreOptions(cmd).action(async (certId: string, opts, c: Command) => {
      const g = c.optsWithGlobals();
      if (!/^0x[0-9a-fA-F]{64}$/.test(certId))
        throw new CliError(
          "BAD_OPTION",
          `<certId> must be 0x followed by 64 hex digits, not ${JSON.stringify(certId)}.`,
          2,
        );
      const api = gatewayClient(g, true);
      const body: Record<string, unknown> = { reason: opts.reason };
      if (opts.replacement) body.replacement = opts.replacement;
      let path = `/v1/agency/certificates/${certId}/${action}`;
      let signer: string | undefined;
      if (opts.keystore) {
        const { unlockKeystore } = require("./keystore") as typeof import("./keystore");
        const { gatewayInfo, signStatusChange } = require("./signed") as typeof import("./signed");
        const { STATUS_REASONS } = require("../domain/reasons") as typeof import("../domain/reasons");
        const reason = (STATUS_REASONS[action] as Record<string, number>)[opts.reason];
        if (reason === undefined)
          throw new CliError(
            "UNKNOWN_REASON",
            `"${opts.reason}" is not a reason to ${action}; use one of ${Object.keys(STATUS_REASONS[action]).join(", ")}.`,
            2,
          );
        const wallet = await unlockKeystore(opts, `the agency key ${opts.keystore}`);
        const s = await signStatusChange(wallet, api, await gatewayInfo(api), {
          certId,
          action,
          reason,
          replacement: opts.replacement,
        });
        Object.assign(body, s);
        signer = s.signer;
        path += "/signed";
      }
      const { body: out } = await api.request<StatusChanged>("POST", path, { body });
      emit(g, { ...out, ...(signer ? { signer } : {}) }, () =>
        [
          `${out.certId} is ${out.status.toLowerCase()} (${out.reason})${signer ? `, signed here by ${signer}` : ""}`,
          `  tx ${out.txHash} (block ${out.blockNumber})`,
        ].join("\n"),
      );
    });
  }
}
