/**
 * `certledger wallet ...`: the holder's side with the document library's wallet (src/document/wallet.ts):
 * a mnemonic, one key per certificate (m/44'/60'/1000'/0'/i'), grants signed with the shared EIP-712
 * definitions, and redaction. The mnemonic comes from --mnemonic or CERTLEDGER_MNEMONIC.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { CliError, emit, parseDuration, parseInteger, parseTime, required } from "./output";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

async function openWallet(mnemonic: string | undefined) {
  const { createHolderWallet } = require("../document") as typeof import("../document");
  return createHolderWallet({ mnemonic: required(mnemonic, "--mnemonic <words>", "CERTLEDGER_MNEMONIC") });
}

function readDocument(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError("FILE_UNREADABLE", `Cannot read the document ${file}: ${(e as Error).message}.`);
  }
}

export function registerWallet(program: Command): void {
  const wallet = program
    .command("wallet")
    .description("holder wallet: mnemonic, per-certificate addresses, grants, redaction");

  wallet
    .command("new")
    .description("print a new BIP-39 mnemonic (keep it secret: it is every certificate key)")
    .option("--words <n>", "12 or 24", "12")
    .action(async (opts: { words: string }, cmd: Command) => {
      if (opts.words !== "12" && opts.words !== "24") throw new CliError("BAD_OPTION", "--words must be 12 or 24.", 2);
      const { generateMnemonic } = require("../document") as typeof import("../document");
      const mnemonic = generateMnemonic(opts.words === "24" ? 256 : 128);
      emit(cmd.optsWithGlobals(), { mnemonic }, () => mnemonic);
    });

  wallet
    .command("address")
    .description("the holder address of certificate key --index (give a fresh index to each new certificate)")
    .option("--mnemonic <words>", "the wallet's mnemonic (or CERTLEDGER_MNEMONIC)")
    .option("--index <n>", "certificate key index", "0")
    .option("--count <n>", "print this many consecutive addresses", "1")
    .action(async (opts: { mnemonic?: string; index: string; count: string }, cmd: Command) => {
      const w = await openWallet(opts.mnemonic);
      const first = parseInteger(opts.index, "--index", 0, 2 ** 31 - 1);
      const count = parseInteger(opts.count, "--count", 1, 10_000);
      const keys = Array.from({ length: count }, (_, i) => {
        const k = w.deriveKey(first + i);
        return { index: k.index, path: k.path, address: k.address };
      });
      emit(cmd.optsWithGlobals(), count === 1 ? keys[0] : { items: keys }, () =>
        count === 1 ? keys[0].address : keys.map((k) => `${k.index}  ${k.address}  ${k.path}`).join("\n"),
      );
    });

  wallet
    .command("grant")
    .description("sign a Grant letting a verifier check a certificate; prints the body for POST /v1/holder/grants")
    .requiredOption("--document <file>", "the certificate document (gives certId, documentRoot, batch proof)")
    .requiredOption("--verifier <address>", "the grantee: the verifier's address")
    .option("--mnemonic <words>", "the wallet's mnemonic (or CERTLEDGER_MNEMONIC)")
    .option("--index <n>", "the certificate's key index (default: found by searching the first --search keys)")
    .option("--search <n>", "how many key indexes to search for the document's holder", "1000")
    .option("--purpose <code>", "purpose code, hashed into the grant", "verification")
    .option("--valid-for <duration>", "how long the grant may be used (600, 15m, 2h, 30d)", "1d")
    .option("--valid-until <time>", "instead of --valid-for: unix seconds or ISO 8601")
    .option("--max-uses <n>", "how many checks it allows", "1")
    .option("--deadline <duration>", "how long the signature may wait to be relayed", "1h")
    .option("--nonce <uint256>", "default: random")
    .option("--gateway <url>", "read the chain id and consent contract from this gateway (or CERTLEDGER_GATEWAY)")
    .option("--consent <address>", "instead of --gateway: the ConsentRegistry address")
    .option("--chain-id <id>", "with --consent: the chain id (default: the document's)")
    .option("--relay", "also send it to the gateway (POST /v1/holder/grants)")
    .action(async (opts, cmd: Command) => {
      const g = cmd.optsWithGlobals();
      if (!ADDRESS.test(opts.verifier)) throw new CliError("BAD_OPTION", "--verifier must be a 0x address.", 2);
      const doc = require("../document") as typeof import("../document");
      const integrity = doc.verifyDocumentIntegrity(readDocument(opts.document));
      if (integrity.code !== "OK")
        throw new CliError(
          integrity.code,
          `The document does not verify, so no grant is signed for it: ${integrity.reason}.`,
        );
      const w = await openWallet(opts.mnemonic);
      const holder = integrity.holder!.toLowerCase();
      let index: number | undefined;
      if (opts.index !== undefined) {
        index = parseInteger(opts.index, "--index", 0, 2 ** 31 - 1);
        if (w.address(index).toLowerCase() !== holder)
          throw new CliError(
            "WRONG_KEY",
            `Key ${index} of this wallet is ${w.address(index)}, but the document's holder is ${integrity.holder}.`,
          );
      } else {
        const n = parseInteger(opts.search, "--search", 1, 1_000_000);
        for (let i = 0; i < n && index === undefined; i++) if (w.address(i).toLowerCase() === holder) index = i;
        if (index === undefined)
          throw new CliError(
            "WRONG_KEY",
            `None of this wallet's first ${n} keys is the document's holder ${integrity.holder}.`,
          );
      }

      let chainId = integrity.chainId!;
      let consent: string | undefined = opts.consent;
      const needGateway = opts.relay || consent === undefined;
      const api = needGateway ? gatewayClient({ gateway: opts.gateway }, false) : undefined;
      if (consent === undefined) {
        const info = (await api!.request<{ chainId: number; contracts: { consent: string } }>("GET", "/v1/public/info"))
          .body;
        chainId = info.chainId;
        consent = info.contracts.consent;
      } else {
        if (!ADDRESS.test(consent)) throw new CliError("BAD_OPTION", "--consent must be a 0x address.", 2);
        if (opts.chainId !== undefined) chainId = parseInteger(opts.chainId, "--chain-id", 1);
      }
      if (chainId !== integrity.chainId)
        throw new CliError(
          "WRONG_CHAIN",
          `The document is on chain ${integrity.chainId}, the consent registry on chain ${chainId}.`,
        );

      const now = Math.floor(Date.now() / 1000);
      const validUntil = opts.validUntil
        ? parseTime(opts.validUntil, "--valid-until")
        : now + parseDuration(opts.validFor, "--valid-for");
      const grant = {
        certId: integrity.certId!,
        grantee: opts.verifier.toLowerCase(),
        purpose: doc.purposeHash(opts.purpose).toLowerCase(),
        validUntil,
        maxUses: parseInteger(opts.maxUses, "--max-uses", 1, 2 ** 32 - 1),
        nonce: opts.nonce ?? BigInt(`0x${randomBytes(32).toString("hex")}`).toString(),
        deadline: now + parseDuration(opts.deadline, "--deadline"),
      };
      if (!/^(0|[1-9]\d{0,77})$/.test(grant.nonce))
        throw new CliError("BAD_OPTION", "--nonce must be a decimal uint256.", 2);
      const signed = w.signGrant(index, doc.consentDomain(chainId, consent), {
        ...grant,
        validUntil: BigInt(grant.validUntil),
        nonce: BigInt(grant.nonce),
        deadline: BigInt(grant.deadline),
      });
      const body = {
        grant,
        signature: signed.signature,
        documentRoot: integrity.documentRoot!,
        ...(integrity.batch
          ? {
              batch: {
                root: integrity.batch.root,
                validFrom: integrity.validFrom!,
                validUntil: integrity.validUntil!,
                proof: integrity.batch.proof,
              },
            }
          : {}),
      };
      let relayed: { grantId: string; txHash: string; blockNumber: number } | undefined;
      if (opts.relay)
        relayed = (
          await api!.request<{ grantId: string; txHash: string; blockNumber: number }>("POST", "/v1/holder/grants", {
            body,
          })
        ).body;
      process.stderr.write(
        `grantId ${signed.grantId} (key ${index}, purpose ${opts.purpose})${relayed ? `, relayed in tx ${relayed.txHash}` : ""}\n`,
      );
      emit(g, g.json ? { grantId: signed.grantId, keyIndex: index, body, ...(relayed ? { relayed } : {}) } : body, () =>
        JSON.stringify(body, null, 2),
      );
    });

  wallet
    .command("redact")
    .description("hide fields of a document; the result still verifies and shows only what is left")
    .argument("<file>", "the document")
    .requiredOption("--hide <paths...>", "field paths to hide (e.g. idNumber address.street)")
    .option("--out <file>", "write the redacted document here instead of stdout")
    .action(async (file: string, opts: { hide: string[]; out?: string }, cmd: Command) => {
      const { redactDocument } = require("../document") as typeof import("../document");
      const redacted = redactDocument(readDocument(file), opts.hide.flatMap((p) => p.split(",")).filter(Boolean));
      const text = `${JSON.stringify(redacted, null, 2)}\n`;
      if (opts.out) {
        fs.writeFileSync(opts.out, text);
        emit(
          cmd.optsWithGlobals(),
          { file: opts.out, hidden: opts.hide },
          () => `redacted ${opts.hide.join(", ")} → ${opts.out}`,
        );
      } else process.stdout.write(text);
    });
}
