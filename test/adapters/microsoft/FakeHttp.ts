import { Effect, Layer, Redacted } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Cloud from "../../../src/adapters/microsoft/Cloud.ts"
import { Tokens } from "../../../src/adapters/microsoft/Tokens.ts"

export const TENANT = "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c"
export const GRAPH = "https://graph.microsoft.com/v1.0"
export const EXCHANGE = `https://outlook.office365.com/adminapi/beta/${TENANT}`

export interface FakeRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly json: any
}

export interface FakeReply {
  readonly status: number
  readonly headers?: Record<string, string>
  /** JSON-encoded unless a string. */
  readonly body?: unknown
}

/** An `HttpClient` answering from `handler`, recording every request. */
export const fakeHttp = (handler: (request: FakeRequest) => Effect.Effect<FakeReply>) => {
  const requests: Array<FakeRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = request.body
      const text = body._tag === "Uint8Array" ? body.text ?? new TextDecoder().decode(body.body) : undefined
      const recorded: FakeRequest = {
        method: request.method,
        url: url.toString(),
        headers: request.headers,
        json: text === undefined || text === "" ? undefined : JSON.parse(text)
      }
      requests.push(recorded)
      const reply = yield* handler(recorded)
      const payload = reply.body === undefined ? null : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
      return HttpClientResponse.fromWeb(
        request,
        new Response(payload, {
          status: reply.status,
          headers: { "content-type": "application/json", ...reply.headers }
        })
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Fixed tokens, counting invalidations. */
export const fakeTokens = () => {
  const invalidated: Array<string> = []
  const layer = Layer.succeed(
    Tokens,
    Tokens.of({
      get: (resource) => Effect.succeed(Redacted.make(`token-for-${resource}`)),
      invalidate: (resource) => Effect.sync(() => void invalidated.push(resource))
    })
  )
  return { invalidated, layer }
}

export const cloudLayer = Cloud.layerWith({ TENANT_ID: TENANT, CLIENT_ID: "app" })

/** The OData `in (...)` lists and `proxyAddresses/any(...)` values of one of our filters. */
export const parseFilter = (filter: string) => {
  const values = (list: string) => [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replaceAll("''", "'"))
  const lists: Record<string, Array<string>> = {}
  for (const match of filter.matchAll(/(\w+) in \(((?:'(?:[^']|'')*',?)*)\)/g)) lists[match[1]!] = values(match[2]!)
  const proxies = [...filter.matchAll(/proxyAddresses\/any\(p:p eq '((?:[^']|'')*)'\)/g)].map((m) =>
    m[1]!.replaceAll("''", "'")
  )
  return { lists, proxies }
}
