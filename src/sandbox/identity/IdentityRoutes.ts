import { Clock, Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Behaviour } from "../tenant/Behaviour.ts"
import { SandboxStats } from "../Stats.ts"
import { type AadError, aadErrorBody, AadErrors } from "./AadErrors.ts"
import { AccessTokens } from "./AccessTokens.ts"
import { instanceDiscovery, multiTenantSegments, openIdConfiguration } from "./Discovery.ts"
import { type ImdsError, managedIdentityToken } from "./ManagedIdentityEndpoint.ts"
import { RegisteredApps } from "./RegisteredApps.ts"
import { baseUrlOf, hostOf, newGuid, searchParamsOf } from "./RequestInfo.ts"
import { clientCredentials } from "./TokenEndpoint.ts"

const json = "application/json; charset=utf-8"
// spec §6.2: the real token response headers (recording R).
const tokenHeaders = (requestId: string, code: number) => ({
  "cache-control": "no-store, no-cache",
  pragma: "no-cache",
  expires: "-1",
  "x-ms-request-id": requestId,
  "x-ms-ests-server": "2.1.0 - sandbox",
  "x-ms-clitelem": `1,${code},0,,`
})
// spec §6.4/§6.5: metadata documents are cacheable for a day.
const metadataHeaders = { "cache-control": "max-age=86400, private" }

// UNVERIFIED: how the STS renders a transient failure or throttle; always with Retry-After, because msal's
// throttle cache otherwise blocks identical requests locally for 60 s (spec §7.5).
const transient: AadError = {
  status: 503,
  error: "temporarily_unavailable",
  code: 90033,
  text: "A transient error has occurred. Please try again."
}

const aadErrorResponse = Effect.fnUntraced(function*(error: AadError, correlationId: string, retryAfter?: number) {
  const traceId = yield* newGuid
  const now = yield* Clock.currentTimeMillis
  return HttpServerResponse.jsonUnsafe(aadErrorBody(error, { traceId, correlationId, now }), {
    status: error.status,
    contentType: json,
    headers: {
      ...tokenHeaders(traceId, error.code),
      ...(retryAfter === undefined ? {} : { "retry-after": String(retryAfter) })
    }
  })
})

const routes = Effect.gen(function*() {
  const stats = yield* SandboxStats
  const behaviour = yield* Behaviour
  const apps = yield* RegisteredApps
  const tokens = yield* AccessTokens
  const provide = <A, E>(effect: Effect.Effect<A, E, RegisteredApps | AccessTokens>) =>
    effect.pipe(Effect.provideService(RegisteredApps, apps), Effect.provideService(AccessTokens, tokens))

  const token = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { tenant = "" } = yield* HttpRouter.params
    yield* stats.count("identity", "token")
    const correlationId = searchParamsOf(request).get("client-request-id") ?? request.headers["client-request-id"] ??
      (yield* newGuid)
    const form = new URLSearchParams(yield* Effect.orElseSucceed(request.text, () => ""))
    const admitted = yield* Effect.result(behaviour.admit("identity", form.get("client_id") ?? ""))
    if (admitted._tag === "Failure") {
      const fault = admitted.failure
      return yield* aadErrorResponse({ ...transient, status: fault.status }, correlationId, fault.retryAfterSeconds ?? 1)
    }
    const input = { tenant, form, authorization: request.headers["authorization"], host: hostOf(request) }
    return yield* provide(clientCredentials(input)).pipe(
      Effect.flatMap((body) =>
        Effect.map(newGuid, (requestId) =>
          HttpServerResponse.jsonUnsafe(body, { contentType: json, headers: tokenHeaders(requestId, 0) }))
      ),
      Effect.catch((error: AadError) => aadErrorResponse(error, correlationId))
    )
  })

  /** Metadata routes answer for this tenant (GUID or domain) and for `common`/`organizations`/`consumers`. */
  const withTenant = (operation: string, f: (base: string, tenant: string) => unknown) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const { tenant = "" } = yield* HttpRouter.params
      yield* stats.count("identity", operation)
      const segment = tenant.toLowerCase()
      if (!apps.isTenant(segment) && !multiTenantSegments.has(segment)) {
        return yield* aadErrorResponse(AadErrors.unknownTenant(tenant), request.headers["client-request-id"] ?? (yield* newGuid))
      }
      const body = f(baseUrlOf(request), multiTenantSegments.has(segment) ? segment : apps.tenantId)
      return HttpServerResponse.jsonUnsafe(body, { contentType: json, headers: metadataHeaders })
    })

  const openIdConfigurationRoute = withTenant("openid-configuration", openIdConfiguration)
  const keysRoute = withTenant("keys", (base, tenant) => ({
    keys: [{ ...tokens.signingKey, issuer: `${base}/${multiTenantSegments.has(tenant) ? "{tenantid}" : tenant}/v2.0` }]
  }))
  const instanceDiscoveryRoute = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* stats.count("identity", "instance-discovery")
    const body = instanceDiscovery(baseUrlOf(request), searchParamsOf(request).get("authorization_endpoint") ?? undefined)
    return HttpServerResponse.jsonUnsafe(body, { contentType: json, headers: metadataHeaders })
  })
  // spec §9: the IMDS managed-identity endpoint (msal's IMDS source, redirected here by
  // AZURE_POD_IDENTITY_AUTHORITY_HOST). Faults answer like the STS's: 429/503 with Retry-After.
  const imdsToken = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* stats.count("identity", "managed-identity")
    const query = searchParamsOf(request)
    const admitted = yield* Effect.result(behaviour.admit("identity", query.get("client_id") ?? apps.serviceApp.clientId))
    const imdsError = (error: ImdsError, headers: Record<string, string> = {}) =>
      HttpServerResponse.jsonUnsafe({ error: error.error, error_description: error.error_description }, {
        status: error.status,
        contentType: json,
        headers
      })
    if (admitted._tag === "Failure") {
      const fault = admitted.failure
      const text = fault.status === 429 ? "Too many requests" : "Service temporarily unavailable" // UNVERIFIED texts
      return imdsError({ status: fault.status, error: "server_error", error_description: text }, {
        "retry-after": String(fault.retryAfterSeconds ?? 1)
      })
    }
    return yield* provide(managedIdentityToken({ metadataHeader: request.headers["metadata"], query })).pipe(
      Effect.map((body) => HttpServerResponse.jsonUnsafe(body, { contentType: json })),
      Effect.catch((error: ImdsError) => Effect.succeed(imdsError(error)))
    )
  })
  return { token, openIdConfigurationRoute, keysRoute, instanceDiscoveryRoute, imdsToken }
})

/**
 * The identity platform face (spec: graph-and-identity.md §6): token endpoint (client credentials;
 * trailing slash accepted, as regional msal URLs carry one: §7.4), OpenID configuration, JWKS and
 * instance discovery; and the managed-identity endpoint of an Azure VM's IMDS (§9).
 */
export const layer: Layer.Layer<never, never, HttpRouter.HttpRouter | AccessTokens | RegisteredApps | SandboxStats | Behaviour> =
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const { token, openIdConfigurationRoute, keysRoute, instanceDiscoveryRoute, imdsToken } = yield* routes
      // The router ignores a trailing slash, so `/token/` (regional msal URLs) lands here too.
      yield* router.add("POST", "/:tenant/oauth2/v2.0/token", token)
      yield* router.add("GET", "/:tenant/v2.0/.well-known/openid-configuration", openIdConfigurationRoute)
      yield* router.add("GET", "/:tenant/discovery/v2.0/keys", keysRoute)
      yield* router.add("GET", "/common/discovery/instance", instanceDiscoveryRoute)
      // msal lower-cases the URL and adds a trailing slash (spec §9); the router ignores the slash.
      yield* router.add("GET", "/metadata/identity/oauth2/token", imdsToken)
    })
  )
