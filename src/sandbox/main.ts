/**
 * `npm run sandbox`: the sandbox tenant alone on `SANDBOX_PORT` (default 8081, on `SANDBOX_HOST`,
 * default 127.0.0.1). Prints its base URL and its registered app's credentials (the sandbox's own
 * fake ones; printing them is the point). With `SANDBOX_CERT_PATH` set, writes the registered
 * certificate and its private key there as one PEM file, for msal-node's `clientCertificate`.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Config, Console, Context, Effect, FileSystem, Layer, Option, Redacted } from "effect"
import * as Server from "./Server.ts"
import { TenantModel } from "./tenant/TenantModel.ts"

const banner = (info: Server.SandboxInfo, domain: string, certPath: Option.Option<string>) => {
  const { baseUrl: base, tenantId: tenant } = info
  return [
    `Sandbox tenant listening on ${base}`,
    "",
    "Registered app (sandbox-only credentials):",
    `  SANDBOX_TENANT_ID      ${tenant}  (also ${info.tenantDomain})`,
    `  SANDBOX_CLIENT_ID      ${info.clientId}`,
    `  SANDBOX_CLIENT_SECRET  ${Redacted.value(info.clientSecret)}`,
    `  certificate            thumbprintSha256 ${info.certificate.thumbprintSha256}`,
    Option.match(certPath, {
      onNone: () => "                         set SANDBOX_CERT_PATH to write its private key and certificate (PEM)",
      onSome: (path) => `                         private key + certificate PEM written to ${path}`
    }),
    "",
    "Endpoints:",
    `  token      POST ${base}/${tenant}/oauth2/v2.0/token`,
    `  OIDC       GET  ${base}/${tenant}/v2.0/.well-known/openid-configuration  (JWKS: ${base}/${tenant}/discovery/v2.0/keys)`,
    `  Graph           ${base}/v1.0`,
    `  Exchange   POST ${base}/adminapi/beta/${tenant}/InvokeCommand`,
    `  control         ${base}/_sandbox/tokens | stats | users | behaviour`,
    "",
    "Run the service against it with:",
    `  TENANT_ID=${tenant} CLIENT_ID=${info.clientId} CLIENT_SECRET='${Redacted.value(info.clientSecret)}' \\`,
    `  AUTHORITY_HOST=${base} GRAPH_BASE_URL=${base}/v1.0 EXCHANGE_BASE_URL=${base} CUSTOM_DOMAIN=${domain}`
  ].join("\n")
}

const program = Effect.gen(function*() {
  const options = yield* Config.all({
    port: Config.Port("SANDBOX_PORT").pipe(Config.withDefault(8081)),
    host: Config.String("SANDBOX_HOST").pipe(Config.withDefault("127.0.0.1")),
    certPath: Config.option(Config.String("SANDBOX_CERT_PATH"))
  })
  const context = yield* Layer.build(Server.layerWith(Server.layerServices, { port: options.port, host: options.host }))
  const info = Context.get(context, Server.Sandbox)
  if (Option.isSome(options.certPath)) {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(options.certPath.value, `${info.certificate.privateKeyPem}\n${info.certificate.certificatePem}\n`, { mode: 0o600 })
  }
  yield* Console.log(banner(info, Context.get(context, TenantModel).domain, options.certPath))
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

NodeRuntime.runMain(program)
