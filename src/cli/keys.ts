/**
 * `certledger keys new | address | rotate`: an agency's signing keys, kept by the agency in Web3 Secret
 * Storage files. Rotation makes the new key here and has the authority register it and retire the old
 * one, now or at `--retire-at` (later: a planned rotation; earlier: a leak, so that what the old key issued
 * from then on stops verifying): under external custody the authority signs the registry transactions
 * (rotateKey, or addKey and retireKeyAt) with its own keystore and the gateway only passes them on; a
 * custodial gateway does it for an authority API key.
 */
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { createKeystore, keystoreAddress, readPassphrase, unlockKeystore } from "./keystore";
import { CliError, emit, parseInteger, parseTime } from "./output";

async function newPassphrase(opts: { passphraseFile?: string }, file: string): Promise<string> {
  const first = await readPassphrase(opts, `the new keystore ${file}`);
  if (opts.passphraseFile) return first;
  const again = await readPassphrase({}, `the new keystore ${file} (again)`);
  if (again !== first) throw new CliError("PASSPHRASE_MISMATCH", "The two passphrases differ.");
  return first;
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("an agency's signing keys, in encrypted keystore files");

  keys
    .command("new")
    .description("create a signing key in a new encrypted keystore (Web3 Secret Storage, scrypt)")
    .requiredOption("--out <file>", "the keystore file to write (never overwritten)")
    .option("--passphrase-file <file>", "read the passphrase from this file (default: ask twice)")
    .option("--scrypt-n <n>", "scrypt cost N, a power of 2 (default 131072; lower only for tests)")
    .action(async (opts, cmd: Command) => {
      const g = cmd.optsWithGlobals();
      const scryptN = scryptCost(opts.scryptN);
      const k = await createKeystore(opts.out, await newPassphrase(opts, opts.out), scryptN);
      emit(g, k, () => `${k.address}\n  keystore → ${k.file}`);
    });

  keys
    .command("address")
    .description("print the address of a keystore's key (no passphrase needed)")
    .requiredOption("--keystore <file>", "the keystore file")
    .action(async (opts, cmd: Command) => {
      const address = await keystoreAddress(opts.keystore);
      emit(cmd.optsWithGlobals(), { address }, () => address);
    });

  keys
    .command("rotate")
    .description(
      "create a new key and have the authority register it and retire the old key now or at --retire-at (what the old key signed before that time stays valid)",
    )
    .requiredOption("--keystore <file>", "the agency's current (old) key's keystore")
    .requiredOption("--out <file>", "the new key's keystore file to write")
    .requiredOption("--agency <address>", "the agency, as the gateway knows it")
    .option("--passphrase-file <file>", "the new keystore's passphrase (default: ask twice)")
    .option("--scrypt-n <n>", "scrypt cost N of the new keystore (default 131072)")
    .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
    .option("--api-key <key>", "the authority's API key (or CERTLEDGER_API_KEY)")
    .option(
      "--authority-keystore <file>",
      "external custody: the authority's own key, which signs the registry's rotateKey here",
    )
    .option("--authority-passphrase-file <file>", "with --authority-keystore: its passphrase (default: ask)")
    .option("--valid-from <time>", "when the new key starts (default: now)")
    .option(
      "--retire-at <time>",
      "when the old key stops (unix seconds or ISO 8601; default: now). Later: it signs until then; earlier (a leak): what it issued from then on stops verifying",
    )
    .action(async (opts, cmd: Command) => {
      const g = cmd.optsWithGlobals();
      if (!/^0x[0-9a-fA-F]{40}$/.test(opts.agency))
        throw new CliError("BAD_OPTION", `--agency must be an address, not ${JSON.stringify(opts.agency)}.`, 2);
      const api = gatewayClient(g, true);
      const old = (await keystoreAddress(opts.keystore)).toLowerCase();
      const scryptN = scryptCost(opts.scryptN);
      const validFrom = opts.validFrom ? parseTime(opts.validFrom, "--valid-from") : Math.floor(Date.now() / 1000) - 1;
      const retireAt: number | undefined = opts.retireAt ? parseTime(opts.retireAt, "--retire-at") : undefined;
      if (retireAt !== undefined && retireAt >= UINT40_LIMIT)
        throw new CliError("BAD_OPTION", `--retire-at must be before ${UINT40_LIMIT} (unix seconds).`, 2);
      // The authority's key is unlocked before anything is written, so a wrong passphrase leaves no stray keystore.
      const authority = opts.authorityKeystore
        ? await unlockKeystore(
            { keystore: opts.authorityKeystore, passphraseFile: opts.authorityPassphraseFile },
            `the authority key ${opts.authorityKeystore}`,
          )
        : undefined;
      const created = await createKeystore(opts.out, await newPassphrase(opts, opts.out), scryptN);
      const fresh = created.address.toLowerCase();
      let txHash: string;
      if (authority) {
        const { Transaction } = require("ethers") as typeof import("ethers");
        const { registryIface, UINT40_MAX } = require("../chain/contracts") as typeof import("../chain/contracts");
        const p = (
          await api.request<{
            chainId: number;
            registry: string;
            nonce: number;
            maxFeePerGas: string;
            maxPriorityFeePerGas: string;
            agencyId: number;
            keyId: number;
          }>("GET", `/v1/authority/transaction-parameters?key=${old}&agency=${opts.agency.toLowerCase()}`)
        ).body;
        // Now: one rotateKey. At a chosen time: retireKeyAt first (a refused time changes nothing), then addKey.
        const calls =
          retireAt === undefined
            ? [registryIface.encodeFunctionData("rotateKey", [p.keyId, fresh, validFrom, UINT40_MAX])]
            : [
                registryIface.encodeFunctionData("retireKeyAt", [p.keyId, retireAt]),
                registryIface.encodeFunctionData("addKey", [p.agencyId, fresh, validFrom, UINT40_MAX]),
              ];
        const hashes: string[] = [];
        for (const [i, data] of calls.entries()) {
          const raw = await authority.signTransaction(
            Transaction.from({
              type: 2,
              chainId: p.chainId,
              nonce: p.nonce + i,
              to: p.registry,
              data,
              gasLimit: 300_000n,
              maxFeePerGas: BigInt(p.maxFeePerGas),
              maxPriorityFeePerGas: BigInt(p.maxPriorityFeePerGas),
            }),
          );
          hashes.push(
            (
              await api.request<{ txHash: string }>("POST", "/v1/authority/transactions", {
                body: { rawTransaction: raw },
              })
            ).body.txHash,
          );
        }
        txHash = hashes[0]; // the retirement's (or the rotation's)
      } else {
        // The retirement first: a time the gateway refuses (one that would lengthen the window) adds no key.
        txHash = (
          await api.request<{ txHash: string }>("POST", `/v1/authority/agencies/${opts.agency}/keys/${old}/retire`, {
            body: retireAt === undefined ? {} : { at: retireAt },
          })
        ).body.txHash;
        await api.request("POST", `/v1/authority/agencies/${opts.agency}/keys`, { body: { key: fresh, validFrom } });
      }
      const when = retireAt === undefined ? {} : { retireAt };
      emit(
        g,
        { agency: opts.agency.toLowerCase(), key: fresh, retired: old, ...when, keystore: created.file, txHash },
        () =>
          [
            `new key ${fresh} (keystore → ${created.file})`,
            `retired ${old}${retireAt === undefined ? "" : ` at ${new Date(retireAt * 1000).toISOString()}`}`,
            `  tx ${txHash}`,
          ].join("\n"),
      );
    });
}

/** Registry times are uint40. */
const UINT40_LIMIT = 2 ** 40;

function scryptCost(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = parseInteger(text, "--scrypt-n", 2, 2 ** 20);
  if ((n & (n - 1)) !== 0) throw new CliError("BAD_OPTION", "--scrypt-n must be a power of 2.", 2);
  return n;
}
