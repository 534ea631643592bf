/**
 * `certledger deploy`: the three contracts on any EVM JSON-RPC node, with src/chain/deploy.ts (plain
 * ethers). The addresses file has the shape the gateway itself writes to <dataDir>/deployment-<chainId>.json,
 * so `certledger start --rpc <url> --addresses <file>` (or a data dir holding it) uses the deployment.
 *
 * The gateway's authority key is custodial (derived from the seed in <dataDir>/keyring.keystore.json,
 * unlocked as the gateway unlocks it: CERTLEDGER_KEYSTORE_PASSPHRASE[_FILE]). With --data-dir the
 * contracts are deployed with that key as admin and pauser, its relayer and authority keys get gas from
 * the deployer, and the deployment file lands in the data dir: a gateway started on that directory
 * and RPC URL can register types and agencies at once.
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { CliError, emit, required } from "./output";

export interface AddressesFile {
  chainId: number;
  registry: string;
  ledger: string;
  consent: string;
  fromBlock: number;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function readAddressesFile(file: string): AddressesFile {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError("BAD_ADDRESSES_FILE", `Cannot read ${file} as JSON: ${(e as Error).message}.`);
  }
  const pick = (...keys: string[]) =>
    keys.map((k) => raw[k]).find((v) => typeof v === "string" && ADDRESS.test(v)) as string | undefined;
  const registry = pick("registry", "authorityRegistry");
  const ledger = pick("ledger", "certificateLedger");
  const consent = pick("consent", "consentRegistry");
  if (!registry || !ledger || !consent)
    throw new CliError(
      "BAD_ADDRESSES_FILE",
      `${file} must hold "registry", "ledger" and "consent" addresses (as \`certledger deploy\` writes them).`,
    );
  return {
    chainId: Number(raw.chainId ?? 0),
    registry,
    ledger,
    consent,
    fromBlock: Number(raw.fromBlock ?? raw.deployedAtBlock ?? 0),
  };
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("deploy the authority registry, certificate ledger and consent registry to a JSON-RPC node")
    .requiredOption("--rpc <url>", "the node's JSON-RPC URL (e.g. http://127.0.0.1:8545)")
    .option("--key <hex>", "the deployer's private key (or CERTLEDGER_DEPLOYER_KEY); it pays the gas")
    .option("--out <file>", "write the addresses JSON here")
    .option(
      "--data-dir <dir>",
      "a gateway data dir: its authority key becomes admin and pauser, its keys get gas, the deployment is stored there",
    )
    .option("--admin <address>", "authority admin (default: the data dir's authority key, else the deployer)")
    .option("--pauser <address>", "pauser (default: as admin)")
    .option(
      "--fund <ether>",
      "with --data-dir: ether sent to the gateway's relayer and authority keys when they have none",
      "10",
    )
    .action(
      async (
        opts: {
          rpc: string;
          key?: string;
          out?: string;
          dataDir?: string;
          admin?: string;
          pauser?: string;
          fund: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals();
        const key = required(opts.key, "--key <hex>", "CERTLEDGER_DEPLOYER_KEY");
        if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key))
          throw new CliError("BAD_OPTION", "--key must be a 32-byte hex private key.", 2);
        for (const [name, v] of [
          ["--admin", opts.admin],
          ["--pauser", opts.pauser],
        ] as const)
          if (v !== undefined && !ADDRESS.test(v)) throw new CliError("BAD_OPTION", `${name} must be a 0x address.`, 2);

        const { JsonRpcProvider, Wallet, computeAddress, parseEther } = require("ethers") as typeof import("ethers");
        const { deployCertledger } = require("../chain/deploy") as typeof import("../chain/deploy");
        // cacheTimeout -1: ethers otherwise answers a repeated eth_getTransactionCount from a 250 ms cache, so
        // the second contract would be sent with the first one's nonce right after it is mined.
        const provider = new JsonRpcProvider(opts.rpc, undefined, {
          staticNetwork: true,
          pollingInterval: 250,
          cacheTimeout: -1,
        });
        try {
          try {
            await provider.getBlockNumber();
          } catch (e) {
            throw new CliError(
              "RPC_UNREACHABLE",
              `No JSON-RPC node answers at ${opts.rpc}: ${(e as Error).message.split("\n")[0]}.`,
            );
          }
          const deployer = new Wallet(key.startsWith("0x") ? key : `0x${key}`, provider);

          let gatewayKeys: { authority: string; relayer: string } | undefined;
          if (opts.dataDir) {
            const { AUTHORITY_LABEL, RELAYER_LABEL, derivePrivateKey } =
              require("../chain/keyring") as typeof import("../chain/keyring");
            const seed = await openDataDirSeed(opts.dataDir);
            gatewayKeys = {
              authority: computeAddress(derivePrivateKey(seed, AUTHORITY_LABEL)),
              relayer: computeAddress(derivePrivateKey(seed, RELAYER_LABEL)),
            };
          }
          const admin = opts.admin ?? gatewayKeys?.authority ?? deployer.address;
          const pauser = opts.pauser ?? admin;
          const d = await deployCertledger(deployer, { admin, pauser });
          const out: AddressesFile = {
            chainId: Number(d.addresses.chainId),
            registry: d.addresses.authorityRegistry,
            ledger: d.addresses.certificateLedger,
            consent: d.addresses.consentRegistry,
            fromBlock: d.addresses.deployedAtBlock,
          };
          const text = `${JSON.stringify(out, null, 2)}\n`;
          const written: string[] = [];
          if (opts.out) {
            fs.writeFileSync(opts.out, text);
            written.push(opts.out);
          }
          const funded: string[] = [];
          if (opts.dataDir && gatewayKeys) {
            const f = path.join(opts.dataDir, `deployment-${out.chainId}.json`);
            fs.writeFileSync(f, text);
            written.push(f);
            const wei = parseEther(opts.fund);
            for (const a of [gatewayKeys.relayer, gatewayKeys.authority]) {
              if (wei === 0n || (await provider.getBalance(a)) > 0n) continue;
              await (await deployer.sendTransaction({ to: a, value: wei })).wait();
              funded.push(a);
            }
          }
          emit(g, { ...out, admin, pauser, deployer: deployer.address, files: written, funded }, () =>
            [
              `deployed on chain ${out.chainId} at block ${out.fromBlock}`,
              `  registry  ${out.registry}`,
              `  ledger    ${out.ledger}`,
              `  consent   ${out.consent}`,
              `  admin     ${admin}${gatewayKeys && admin === gatewayKeys.authority ? " (the gateway's authority key)" : ""}`,
              ...written.map((f) => `wrote ${f}`),
              ...funded.map((a) => `funded ${a} with ${opts.fund} ether`),
              opts.dataDir
                ? `start the gateway on it:  certledger start --rpc ${opts.rpc} --data-dir ${opts.dataDir}`
                : `a gateway runs it with  certledger start --rpc ${opts.rpc} --addresses ${opts.out ?? "<file>"}  once its authority key is the admin (deploy with --data-dir <its data dir> to arrange that)`,
            ].join("\n"),
          );
        } finally {
          provider.destroy();
        }
      },
    );
}

/** The seed of a gateway's data directory, from its keystore (created, or migrated, as the gateway would). */
async function openDataDirSeed(dataDir: string): Promise<Uint8Array> {
  const { ConfigError, loadConfig } = require("../config") as typeof import("../config");
  const { KeystoreError, openSeedKeystore, seedKeystoreOptions } =
    require("../chain/seedKeystore") as typeof import("../chain/seedKeystore");
  try {
    const config = loadConfig(process.env);
    return await openSeedKeystore(
      dataDir,
      seedKeystoreOptions(config, (msg) => process.stderr.write(`warning: ${msg}\n`)),
    );
  } catch (e) {
    if (e instanceof KeystoreError) throw new CliError(e.code, e.message, 2);
    if (e instanceof ConfigError) throw new CliError("BAD_CONFIG", e.message, 2);
    throw e;
  }
}
