import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Tracing from "../../../src/adapters/observability/Tracing.ts"

// The headers of the one request `HttpClient.get` sends, through the real fetch client.
const sentHeaders = (tracing: Layer.Layer<never>) =>
  Effect.gen(function*() {
    const seen: Array<Headers> = []
    const fetch: typeof globalThis.fetch = (input, init) => {
      seen.push(new Request(input, init).headers)
      return Promise.resolve(new Response("{}", { status: 200 }))
    }
    yield* HttpClient.get("https://graph.example.invalid/v1.0/users").pipe(
      Effect.provide(FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))),
      Effect.provide(tracing)
    )
    expect(seen).toHaveLength(1)
    return seen[0]!
  })

describe("Tracing.layerOff", () => {
  it.effect("upstream requests carry no trace propagation headers", () =>
    Effect.gen(function*() {
      const headers = yield* sentHeaders(Tracing.layerOff)
      expect(headers.has("traceparent")).toBe(false)
      expect(headers.has("b3")).toBe(false)
    }))

  it.effect("without it Effect's client would send them (what the layer turns off)", () =>
    Effect.gen(function*() {
      const headers = yield* sentHeaders(Layer.empty)
      expect(headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
      expect(headers.has("b3")).toBe(true)
    }))
})
