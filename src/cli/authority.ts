/**
 * `certledger agency ...` and `certledger verifier ...`: what the city's data authority manages through
 * the authority API (an authority API key is needed): agencies with their accreditations and custodial
 * signing keys, and verifiers. API keys are shown once.
 */
import type { Command } from "commander";
import { gatewayClient, type GatewayOptions } from "./gateway";
import { emit } from "./output";

const withGateway = (cmd: Command) =>
  cmd
    .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
    .option("--api-key <key>", "an authority API key (or CERTLEDGER_API_KEY)");

const list = (v: string | string[] | undefined) =>
  v === undefined
    ? undefined
    : [v]
        .flat()
        .flatMap((s) => s.split(","))
        .filter(Boolean);

export function registerAuthority(program: Command): void {
  const agency = program
    .command("agency")
    .description("issuing agencies: register, accredit, rotate keys (authority API)");

  withGateway(
    agency
      .command("register")
      .description(
        "register an agency with a first custodial signing key, optionally accredited for types, with an API key",
      )
      .requiredOption("--name <name>", "the agency's name")
      .option("--types <codes...>", "type codes to accredit it for (space or comma separated)")
      .option("--no-key", "do not create an API key for it"),
  ).action(async (opts: GatewayOptions & { name: string; types?: string[]; key: boolean }, cmd: Command) => {
    const api = gatewayClient(opts, true);
    const { body } = await api.request<{
      agency: string;
      name: string;
      signingKey: string;
      types: string[];
      apiKey?: string;
    }>("POST", "/v1/authority/agencies", {
      body: { name: opts.name, types: list(opts.types), createApiKey: opts.key },
    });
    emit(cmd.optsWithGlobals(), body, () =>
      [
        `registered agency ${body.agency} (${body.name}), signing key ${body.signingKey}`,
        `  types ${body.types.join(", ") || "(none yet: certledger agency accredit)"}`,
        ...(body.apiKey ? [`API key (shown once): ${body.apiKey}`] : []),
      ].join("\n"),
    );
  });

  withGateway(agency.command("list").description("list agencies and their types")).action(
    async (opts: GatewayOptions, cmd: Command) => {
      const api = gatewayClient(opts, true);
      const { body } = await api.request<{
        items: { agency: string; name: string; active: boolean; types: string[] }[];
      }>("GET", "/v1/authority/agencies");
      emit(cmd.optsWithGlobals(), body, () =>
        body.items
          .map((a) => `${a.agency}  ${a.active ? "" : "(inactive) "}${a.name}: ${a.types.join(", ")}`)
          .join("\n"),
      );
    },
  );

  withGateway(
    agency
      .command("accredit")
      .description("accredit an agency for a certificate type")
      .argument("<agency>", "the agency's address")
      .requiredOption("--type <code>", "the type code"),
  ).action(async (agencyAddress: string, opts: GatewayOptions & { type: string }, cmd: Command) => {
    const api = gatewayClient(opts, true);
    const { body } = await api.request<{ txHash: string; blockNumber: number }>(
      "POST",
      `/v1/authority/agencies/${agencyAddress}/accreditations`,
      {
        body: { type: opts.type },
      },
    );
    emit(cmd.optsWithGlobals(), body, () => `accredited ${agencyAddress} for ${opts.type} (tx ${body.txHash})`);
  });

  withGateway(
    agency
      .command("rotate-key")
      .description("add a new signing key valid from now and retire the others now (what they issued stays valid)")
      .argument("<agency>", "the agency's address"),
  ).action(async (agencyAddress: string, opts: GatewayOptions, cmd: Command) => {
    const api = gatewayClient(opts, true);
    const { body } = await api.request<{ key: string; retired: string[]; txHash: string }>(
      "POST",
      `/v1/authority/agencies/${agencyAddress}/keys/rotate`,
    );
    emit(
      cmd.optsWithGlobals(),
      body,
      () => `new signing key ${body.key}; retired ${body.retired.join(", ") || "none"} (tx ${body.txHash})`,
    );
  });

  const verifier = program
    .command("verifier")
    .description("verifiers: counters and organisations that check certificates (authority API)");

  withGateway(
    verifier
      .command("register")
      .description("register a verifier (custodial key) with an API key")
      .requiredOption("--name <name>", "the verifier's name")
      .option("--no-key", "do not create an API key for it"),
  ).action(async (opts: GatewayOptions & { name: string; key: boolean }, cmd: Command) => {
    const api = gatewayClient(opts, true);
    const { body } = await api.request<{ verifier: string; name: string; apiKey?: string; txHash: string }>(
      "POST",
      "/v1/authority/verifiers",
      {
        body: { name: opts.name, createApiKey: opts.key },
      },
    );
    emit(cmd.optsWithGlobals(), body, () =>
      [
        `registered verifier ${body.verifier} (${body.name})`,
        ...(body.apiKey ? [`API key (shown once): ${body.apiKey}`] : []),
      ].join("\n"),
    );
  });

  withGateway(verifier.command("list").description("list verifiers")).action(
    async (opts: GatewayOptions, cmd: Command) => {
      const api = gatewayClient(opts, true);
      const { body } = await api.request<{ items: { verifier: string; name: string; active: boolean }[] }>(
        "GET",
        "/v1/authority/verifiers",
      );
      emit(cmd.optsWithGlobals(), body, () =>
        body.items.map((v) => `${v.verifier}  ${v.active ? "" : "(inactive) "}${v.name}`).join("\n"),
      );
    },
  );
}
