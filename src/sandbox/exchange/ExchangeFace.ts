import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SandboxConfig } from "../Config.ts"
import { AccessTokens, type Claims } from "../identity/AccessTokens.ts"
import { baseUrlOf, newGuid, searchParamsOf } from "../identity/RequestInfo.ts"
import { exchangeAudiences } from "../identity/Resources.ts"
import { SandboxStats } from "../Stats.ts"
import { Behaviour, type SandboxFault } from "../tenant/Behaviour.ts"
import { TenantModel } from "../tenant/TenantModel.ts"
import { checkAnchor } from "./Anchor.ts"
import { runBatch } from "./Batch.ts"
import { errorResponse, makeRunner, operationOf, selectFrom, type WireResponse } from "./CommandRunner.ts"
import * as Envelope from "./Envelope.ts"

/**
 * Audiences an Exchange Online token may carry: the resource URI (spec §1.2), the `outlook.office.com`
 * host that answers too (§1.1), either with a trailing slash, or the resource app id. One list with
 * what the token endpoint issues (`Resources.exchangeAudiences`).
 */
export const EXCHANGE_AUDIENCES = exchangeAudiences

/** App-only needs `Exchange.ManageAsApp` (spec §1.2); a delegated token needs the `Exchange.Manage` scope. */
const mayManage = (claims: Claims): boolean =>
  claims.roles.includes("Exchange.ManageAsApp") || (claims.scp ?? "").split(" ").includes("Exchange.Manage")

// The header Exchange Online sends with a 401 (Bearer challenge naming its resource app id).
const CHALLENGE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"'

export const toHttp = (response: WireResponse): HttpServerResponse.HttpServerResponse =>
  response.body instanceof Uint8Array
    ? HttpServerResponse.uint8Array(response.body, { status: response.status, headers: response.headers })
    : response.body === null
    ? HttpServerResponse.empty({ status: response.status, headers: response.headers })
    : HttpServerResponse.jsonUnsafe(response.body, { status: response.status, headers: response.headers })

const faultResponse = (fault: SandboxFault): WireResponse =>
  fault.status === 429
    ? { status: 429, headers: { "retry-after": String(fault.retryAfterSeconds ?? 1), "content-type": "application/json" }, body: Envelope.throttled() }
    : { status: 503, headers: { "content-type": "application/json" }, body: Envelope.unavailable() }

const unauthorized = (message: string): WireResponse => ({
  status: 401,
  headers: { "content-type": "application/json", "www-authenticate": CHALLENGE },
  body: Envelope.unauthorized(message)
})

const forbidden = (appId: string): WireResponse => ({
  status: 403,
  headers: {
    "content-type": "application/json",
    "content-encoding": "gzip",
    // spec §5.1: on 403, x-ms-diagnostics carries the authorization reason [S8]
    "x-ms-diagnostics": `2000008;reason="The application ${appId} does not hold the Exchange.ManageAsApp role.";error_category="insufficient_claims"`
  },
  body: Envelope.FORBIDDEN_BODY
})

const readJson = (request: HttpServerRequest.HttpServerRequest) =>
  request.text.pipe(
    Effect.map((text): unknown => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        return undefined
      }
    }),
    Effect.orElseSucceed((): unknown => undefined)
  )

/**
 * The Exchange admin REST face: `POST /adminapi/beta/{tenant}/InvokeCommand` and `/$batch` (spec
 * exchange-admin-rest.md). Order of checks: method and version, token (401), role (403), tenant
 * segment, anchor (400), then the behaviour knobs (latency, throttle, faults), then the cmdlet.
 */
export const layer: Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | TenantModel | Behaviour | SandboxStats | SandboxConfig | AccessTokens
> = HttpRouter.use(Effect.fn(function*(router) {
  const run = yield* makeRunner
  const tokens = yield* AccessTokens
  const behaviour = yield* Behaviour
  const stats = yield* SandboxStats
  const config = yield* SandboxConfig
  const tenantModel = yield* TenantModel
  const tenantNames = new Set([config.tenantId, config.tenantDomain, tenantModel.domain].map((n) => n.toLowerCase()))

  const handle = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { version = "", tenant = "", operation = "" } = yield* HttpRouter.params
    const op = operation.toLowerCase()
    if (op !== "invokecommand" && op !== "$batch") return HttpServerResponse.empty({ status: 404 })
    // spec §1.1: POST only; InvokeCommand under v1.0 answers 405 (S9, measured).
    if (request.method !== "POST" || version.toLowerCase() === "v1.0") return HttpServerResponse.empty({ status: 405 })
    if (version.toLowerCase() !== "beta") return HttpServerResponse.empty({ status: 404 })

    const body = yield* readJson(request)
    // Every request that reaches the face counts, refused or not: benchmarks report upstream calls.
    yield* stats.count("exchange", op === "$batch" ? "$batch" : operationOf(body))
    const claims = yield* tokens.verify(request.headers["authorization"], EXCHANGE_AUDIENCES).pipe(Effect.option)
    if (claims._tag === "None") {
      return toHttp(unauthorized("Access token is missing, invalid, expired or not issued for Exchange Online."))
    }
    if (!mayManage(claims.value)) return toHttp(forbidden(claims.value.appid))
    // UNVERIFIED: a tenant segment naming another tenant than the token's is refused like a bad token.
    if (!tenantNames.has(tenant.toLowerCase()) || claims.value.tid.toLowerCase() !== config.tenantId.toLowerCase()) {
      return toHttp(unauthorized(`The token is not valid for tenant '${tenant}'.`))
    }
    const outerAnchor = request.headers["x-anchormailbox"]
    const origin = baseUrlOf(request)
    const caller = { appId: claims.value.appid, upn: claims.value.upn }
    // SANDBOX_LOST_REPLY_RATE: a write that was applied (a 2xx; a $batch whose parts ran), whose caller
    // gets a 503 instead of its answer
    const orLost = (write: boolean) => (response: WireResponse) =>
      write && response.status >= 200 && response.status < 300
        ? Effect.map(behaviour.loseReply, (lost) => lost === undefined ? response : faultResponse(lost))
        : Effect.succeed(response)
    if (op === "$batch") {
      const admitted = yield* behaviour.admit("exchange", caller.appId).pipe(Effect.result)
      if (admitted._tag === "Failure") return toHttp(faultResponse(admitted.failure))
      return toHttp(
        yield* runBatch(run, stats, { origin, tenant, body, caller, outerAnchor, prefer: request.headers["prefer"] }).pipe(
          Effect.flatMap(orLost(true))
        )
      )
    }
    const anchorError = checkAnchor(outerAnchor)
    if (anchorError) return toHttp(errorResponse(anchorError))
    const admitted = yield* behaviour.admit("exchange", caller.appId).pipe(Effect.result)
    if (admitted._tag === "Failure") return toHttp(faultResponse(admitted.failure))
    const write = !/^get-/i.test(operationOf(body))
    return toHttp(yield* Effect.flatMap(run({
      origin,
      tenant,
      body,
      prefer: request.headers["prefer"],
      skipToken: searchParamsOf(request).get("$skiptoken") ?? undefined,
      select: selectFrom(searchParamsOf(request)),
      caller
    }), orLost(write)))
  })

  // The router matches paths case-insensitively, so `/AdminApi/...` (S10) lands here too.
  // spec §3.1 [V-cap S1]: every answer carries a `Request-Id` GUID.
  const withRequestId = Effect.flatMap(handle, (response) =>
    Effect.map(newGuid, (id) => HttpServerResponse.setHeader(response, "request-id", id)))
  yield* router.add("*", "/adminapi/:version/:tenant/:operation", withRequestId)
}))
