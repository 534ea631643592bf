/**
 * hardhat run scripts/deploy.ts --network <name>
 *
 * Deploys the contracts with the network's first account and writes their addresses as JSON to
 * stdout and to $CERTLEDGER_DEPLOY_OUT (default deployments/<network>.json).
 * Set CERTLEDGER_ADMIN / CERTLEDGER_PAUSER to hand the roles to other addresses.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ethers, network } from "hardhat";
import { deployCertledger } from "../src/chain/deploy";

export { deployCertledger } from "../src/chain/deploy";

async function main(): Promise<void> {
  const [signer] = await ethers.getSigners();
  const { addresses } = await deployCertledger(signer, {
    admin: process.env.CERTLEDGER_ADMIN,
    pauser: process.env.CERTLEDGER_PAUSER,
  });
  const out = process.env.CERTLEDGER_DEPLOY_OUT ?? `deployments/${network.name}.json`;
  mkdirSync(dirname(out), { recursive: true });
  const json = JSON.stringify({ network: network.name, ...addresses }, null, 2);
  writeFileSync(out, json + "\n");
  console.log(json);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
