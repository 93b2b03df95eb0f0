import { Config, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpEffect, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpApiEndpoint } from "effect/http-api"
import { RateLimiter } from "effect/persistence"
import {
  type Action,
  actsAsOwner,
  authorize,
  type Caller,
  isMutation,
  needsOwners,
  type OwnerSet
} from "../../../domain/Access.ts"
import { addressOf } from "../../../domain/Email.ts"
import { ApiKeys } from "./ApiKeys.ts"
import { type AuditNote, auditOnResponse, CurrentAuditNote } from "./Audit.ts"
import { addressKey } from "./ClientAddress.ts"
import { type AuthError, Forbidden, TooManyRequests, Unauthorized } from "./Errors.ts"
import { Owners } from "./Owners.ts"
import { Authentication, CheckedList, CurrentCaller } from "./Security.ts"
import { EXPIRED_TOKEN, TokenVerifier } from "./TokenVerifier.ts"
import * as ApiErrors from "../ApiErrors.ts"

export const realm = "distribution-list-api"

/** The action an endpoint performs, from its method and path (`…/members` is membership). */
export const actionOf = (method: string, path: string): Action => {
  const members = /\/members\/?$/.test(path)
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
    case "OPTIONS":
      return "read"
    case "POST":
      return members ? "addMembers" : "create"
    case "DELETE":
      return members ? "removeMembers" : "delete"
    default:
      return "update"
  }
}

const quote = (value: string) => `"${value.replace(/["\\]/g, "")}"`

/**
 * `RATE_LIMIT_PER_MINUTE`: requests per authenticated caller per minute, and failed authentications per
 * client address per minute (0 turns both limits off).
 */
export const rateLimitConfig = Config.schema(
  Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  "RATE_LIMIT_PER_MINUTE"
).pipe(Config.withDefault(600))

/** A caller's rate-limit key: a user by object id, as a name may change within the window. */
export const budgetKey = (caller: Caller): string => `${caller.kind}:${caller.objectId ?? caller.name}`

/** The connection's peer address (behind a proxy: the proxy's, unless it is trusted to forward the client's). */
const clientAddress = (request: HttpServerRequest.HttpServerRequest): string =>
  Option.getOrElse(request.remoteAddress, () => "unknown")

const bodyOwners = (request: HttpServerRequest.HttpServerRequest) =>
  request.json.pipe(
    Effect.map((body): ReadonlyArray<string> | undefined => {
      const owners = typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)["ownerEmails"]
        : undefined
      // as the endpoint will read them: "Name <address>" is the address
      return Array.isArray(owners) && owners.every((o) => typeof o === "string") ? owners.map(addressOf) : undefined
    }),
    Effect.orElseSucceed(() => undefined)
  )

export const make = Effect.gen(function*() {
  const apiKeys = yield* ApiKeys
  const tokens = yield* TokenVerifier
  const owners = yield* Owners
  const limiter = yield* RateLimiter.RateLimiter
  const perMinute = yield* rateLimitConfig

  const challenge = (bearerError: string | undefined) => {
    const bearer = [`Bearer realm=${quote(realm)}`]
    if (tokens.challenge !== "") bearer.push(tokens.challenge)
    if (bearerError !== undefined) bearer.push(`error="invalid_token"`, `error_description=${quote(bearerError)}`)
    const schemes = [bearer.join(", ")]
    if (apiKeys.enabled) schemes.push(`ApiKey realm=${quote(realm)}, header="X-API-Key"`)
    return schemes.join(", ")
  }

  const reject = (error: Unauthorized, bearerPresented: boolean, scheme: string) =>
    HttpEffect.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        response.status === 401
          ? HttpServerResponse.setHeader(response, "www-authenticate", challenge(bearerPresented ? error.details : undefined))
          : response
      )
    ).pipe(
      Effect.andThen(Effect.logWarning("Authentication failed").pipe(
        Effect.annotateLogs({ scheme, reason: error.details })
      )),
      Effect.andThen(Effect.fail(error))
    )

  /**
   * Consumes one unit of `key`'s budget; over it, a 429 with `Retry-After` and `details(seconds)`. A limiter
   * that cannot answer lets the request through (logged).
   */
  const consume = (key: string, details: (seconds: number) => string) =>
    perMinute <= 0 ? Effect.void : limiter.consume({
      key,
      limit: perMinute,
      window: "1 minute",
      onExceeded: "fail"
    }).pipe(
      Effect.asVoid,
      Effect.catch((error) => {
        if (error.reason._tag !== "RateLimitExceeded") {
          return Effect.logWarning("Rate limiter unavailable; request let through").pipe(
            Effect.annotateLogs({ reason: error.reason.message })
          )
        }
        const seconds = Math.max(1, Math.ceil(Duration.toSeconds(error.reason.retryAfter)))
        return HttpEffect.appendPreResponseHandler((_request, response) =>
          Effect.succeed(response.status === 429 ? HttpServerResponse.setHeader(response, "retry-after", String(seconds)) : response)
        ).pipe(Effect.andThen(Effect.fail(TooManyRequests.because(details(seconds)))))
      })
    )

  /** Callers who authenticated: a budget per identity (a user by object id: a name may change within the window). */
  const limit = (caller: Caller) =>
    consume(
      budgetKey(caller),
      (seconds) => `More than ${perMinute} requests per minute; retry after ${seconds} s.`
    )

  /**
   * A failed authentication (no, bad or unsupported credentials) counts against its client address (an
   * IPv6 address by its /64, see `addressKey`): past
   * `perMinute` of them, that address gets 429s instead of 401s until the window ends. Successful callers
   * never spend this budget, so a client that authenticates is not held up by others at its address.
   */
  const refuse = (request: HttpServerRequest.HttpServerRequest, error: Unauthorized, bearerPresented: boolean, scheme: string) =>
    consume(
      `auth-failure:${addressKey(clientAddress(request))}`,
      (seconds) => `Too many failed authentications from this address; retry after ${seconds} s.`
    ).pipe(
      Effect.tapError(() =>
        Effect.logWarning("Failed authentications over the limit").pipe(
          Effect.annotateLogs({ scheme, address: clientAddress(request) })
        )
      ),
      Effect.andThen(reject(error, bearerPresented, scheme))
    )

  const authenticate = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const authorization = request.headers["authorization"]
    const apiKey = request.headers["x-api-key"]
    const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
    if (bearer !== undefined) {
      return yield* tokens.verify(Redacted.make(bearer)).pipe(
        Effect.catchIf((error) => error instanceof Unauthorized, (error) =>
          // jose checks the signature before the expiry: an expired token is authentic, so no guessing to
          // slow down, and behind a proxy it must not turn other clients' 401s (their cue to refresh) into 429s
          error.details === EXPIRED_TOKEN ? reject(error, true, "Bearer") : refuse(request, error, true, "Bearer"))
      )
    }
    if (apiKey !== undefined) {
      const caller = apiKeys.enabled ? apiKeys.authenticate(Redacted.make(apiKey)) : Option.none()
      if (Option.isSome(caller)) return caller.value
      const why = apiKeys.enabled ? "The API key is not valid." : "API keys are not enabled."
      return yield* refuse(request, Unauthorized.because(why), false, "ApiKey")
    }
    const why = authorization === undefined
      ? "Authentication required: send an access token (Authorization: Bearer) or an API key (X-API-Key)."
      : "Unsupported authorization scheme: send an access token (Authorization: Bearer) or an API key (X-API-Key)."
    return yield* refuse(request, Unauthorized.because(why), false, "none")
  })

  /** Decides; for an owner check, returns the identity of the list it was made on. */
  const permit = Effect.fnUntraced(function*(caller: Caller, action: Action, dlId: string | undefined) {
    const request = yield* HttpServerRequest.HttpServerRequest
    let listOwners: OwnerSet | undefined
    let checkedList: string | undefined
    const ownersBy = needsOwners(caller, action)
    if (ownersBy !== undefined && dlId !== undefined) {
      const found = yield* owners.of(dlId, request.headers["x-anchormailbox"], ownersBy)
      // Fail closed: the endpoint would read the list again, and a list that becomes visible in between
      // (Exchange replicates new lists with a delay) must not be changed unchecked. Same 404 as the endpoint.
      if (Option.isNone(found)) {
        return yield* new ApiErrors.NotFound({
          error: "Distribution List not found",
          details: `Distribution List '${dlId}' not found.`
        })
      }
      listOwners = found.value.owners
      checkedList = found.value.list
    }
    const requested = actsAsOwner(caller, action) && (action === "create" || action === "update")
      ? yield* bodyOwners(request)
      : undefined
    const requestedOwners = requested === undefined ? undefined : { addresses: requested }
    let decision = authorize(caller, action, { owners: listOwners, requestedOwners })
    if (!decision.allowed && decision.lookUpRequestedOwners === true && requested !== undefined) {
      const ids = yield* owners.idsOf([...new Set(requested.map((address) => address.trim().toLowerCase()))])
      decision = authorize(caller, action, { owners: listOwners, requestedOwners: { addresses: requested, ids } })
    }
    if (!decision.allowed) {
      const callerId = caller.objectId === undefined ? {} : { callerId: caller.objectId }
      yield* Effect.logWarning("Access denied").pipe(Effect.annotateLogs({ caller: caller.name, ...callerId, action }))
      return yield* Forbidden.because(decision.reason)
    }
    return checkedList
  })

  /** Who calls, the note of the mutation's audit line (undefined for reads), the list an owner check was on. */
  type Decided = { readonly caller: Caller; readonly note: AuditNote | undefined; readonly checkedList: string | undefined }

  const decide = (endpoint: HttpApiEndpoint.Top): Effect.Effect<
    Decided,
    AuthError,
    HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext
  > =>
    Effect.gen(function*() {
      const route = yield* HttpRouter.RouteContext
      const action = actionOf(endpoint.method, endpoint.path)
      const dlId = route.params["dlId"] ?? Object.values(route.params)[0]
      const caller = yield* authenticate
      const note = isMutation(action) ? yield* auditOnResponse(caller, action, dlId) : undefined
      yield* limit(caller)
      const checkedList = yield* permit(caller, action, dlId)
      return { caller, note, checkedList }
    })

  // Both security schemes share one decision per request: the builder tries the next scheme when
  // one fails, and the second attempt must neither log, count nor audit again.
  const decisions = new WeakMap<object, Effect.Effect<Decided, AuthError, any>>()
  const run: Authentication["Service"]["bearer"] = (httpEffect, { endpoint }) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      let decision = decisions.get(request)
      if (decision === undefined) {
        decision = yield* Effect.cached(decide(endpoint))
        decisions.set(request, decision)
      }
      const { caller, checkedList, note } = yield* decision
      return yield* httpEffect.pipe(
        Effect.provideService(CurrentCaller, caller),
        Effect.provideService(CurrentAuditNote, note),
        Effect.provideService(CheckedList, checkedList)
      )
    })

  return Authentication.of({ bearer: run, apiKey: run })
})

/** Needs `ApiKeys`, `TokenVerifier`, `Owners` and a `RateLimiter` (see `RateLimitStore`). */
export const layer: Layer.Layer<
  Authentication,
  Config.ConfigError,
  ApiKeys | TokenVerifier | Owners | RateLimiter.RateLimiter
> = Layer.effect(Authentication, make)

/** Accepts every request as `caller` without checking credentials: for tests of other concerns. */
export const layerTest = (
  caller: Caller = { kind: "apiKey", name: "test", role: "admin" }
): Layer.Layer<Authentication> => {
  const run: Authentication["Service"]["bearer"] = (httpEffect) => Effect.provideService(httpEffect, CurrentCaller, caller)
  return Layer.succeed(Authentication, Authentication.of({ bearer: run, apiKey: run }))
}
