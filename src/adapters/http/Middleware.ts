import { Cause, Clock, Context, Effect } from "effect"
import { HttpEffect, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Docs from "./Docs.ts"
import * as Cors from "./Cors.ts"
import * as ErrorResponses from "./ErrorResponses.ts"
import { CurrentNotFoundCache, isListNotFound, lookupKey, type NotFoundAnswer, NotFoundCache } from "./NotFoundCache.ts"
import { asWritten, forRouting, pathOf } from "./RequestTarget.ts"

/** The id of the request being served ("" outside a request); it is also on every log line as `requestId`. */
export const RequestId = Context.Reference<string>("distribution-list-api/adapters/http/RequestId", {
  defaultValue: () => ""
})

// No spaces or brackets: the id is written as `[<id>]` on every log line, and must not be able to close
// that field and fake the rest of the line.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,200}$/

/** The caller's `X-Request-ID` when it is 1–200 characters of `A-Z a-z 0-9 . _ : / + = -`, else a new UUID. */
export const requestIdOf = (header: string | undefined): string => {
  const trimmed = header?.trim()
  return trimmed !== undefined && SANE_REQUEST_ID.test(trimmed) ? trimmed : globalThis.crypto.randomUUID()
}

type App = Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>

/** The answer as the server writes it, for the not-found cache; undefined when it is not a list's 404. */
const notFoundAnswer = (response: HttpServerResponse.HttpServerResponse): NotFoundAnswer | undefined => {
  if (response.status !== 404 || response.body._tag !== "Uint8Array" || !isListNotFound(response.body.body)) return undefined
  const headers: Array<string> = []
  let requestIdAt = -1
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === "connection") continue
    if (name === "x-request-id") requestIdAt = headers.length + 1
    headers.push(name, name === "x-request-id" ? "" : value)
  }
  if (requestIdAt === -1) return undefined
  return { headers, requestIdAt, body: new TextDecoder().decode(response.body.body) }
}

/** Keeps a lookup's 404 for the fast path (changes empty the cache in `Handlers`, once authenticated). */
const withNotFoundCache = (
  notFound: NotFoundCache,
  request: HttpServerRequest.HttpServerRequest,
  target: string,
  clock: Clock.Clock,
  app: App
): App => {
  if (!notFound.enabled) return app
  const key = lookupKey(request.method, target, request.headers)
  if (key === undefined) return app
  return Effect.suspend(() => {
    const startedAt = notFound.lookupStarts()
    // The answer is read as it is written: after the pre-response handlers the routes registered
    // (security headers), which only one registered after them sees.
    const keep = HttpEffect.appendPreResponseHandler((_request, response) =>
      Effect.sync(() => {
        const answer = notFoundAnswer(response)
        if (answer !== undefined) notFound.keep(key, startedAt, answer, clock.currentTimeMillisUnsafe())
        else notFound.drop(key)
        return response
      })
    )
    return Effect.ensuring(app, Effect.provideService(keep, HttpServerRequest.HttpServerRequest, request))
  })
}

/**
 * Wraps every request, matched or not: request id (echoed, put in the logs), CORS, the standard
 * error body for anything the routes did not answer themselves, and one access-log line.
 */
export const make = (options: {
  readonly allowOrigin: (origin: string) => boolean
  readonly served: ErrorResponses.Served
  readonly notFound?: NotFoundCache | undefined
}) =>
(app: App): App =>
  Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const requestId = requestIdOf(request.headers["x-request-id"])
    const clock = fiber.getRef(Clock.Clock)
    const start = clock.currentTimeMillisUnsafe()
    const originHeader = request.headers.origin
    const origin = originHeader !== undefined && options.allowOrigin(originHeader) ? originHeader : undefined
    // Routed as the client wrote it (see RequestTarget); the access log names that path too.
    const { routable, target } = asWritten(request)
    const path = pathOf(target)
    const methods = request.method === "OPTIONS" ? ErrorResponses.allowedMethods(target, options.served) : []
    const routed = forRouting(request, target)
    const routedApp = routed === request ? app : Effect.provideService(app, HttpServerRequest.HttpServerRequest, routed)
    // An empty path segment is no route: `DELETE /api/dl//members` or `DELETE /api/dl/` (an id left empty
    // by the client) would otherwise act on a list called "" (see Routes.serveOptions).
    const handled: App = !routable
      ? Effect.succeed(ErrorResponses.badRequest)
      : path.includes("//") || (path.length > 1 && path.endsWith("/"))
      ? Effect.succeed(ErrorResponses.notFound)
      : request.method === "OPTIONS"
      ? Effect.succeed(methods.length === 0 ? ErrorResponses.notFound : Cors.preflight(origin, methods))
      : Effect.catchCause(
        options.notFound === undefined ? routedApp : withNotFoundCache(options.notFound, request, target, clock, routedApp),
        (cause) => ErrorResponses.fromCause(cause, requestId, options.served)
      )
    const accessLog = (status: number) =>
      Effect.logInfo("HTTP request").pipe(
        Effect.annotateLogs({
          method: request.method,
          path,
          status,
          durationMs: clock.currentTimeMillisUnsafe() - start
        })
      )
    return handled.pipe(
      Effect.flatMap((response) => {
        const withId = HttpServerResponse.setHeader(response, "x-request-id", requestId)
        const final = origin === undefined || request.method === "OPTIONS" ? withId : Cors.withCorsHeaders(withId, origin)
        return Effect.as(accessLog(final.status), final)
      }),
      // an interrupted request still gets its line, with the status the server answers: 499 when the caller
      // went away, 503 when the server cut it (shutdown)
      Effect.onError((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? accessLog(
            cause.reasons.some((reason) => reason._tag === "Interrupt" && reason.annotations.has(HttpServerError.ClientAbort.key))
              ? 499
              : 503
          )
          : Effect.void
      ),
      Effect.annotateLogs("requestId", requestId),
      Effect.provideService(RequestId, requestId)
    )
  })

/**
 * The request middleware for every route, configured from `CORS_ORIGINS` and `DOCS_ENABLED`, keeping
 * lookups' 404s in the service's `CurrentNotFoundCache` (disabled unless provided).
 */
export const layer = HttpRouter.middleware(
  Effect.map(
    Effect.all([Cors.origins, Docs.enabled, Effect.service(CurrentNotFoundCache)]),
    ([origins, docs, notFound]) => make({ allowOrigin: (origin) => origins.has(origin), served: { docs }, notFound })
  ),
  { global: true }
)
