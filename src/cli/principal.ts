/** `certledger principal ...`: API principals through the authority API (an authority API key is needed). */
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { CliError, emit, isoTime } from "./output";

interface Principal {
  id: string;
  role: string;
  address: string;
  label: string;
  createdAt: number;
  disabled: boolean;
}

const withGateway = (cmd: Command) =>
  cmd
    .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
    .option("--api-key <key>", "an authority API key (or CERTLEDGER_API_KEY)");

export function registerPrincipal(program: Command): void {
  const principal = program.command("principal").description("API principals: keys for authority, agency and verifier");

  withGateway(
    principal
      .command("create")
      .description(
        "create an API key bound to an on-chain identity (an agency or verifier address); the key is shown once",
      )
      .requiredOption("--role <role>", "authority | agency | verifier")
      .requiredOption(
        "--address <address>",
        "the agency's or verifier's address (the authority's admin address for authority)",
      )
      .requiredOption("--label <text>", "who holds the key"),
  ).action(
    async (opts: { role: string; address: string; label: string; gateway?: string; apiKey?: string }, cmd: Command) => {
      if (!["authority", "agency", "verifier"].includes(opts.role))
        throw new CliError("BAD_OPTION", "--role must be authority, agency or verifier.", 2);
      const api = gatewayClient(opts, true);
      const { body } = await api.request<{ principal: Principal; apiKey: string }>("POST", "/v1/authority/principals", {
        body: { role: opts.role, address: opts.address, label: opts.label },
      });
      emit(cmd.optsWithGlobals(), body, () =>
        [
          `created ${body.principal.role} principal ${body.principal.id} for ${body.principal.address} (${body.principal.label})`,
          `API key (shown once): ${body.apiKey}`,
        ].join("\n"),
      );
    },
  );

  withGateway(principal.command("list").description("list API principals (never their keys)")).action(
    async (opts: { gateway?: string; apiKey?: string }, cmd: Command) => {
      const api = gatewayClient(opts, true);
      const { body } = await api.request<{ items: Principal[] }>("GET", "/v1/authority/principals");
      emit(cmd.optsWithGlobals(), body, () =>
        body.items
          .map(
            (p) =>
              `${p.role.padEnd(9)}  ${p.address}  ${isoTime(p.createdAt)}  ${p.disabled ? "disabled " : ""}${p.label}`,
          )
          .join("\n"),
      );
    },
  );
}
