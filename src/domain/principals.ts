/**
 * API principals: authority, agency and verifier keys for the gateway, each bound to the on-chain
 * identity it acts for. The key is shown once; only its sha256 is stored.
 */
import { forbidden, unauthorized } from "./errors";
import { randomId, randomToken, sha256Hex } from "./hashing";
import type { Address, DomainDeps, Principal, PrincipalRole } from "./ports";

export interface CreatePrincipalParameters {
  role: PrincipalRole;
  address: Address;
  label: string;
}

export interface CreatePrincipalReturnType {
  principal: Principal;
  /** Shown once. */
  apiKey: string;
}

const PREFIX: Record<PrincipalRole, string> = { authority: "cla", agency: "clg", verifier: "clv" };

export function hashApiKey(apiKey: string): string {
  return sha256Hex(apiKey);
}

export async function createPrincipal(
  deps: Pick<DomainDeps, "principals" | "clock" | "index">,
  p: CreatePrincipalParameters,
): Promise<CreatePrincipalReturnType> {
  const address = p.address.toLowerCase() as Address;
  if (p.role === "agency" && !(await deps.index.agency(address)))
    throw forbidden("AGENCY_NOT_FOUND", `No agency is registered at ${address}; register it first.`);
  if (p.role === "verifier" && !(await deps.index.verifier(address)))
    throw forbidden("VERIFIER_NOT_FOUND", `No verifier is registered at ${address}; register it first.`);
  const apiKey = `${PREFIX[p.role]}_${randomToken(32)}`;
  const principal: Principal = {
    id: randomId(),
    role: p.role,
    address,
    label: p.label,
    createdAt: deps.clock.now(),
    disabled: false,
  };
  await deps.principals.create({ ...principal, keyHash: hashApiKey(apiKey) });
  return { principal, apiKey };
}

/** Resolves an API key to its principal; throws 401 for an unknown or disabled key. */
export async function authenticatePrincipal(deps: Pick<DomainDeps, "principals">, apiKey: string): Promise<Principal> {
  const principal = await deps.principals.findByKeyHash(hashApiKey(apiKey));
  if (!principal || principal.disabled)
    throw unauthorized("INVALID_CREDENTIALS", "The API key is not valid. Check the Authorization: Bearer header.");
  return principal;
}

export function requireRole(principal: Principal, role: PrincipalRole): void {
  if (principal.role !== role)
    throw forbidden("WRONG_ROLE", `This route is for ${role} principals; the key belongs to a ${principal.role}.`);
}
