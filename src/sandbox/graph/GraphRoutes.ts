import { Clock, Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { AccessTokens, type TokenRejectedReason } from "../identity/AccessTokens.ts"
import { baseUrlOf, newGuid } from "../identity/RequestInfo.ts"
import { graphAudiences } from "../identity/Resources.ts"
import { SandboxStats } from "../Stats.ts"
import { Behaviour } from "../tenant/Behaviour.ts"
import { TenantModel } from "../tenant/TenantModel.ts"
import { batch } from "./GraphBatch.ts"
import { dispatch, type GraphDeps } from "./GraphDispatch.ts"
import { badRequest, graphError, type GraphResponse, type RequestIds } from "./GraphResponse.ts"

// UNVERIFIED: Graph's 401 texts per failure; the code InvalidAuthenticationToken and the
// WWW-Authenticate challenge are what Graph is commonly seen to send.
const unauthorizedMessages: Readonly<Record<TokenRejectedReason, string>> = {
  Missing: "Access token is empty.",
  Malformed: "IDX14100: JWT is not well formed, there are no dots (.).",
  BadSignature: "Access token validation failure. Invalid signature.",
  Expired: "Lifetime validation failed, the token is expired.",
  NotYetValid: "Lifetime validation failed, the token is not yet valid.",
  WrongAudience: "Access token validation failure. Invalid audience.",
  WrongIssuer: "Access token validation failure. Invalid issuer."
}
const challenge =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'

const render = (response: GraphResponse, ids: RequestIds) => {
  const { "Content-Type": contentType, ...headers } = response.headers
  // `/$count` answers text/plain (spec §1.2); every other body is JSON.
  const make = typeof response.body === "string"
    ? (options: HttpServerResponse.Options.WithContentType) => HttpServerResponse.text(response.body as string, options)
    : (options: HttpServerResponse.Options.WithContentType) => HttpServerResponse.jsonUnsafe(response.body, options)
  return make({
    status: response.status,
    contentType: contentType ?? "application/json",
    headers: {
      ...headers,
      "request-id": ids.requestId,
      "client-request-id": ids.clientRequestId,
      "x-ms-ags-diagnostic": JSON.stringify({
        ServerInfo: { DataCenter: "Sandbox", Slice: "E", Ring: "0", ScaleUnit: "000", RoleInstance: "SANDBOX", ADSiteName: "SBX" }
      })
    }
  })
}

const readJson = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.flatMap(Effect.orElseSucceed(request.text, () => ""), (text) =>
    text.trim() === ""
      ? Effect.succeed(undefined)
      : Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => "invalid" as const }))

/** The Graph v1.0 face under `/v1.0` (spec: graph-and-identity.md §1–§5). */
export const layer: Layer.Layer<never, never, HttpRouter.HttpRouter | AccessTokens | SandboxStats | Behaviour | TenantModel> =
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const deps: GraphDeps = { model: yield* TenantModel, behaviour: yield* Behaviour, stats: yield* SandboxStats }

      const handler = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const requestId = yield* newGuid
        const ids: RequestIds = {
          requestId,
          clientRequestId: request.headers["client-request-id"] ?? requestId,
          now: yield* Clock.currentTimeMillis
        }
        const verified = yield* Effect.result(tokens.verify(request.headers["authorization"], graphAudiences))
        if (verified._tag === "Failure") {
          yield* deps.stats.count("graph", "401")
          const reason = verified.failure.reason
          return render(
            graphError(401, "InvalidAuthenticationToken", unauthorizedMessages[reason], ids, { "WWW-Authenticate": challenge }),
            ids
          )
        }
        const url = request.url.replace(/^\/v1\.0/i, "")
        const q = url.indexOf("?")
        const path = q < 0 ? url : url.slice(0, q)
        const body = request.method === "POST" || request.method === "PATCH" ? yield* Effect.result(readJson(request)) : undefined
        if (body?._tag === "Failure") return render(badRequest("Invalid JSON payload.", ids, "BadRequest"), ids)
        const call = { claims: verified.success, base: baseUrlOf(request), ids }
        if (/^\/\$batch\/?$/i.test(path) && request.method === "POST") {
          yield* deps.stats.count("graph", "POST /$batch")
          return render(yield* batch(deps, body?.success, call), ids)
        }
        const response = yield* dispatch(deps, {
          method: request.method,
          path,
          query: new URLSearchParams(q < 0 ? "" : url.slice(q + 1)),
          target: url,
          headers: request.headers,
          body: body?.success
        }, { ...call, batched: false })
        return render(response, ids)
      })

      yield* router.add("*", "/v1.0/*", handler)
    })
  )
