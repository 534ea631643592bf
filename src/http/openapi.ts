/** The OpenAPI 3.1 document, generated from the zod schemas the routes validate with. */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";

export function newRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key of an authority, agency or verifier principal (created by the authority; shown once).",
  });
  return registry;
}

export function generateOpenApi(registry: OpenAPIRegistry): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "certledger gateway",
      version: "0.1.0",
      description:
        "Issue, consent, verify and audit government electronic certificates on an EVM ledger. Errors are " +
        '`{"error":{"code","message","details"}}`; a 4xx is the client\'s to fix, a 5xx ours (retry).',
    },
    servers: [{ url: "/" }],
    tags: [
      {
        name: "authority",
        description: "The city's data authority: types, agencies, keys, verifiers, API principals.",
      },
      { name: "agency", description: "Issuing agencies: issue, batch, revoke, suspend, reinstate, supersede." },
      {
        name: "holder",
        description:
          "Citizens and companies: consent grants and the audit trail, by signature; pickups of issued documents and wallet backups, sealed in the browser.",
      },
      { name: "verifier", description: "Counters and online verifiers: verify under consent and record checks." },
      { name: "public", description: "Anyone: status and integrity without consent." },
      { name: "chain", description: "The embedded chain's read-only JSON-RPC, to verify without the gateway." },
      { name: "ops", description: "Health, readiness and metrics." },
    ],
  });
}
