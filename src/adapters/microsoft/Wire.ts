import { Duration, Effect } from "effect"
import { type HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import { Failed, Transient, UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { Resource, Tokens } from "./Tokens.ts"

export const chunk = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/**
 * `Retry-After` in milliseconds. Graph and Exchange send seconds, possibly fractional
 * (spec graph-and-identity.md §5 "Retry-After: 2.128"; exchange-admin-rest.md §5.2: parsed as double);
 * an HTTP date is honoured too.
 */
export const retryAfterMillis = (value: string | undefined | null, nowMillis: number): number | undefined => {
  if (value === undefined || value === null || value.trim() === "") return undefined
  const trimmed = value.trim()
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}

/** Reads `Retry-After` from a header record whose key case is unknown (batch responses). */
export const headerValue = (headers: unknown, name: string): string | undefined => {
  if (typeof headers !== "object" || headers === null) return undefined
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === "string") return value
    if (key.toLowerCase() === wanted && typeof value === "number") return String(value)
  }
  return undefined
}

export const transient = (operation: string, status: number | undefined, retryAfter: number | undefined) =>
  new UpstreamError({
    operation,
    reason: new Transient({
      throttled: status === 429,
      ...(status === undefined ? {} : { status }),
      ...(retryAfter === undefined ? {} : { retryAfterMillis: retryAfter })
    })
  })

export const failed = (operation: string, detail: string) => new UpstreamError({ operation, reason: new Failed({ detail }) })

/** How long Graph or Exchange may take to start answering one request. */
export const RESPONSE_TIMEOUT = Duration.seconds(120)

/**
 * How long a request may take to start answering, and whether running out of it is final: a write Exchange
 * may still be applying is not sent again (`final`), anything else is transient.
 */
export interface ResponseLimit {
  readonly timeout: Duration.Duration
  readonly final: boolean
}

const usualLimit: ResponseLimit = { timeout: RESPONSE_TIMEOUT, final: false }

/**
 * Sends a request with the resource's bearer token, its response read whole within `limit`. A transport
 * failure is `Transient`. A 401 drops the cached token and the request is sent once more with a fresh one
 * (as the Exchange module does, spec exchange-admin-rest.md §7): a token can be revoked, or the sandbox
 * restarted.
 */
export const authorized = (client: HttpClient.HttpClient, tokens: Tokens["Service"], resource: Resource) => {
  const send = (request: HttpClientRequest.HttpClientRequest, operation: string, limit: ResponseLimit) =>
    Effect.flatMap(tokens.get(resource), (token) =>
      client.execute(HttpClientRequest.bearerToken(request, token)).pipe(
        // the body within the limit too (kept by the response for whoever reads it): a reply whose body
        // stalls holds the request as long as one that never starts. One cut off is left to its status
        // (a 503 whose body broke off is still a 503).
        Effect.tap((response) => Effect.ignore(response.arrayBuffer)),
        Effect.catchTag("HttpClientError", (error) =>
          Effect.fail(
            error.reason._tag === "TransportError"
              ? transient(operation, undefined, undefined)
              : failed(operation, `request failed (${error.reason._tag})`)
          )),
        // A stalled connection must not hold a request (and every retry of it) for the HTTP stack's
        // minutes-long default; a timed-out call may have been applied, like any transient failure.
        Effect.timeoutOrElse({
          duration: limit.timeout,
          orElse: () =>
            Effect.fail(
              limit.final
                ? failed(operation, `no answer within ${Duration.toSeconds(limit.timeout)} s; Exchange may still apply it`)
                : transient(operation, undefined, undefined)
            )
        })
      ))
  return (request: HttpClientRequest.HttpClientRequest, operation: string, limit: ResponseLimit = usualLimit) =>
    Effect.flatMap(send(request, operation, limit), (response) =>
      response.status === 401
        ? Effect.andThen(tokens.invalidate(resource), send(request, operation, limit))
        : Effect.succeed(response))
}

/** The body as JSON; an empty or non-JSON body (Exchange's 403 is NUL bytes, spec §5.2) is `undefined`. */
export const jsonBody = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<unknown> =>
  response.text.pipe(
    Effect.flatMap((text) => {
      const trimmed = text.trim()
      return trimmed[0] === "{" || trimmed[0] === "["
        ? Effect.try(() => JSON.parse(trimmed) as unknown)
        : Effect.succeed(undefined)
    }),
    Effect.orElseSucceed(() => undefined)
  )
