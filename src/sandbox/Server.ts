import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import { HttpEffect, HttpRouter, HttpServer, type HttpServerError } from "effect/http"
import { createServer } from "node:http"
import { SandboxConfig } from "./Config.ts"
import { AccessTokens } from "./identity/AccessTokens.ts"
import * as ControlRoutes from "./control/ControlRoutes.ts"
import * as ExchangeFace from "./exchange/ExchangeFace.ts"
import * as GraphRoutes from "./graph/GraphRoutes.ts"
import * as IdentityRoutes from "./identity/IdentityRoutes.ts"
import { RegisteredApps } from "./identity/RegisteredApps.ts"
import { certificatePem, privateKeyPem } from "./identity/SandboxCertificate.ts"
import { SandboxStats } from "./Stats.ts"
import { Behaviour } from "./tenant/Behaviour.ts"
import { TenantModel } from "./tenant/TenantModel.ts"

/** Everything the faces share: one tenant, one signing key, one set of knobs and counters. */
export type SandboxServices = SandboxConfig | AccessTokens | RegisteredApps | SandboxStats | Behaviour | TenantModel

/** All faces on one router, by path: identity platform, Graph v1.0, Exchange admin REST, `/_sandbox` control. */
export const routes: Layer.Layer<never, never, HttpRouter.HttpRouter | SandboxServices> = Layer.mergeAll(
  IdentityRoutes.layer,
  GraphRoutes.layer,
  ExchangeFace.layer,
  ControlRoutes.layer
)

/** The shared services from the environment (`SANDBOX_*`, `CUSTOM_DOMAIN`). */
export const layerServices: Layer.Layer<SandboxServices, unknown> = Layer.mergeAll(
  AccessTokens.layer,
  RegisteredApps.layer,
  SandboxStats.layer,
  Behaviour.layer,
  TenantModel.layer
).pipe(Layer.provideMerge(SandboxConfig.layer))

/** Test services: default settings, no generated users, knobs off unless given. */
export const layerServicesTest = (
  options: {
    readonly config?: Parameters<typeof SandboxConfig.layerWith>[0]
    readonly tenant?: Parameters<typeof TenantModel.layerTest>[0]
    readonly knobs?: Parameters<typeof Behaviour.layerTest>[0]
  } = {}
): Layer.Layer<SandboxServices> =>
  Layer.mergeAll(
    AccessTokens.layer,
    RegisteredApps.layer,
    SandboxStats.layer,
    Behaviour.layerTest(options.knobs),
    TenantModel.layerTest(options.tenant)
  ).pipe(Layer.provideMerge(SandboxConfig.layerWith(options.config)))

/** The faces' router, kept in the output so the in-process sandbox can also answer without a socket. */
const router = Layer.provideMerge(routes, HttpRouter.layer)

/** Serves the sandbox on `host:port` (port 0: an ephemeral port), keeping `HttpServer` (its address) in the output. */
export const layerServe = (options: { readonly port: number; readonly host?: string }) =>
  Layer.unwrap(Effect.map(Effect.service(HttpRouter.HttpRouter), (r) => HttpServer.serve(r.asHttpEffect()))).pipe(
    Layer.provideMerge(router),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host ?? "127.0.0.1" }))
  )

/** What a client of the sandbox needs to know: where it is and the registered app's credentials. */
export interface SandboxInfo {
  readonly baseUrl: string
  readonly tenantId: string
  readonly tenantDomain: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The registered certificate and its private key, for msal-node's `clientCertificate`. */
  readonly certificate: {
    readonly certificatePem: string
    readonly privateKeyPem: string
    readonly thumbprintSha256: string
    readonly thumbprint: string
  }
}

export class Sandbox extends Context.Service<Sandbox, SandboxInfo>()("distribution-list-api/sandbox/Sandbox") {}

const describe = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const config = yield* SandboxConfig
  const apps = yield* RegisteredApps
  const certificate = apps.serviceApp.certificates[0]!
  return Sandbox.of({
    // A wildcard listener (0.0.0.0, ::) is reached on loopback from this machine.
    baseUrl: HttpServer.formatAddress(server.address).replace(/\/$/, "").replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, "//127.0.0.1"),
    tenantId: config.tenantId,
    tenantDomain: config.tenantDomain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    certificate: {
      certificatePem,
      privateKeyPem,
      thumbprintSha256: certificate.thumbprints.sha256Hex,
      thumbprint: certificate.thumbprints.sha1Hex
    }
  })
})

/**
 * The sandbox listening on `host:port` with the given services, as a `Sandbox` (base URL and credentials),
 * plus the services themselves (tests seed the tenant or turn knobs through them).
 */
export const layerWith = <E>(
  services: Layer.Layer<SandboxServices, E>,
  options: { readonly port?: number; readonly host?: string } = {}
): Layer.Layer<Sandbox | HttpRouter.HttpRouter | SandboxServices, E | HttpServerError.ServeError> =>
  Layer.effect(Sandbox, describe).pipe(
    Layer.provideMerge(layerServe({ port: options.port ?? 0, ...(options.host ? { host: options.host } : {}) })),
    Layer.provideMerge(services)
  ) as Layer.Layer<Sandbox | HttpRouter.HttpRouter | SandboxServices, E | HttpServerError.ServeError>

/** In-process sandbox from the environment on an ephemeral loopback port (the service's `main.ts` without `TENANT_ID`). */
export const layerInProcess = layerWith(layerServices)

/** The in-process sandbox: where it listens, and a `fetch` that reaches the same tenant without a socket. */
export interface InProcessSandbox extends SandboxInfo {
  /**
   * `globalThis.fetch`, except that URLs under `baseUrl` are answered by the sandbox's router in memory:
   * the same requests, headers and bodies as on the wire, without the loopback TCP round trip.
   */
  readonly fetch: typeof globalThis.fetch
}

/** Like `fetch`: an aborted signal rejects with its reason, before or while the answer is being made. */
const abortable = (signal: AbortSignal, answer: Promise<Response>): Promise<Response> => {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener("abort", onAbort, { once: true })
    answer.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
  })
}

/** Starts the in-process sandbox in the current scope: it listens on a loopback port and answers in memory. */
export const start: Effect.Effect<InProcessSandbox, unknown, Scope.Scope> = Effect.gen(function*() {
  const context = yield* Layer.build(layerInProcess)
  const info = Context.get(context, Sandbox)
  // the router that already serves the port, so both ways in reach one tenant
  const handler = HttpEffect.toWebHandler(Context.get(context, HttpRouter.HttpRouter).asHttpEffect())
  const prefix = `${info.baseUrl}/`
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(prefix)) return globalThis.fetch(input, init)
    const request = new Request(input, init)
    // as on the wire: the faces build `@odata.nextLink` and token issuers from the Host header
    if (!request.headers.has("host")) request.headers.set("host", new URL(request.url).host)
    return abortable(request.signal, handler(request))
  }
  return { ...info, fetch }
})
