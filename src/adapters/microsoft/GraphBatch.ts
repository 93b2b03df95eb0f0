import { Clock, Duration, Effect, Schema } from "effect"
import { HttpClientRequest, type HttpClientResponse } from "effect/http"
import { Forbidden, UpstreamError } from "../../application/ports/UpstreamError.ts"
import { failed, headerValue, jsonBody, retryAfterMillis, throttleRetry, transient } from "./Wire.ts"

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
// Throttled requests inside a batch are retried by us, up to this many rounds (spec §2 "Throttling").
const INNER_ROUNDS = 4

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

/** Sends one request to Graph, retrying throttling (429/503/504 with `Retry-After`) a few times. */
export const sendJson = (send: Send) =>
(request: HttpClientRequest.HttpClientRequest, operation: string): Effect.Effect<unknown, UpstreamError> =>
  Effect.gen(function*() {
    const response = yield* send(HttpClientRequest.acceptJson(request), operation)
    const body = yield* jsonBody(response)
    if (response.status >= 200 && response.status < 300) return body
    return yield* Effect.fail(graphError(operation, response.status, response.headers, body, yield* Clock.currentTimeMillis))
  }).pipe(Effect.retry(throttleRetry({ statuses: THROTTLED, times: 3, maxWait: "30 seconds" })))

/**
 * Runs up to 20 requests as one JSON `$batch`. Inner responses that were throttled are sent again,
 * alone, after the longest `Retry-After` among them; the rest are returned as Graph gave them.
 */
export const makeBatch = (send: Send, graphBaseUrl: string) => {
  const post = sendJson(send)
  return (requests: ReadonlyArray<GraphRequest>, operation: string) =>
    Effect.gen(function*() {
      const results = new Map<string, GraphResponse>()
      let pending = requests
      for (let round = 1; pending.length > 0; round++) {
        const raw = yield* post(
          HttpClientRequest.post(`${graphBaseUrl}/$batch`).pipe(
            HttpClientRequest.bodyJsonUnsafe({
              requests: pending.map(({ headers, id, method, url }) => ({ id, method, url, ...(headers ? { headers } : {}) }))
            })
          ),
          operation
        )
        const batch = yield* Schema.decodeUnknownEffect(BatchBody)(raw).pipe(
          Effect.mapError(() => failed(operation, "Microsoft Graph returned an unreadable $batch response"))
        )
        const byId = new Map(batch.responses.map((response) => [response.id, response]))
        const now = yield* Clock.currentTimeMillis
        const retry: Array<GraphRequest> = []
        let waitMillis = 0
        for (const request of pending) {
          const response = byId.get(request.id)
          const throttled = response === undefined || THROTTLED.includes(response.status)
          if (throttled && round < INNER_ROUNDS) {
            retry.push(request)
            waitMillis = Math.max(waitMillis, retryAfterMillis(headerValue(response?.headers, "retry-after"), now) ?? 0)
          } else {
            results.set(request.id, {
              id: request.id,
              status: response?.status ?? 503,
              headers: response?.headers,
              body: response?.body
            })
          }
        }
        if (retry.length > 0) yield* Effect.sleep(Duration.millis(Math.max(waitMillis, 500 * 2 ** (round - 1))))
        pending = retry
      }
      return results as ReadonlyMap<string, GraphResponse>
    })
}
