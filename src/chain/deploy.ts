/**
 * Deploys the three certledger contracts wired together, with plain ethers and the typechain factories,
 * so it runs against any JSON-RPC node (or the in-process Hardhat network) without importing Hardhat.
 */
import type { Signer } from "ethers";
import {
  AuthorityRegistry__factory,
  CertificateLedger__factory,
  ConsentRegistry__factory,
  type AuthorityRegistry,
  type CertificateLedger,
  type ConsentRegistry,
} from "../../typechain-types";

export interface DeployCertledgerOptions {
  /** The authority admin (two-step transfer later). Default: the deployer. */
  admin?: string;
  /** The address that may pause and unpause. Default: the deployer. */
  pauser?: string;
}

export interface CertledgerAddresses {
  chainId: string;
  authorityRegistry: string;
  certificateLedger: string;
  consentRegistry: string;
  deployedAtBlock: number;
}

export interface CertledgerDeployment {
  addresses: CertledgerAddresses;
  registry: AuthorityRegistry;
  ledger: CertificateLedger;
  consent: ConsentRegistry;
}

export async function deployCertledger(
  signer: Signer,
  options: DeployCertledgerOptions = {},
): Promise<CertledgerDeployment> {
  const deployer = await signer.getAddress();
  const provider = signer.provider;
  if (!provider) throw new Error("deployCertledger: the signer must be connected to a provider");

  const registry = await new AuthorityRegistry__factory(signer).deploy(
    options.admin ?? deployer,
    options.pauser ?? deployer,
  );
  const registryReceipt = await registry.deploymentTransaction()!.wait();
  const ledger = await new CertificateLedger__factory(signer).deploy(await registry.getAddress());
  await ledger.waitForDeployment();
  const consent = await new ConsentRegistry__factory(signer).deploy(await ledger.getAddress());
  await consent.waitForDeployment();

  const { chainId } = await provider.getNetwork();
  return {
    addresses: {
      chainId: chainId.toString(),
      authorityRegistry: await registry.getAddress(),
      certificateLedger: await ledger.getAddress(),
      consentRegistry: await consent.getAddress(),
      deployedAtBlock: registryReceipt!.blockNumber,
    },
    registry,
    ledger,
    consent,
  };
}
