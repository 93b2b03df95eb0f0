import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { authorized, RESPONSE_TIMEOUT } from "../../../src/adapters/microsoft/Wire.ts"

const tokens = {
  get: () => Effect.succeed(Redacted.make("token")),
  invalidate: () => Effect.void
}

describe("Wire.authorized", () => {
  it.effect("a request that never gets an answer fails as transient after the response timeout", () =>
    Effect.gen(function*() {
      const stalled = HttpClient.make(() => Effect.never)
      const send = authorized(stalled, tokens, "exchange")
      const fiber = yield* Effect.forkChild(send(HttpClientRequest.post("https://outlook.office365.com/x"), "Get-DistributionGroup"))
      yield* TestClock.adjust(Duration.subtract(RESPONSE_TIMEOUT, Duration.millis(1)))
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "UpstreamError")
      assert.strictEqual(error.reason._tag, "Transient")
    }))
})
