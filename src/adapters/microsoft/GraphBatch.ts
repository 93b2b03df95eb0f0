import { Clock, Duration, Effect, Schema } from "effect"
import { HttpClientRequest, type HttpClientResponse } from "effect/http"
import { Forbidden, UpstreamError } from "../../application/ports/UpstreamError.ts"
import { MAX_BATCH_REQUESTS } from "./GraphQueries.ts"
import { chunk, failed, headerValue, jsonBody, retryAfterMillis, transient } from "./Wire.ts"

export interface GraphRequest {
  readonly id: string
  readonly method: "GET" | "POST"
  /** Relative to the version root, e.g. `/users?$filter=…` (spec graph-and-identity.md §2). */
  readonly url: string
  /** Per-request headers inside the batch (e.g. `ConsistencyLevel`, spec §1.2). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export interface GraphResponse {
  readonly id: string
  readonly status: number
  readonly headers: unknown
  readonly body: unknown
}

type Send = (
  request: HttpClientRequest.HttpClientRequest,
  operation: string
) => Effect.Effect<HttpClientResponse.HttpClientResponse, UpstreamError>

// 424: throttling.md says a batch with throttled requests "itself fails with 424" while
// json-batching.md says 200 (spec graph-and-identity.md §2, a conflict); we never use dependsOn,
// so a 424 can only mean throttling and is retried like a 429.
const THROTTLED = [424, 429, 503, 504]
/**
 * Retrying is layered once per concern. A whole call that fails (a throttled or failed POST, a lost
 * connection, a lookup that got nothing through) is retried by the caller's schedule
 * (`application/Retry.ts` `upstream`: UPSTREAM_RETRY_ATTEMPTS, 8 by default, `Retry-After` honoured), as
 * for Exchange; `sendJson` does not retry. Only `makeBatches` re-sends, and only throttled requests, since
 * only it can send them alone (spec §2 "Throttling"): in a next pass, after `max(Retry-After, back-off)`,
 * while the pass before got at least one request of the call answered, for at most INNER_ROUNDS passes.
 * A pass with nothing answered fails `Transient` for the caller's schedule. So under sustained throttling
 * each `$batch` is POSTed once per attempt of that schedule (8 in all by default), and a throttled request
 * at most INNER_ROUNDS times per attempt while the rest of its call gets through.
 */
export const INNER_ROUNDS = 4
/** A `Retry-After` longer than this is not waited for here: the call fails `Transient` and the caller decides. */
const INNER_MAX_WAIT_MILLIS = 30_000

const errorCode = (body: unknown): string => {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code
  return typeof code === "string" ? code : "no error code"
}

/** A Graph failure as a port error; the body is never copied, only its error code. */
export const graphError = (
  operation: string,
  status: number,
  headers: unknown,
  body: unknown,
  nowMillis: number
): UpstreamError => {
  if (THROTTLED.includes(status)) {
    return transient(operation, status, retryAfterMillis(headerValue(headers, "retry-after"), nowMillis))
  }
  if (status === 401 || status === 403) {
    return new UpstreamError({
      operation,
      reason: new Forbidden({
        hint: `Microsoft Graph refused the app (${status} ${errorCode(body)}): grant it the application permission ` +
          `User.Read.All (or Directory.Read.All) with admin consent`
      })
    })
  }
  return failed(operation, `Microsoft Graph answered ${status} (${errorCode(body)})`)
}

const BatchBody = Schema.Struct({
  responses: Schema.Array(Schema.Struct({
    id: Schema.String,
    status: Schema.Number,
    headers: Schema.optional(Schema.Unknown),
    body: Schema.optional(Schema.Unknown)
  }))
})

/**
 * Sends one request to Graph. Throttling (429/503/504, `Retry-After` kept) fails `Transient` without a retry
 * here: the caller's schedule is the one retry of a whole call (see INNER_ROUNDS).
 */
export const sendJson = (send: Send) =>
(request: HttpClientRequest.HttpClientRequest, operation: string): Effect.Effect<unknown, UpstreamError> =>
  Effect.gen(function*() {
    const response = yield* send(HttpClientRequest.acceptJson(request), operation)
    const body = yield* jsonBody(response)
    if (response.status >= 200 && response.status < 300) return body
    return yield* Effect.fail(graphError(operation, response.status, response.headers, body, yield* Clock.currentTimeMillis))
  })

/** What a pass left throttled: the requests, and the longest wait (and its status) asked for. */
interface Throttled {
  readonly requests: Array<GraphRequest>
  status: number
  waitMillis: number
}

const throttle = (into: Throttled, request: GraphRequest, status: number, waitMillis: number | undefined) => {
  into.requests.push(request)
  if (into.requests.length === 1 || (waitMillis ?? 0) > into.waitMillis) {
    into.status = status
    into.waitMillis = waitMillis ?? 0
  }
}

/**
 * Runs requests as JSON `$batch`es of at most 20, `concurrency` at a time. Each answered request goes to
 * `onAnswer` as its `$batch` arrives; throttled ones (an inner 424/429/503/504, a missing answer, or every
 * request of a `$batch` throttled as a whole) are sent again as described at INNER_ROUNDS.
 */
export const makeBatches = (send: Send, graphBaseUrl: string) => {
  const post = sendJson(send)
  const sendBatch = (requests: ReadonlyArray<GraphRequest>, operation: string) =>
    post(
      HttpClientRequest.post(`${graphBaseUrl}/$batch`).pipe(
        HttpClientRequest.bodyJsonUnsafe({
          requests: requests.map(({ headers, id, method, url }) => ({ id, method, url, ...(headers ? { headers } : {}) }))
        })
      ),
      operation
    ).pipe(
      Effect.flatMap((raw) =>
        Schema.decodeUnknownEffect(BatchBody)(raw).pipe(
          Effect.mapError(() => failed(operation, "Microsoft Graph returned an unreadable $batch response"))
        )
      ),
      Effect.map((batch) => new Map(batch.responses.map((response) => [response.id, response])))
    )

  return (options: {
    readonly requests: ReadonlyArray<GraphRequest>
    readonly operation: string
    readonly concurrency: number
    readonly onAnswer: (response: GraphResponse) => Effect.Effect<void, UpstreamError>
  }): Effect.Effect<void, UpstreamError> =>
    Effect.gen(function*() {
      const { concurrency, onAnswer, operation } = options
      let pending = options.requests
      for (let pass = 1; pending.length > 0; pass++) {
        const throttled: Throttled = { requests: [], status: 429, waitMillis: 0 }
        let answered = 0
        yield* Effect.forEach(
          chunk(pending, MAX_BATCH_REQUESTS),
          (part) =>
            sendBatch(part, operation).pipe(
              Effect.matchEffect({
                onFailure: (error) => {
                  const reason = error.reason
                  if (reason._tag !== "Transient" || reason.status === undefined || !THROTTLED.includes(reason.status)) {
                    return Effect.fail(error)
                  }
                  for (const request of part) throttle(throttled, request, reason.status, reason.retryAfterMillis)
                  return Effect.void
                },
                onSuccess: (byId) =>
                  Effect.flatMap(Clock.currentTimeMillis, (now) =>
                    Effect.forEach(part, (request) => {
                      const response = byId.get(request.id)
                      if (response === undefined || THROTTLED.includes(response.status)) {
                        const wait = retryAfterMillis(headerValue(response?.headers, "retry-after"), now)
                        throttle(throttled, request, response?.status ?? 503, wait)
                        return Effect.void
                      }
                      answered++
                      return onAnswer({ id: request.id, status: response.status, headers: response.headers, body: response.body })
                    }, { discard: true }))
              })
            ),
          { concurrency, discard: true }
        )
        if (throttled.requests.length === 0) return
        const waitMillis = Math.max(throttled.waitMillis, 500 * 2 ** (pass - 1))
        if (answered === 0 || pass >= INNER_ROUNDS || waitMillis > INNER_MAX_WAIT_MILLIS) {
          return yield* Effect.fail(
            transient(operation, throttled.status, throttled.waitMillis > 0 ? throttled.waitMillis : undefined)
          )
        }
        yield* Effect.sleep(Duration.millis(waitMillis))
        pending = throttled.requests
      }
    })
}
