import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as Cmdlets from "../../../src/adapters/exchange/Cmdlets.ts"
import type { Command } from "../../../src/adapters/exchange/Cmdlets.ts"
import { Cloud } from "../../../src/adapters/microsoft/Cloud.ts"
import * as ExchangeClient from "../../../src/adapters/microsoft/ExchangeClient.ts"
import { authorized, RESPONSE_TIMEOUT } from "../../../src/adapters/microsoft/Wire.ts"
import { cloudLayer } from "./FakeHttp.ts"

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

  it.effect("an answer whose body breaks off is still judged by its status (a 503 stays retryable)", () =>
    Effect.gen(function*() {
      const broken = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(new ReadableStream({ start: (controller) => controller.error(new Error("connection reset")) }), { status: 503 })
        )))
      const response = yield* authorized(broken, tokens, "exchange")(HttpClientRequest.post("https://outlook.office365.com/x"), "Get-DistributionGroup")
      assert.strictEqual(response.status, 503)
    }))

  it.effect("an answer whose body stalls fails as transient after the same timeout", () =>
    Effect.gen(function*() {
      const stalledBody = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(request, new Response(new ReadableStream({}), { status: 200 }))))
      const send = authorized(stalledBody, tokens, "exchange")
      const fiber = yield* Effect.forkChild(send(HttpClientRequest.post("https://outlook.office365.com/x"), "Get-DistributionGroup"))
      yield* TestClock.adjust(Duration.subtract(RESPONSE_TIMEOUT, Duration.millis(1)))
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error.reason._tag, "Transient")
    }))
})

describe("ExchangeClient response timeouts", () => {
  const stalledClient = Effect.gen(function*() {
    const cloud = yield* Cloud
    return ExchangeClient.make(HttpClient.make(() => Effect.never), tokens, cloud)
  }).pipe(Effect.provide(cloudLayer))

  /** After how many seconds (in 10 s steps) a call to a silent Exchange ends, and as what. */
  const cutAfter = (command: Command) =>
    Effect.gen(function*() {
      const exchange = yield* stalledClient
      const fiber = yield* Effect.forkChild(exchange.invoke(command, "owner@contoso.example"))
      let waited = Duration.zero
      while (fiber.pollUnsafe() === undefined && Duration.isLessThan(waited, Duration.hours(1))) {
        yield* TestClock.adjust(Duration.seconds(10))
        waited = Duration.sum(waited, Duration.seconds(10))
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      return [Duration.toSeconds(waited), error._tag === "UpstreamError" ? error.reason._tag : error._tag] as const
    })

  const members = (n: number) => Array.from({ length: n }, (_, i) => `m${i}@contoso.example`)

  it.effect("a cmdlet that writes a member list gets 120 s plus 90 ms a member, at most Exchange's 15 minutes, and is not retried after", () =>
    Effect.gen(function*() {
      const group = { name: "s", alias: "s", displayName: "S", primarySmtpAddress: "s@contoso.example", managedBy: [], anchor: "s@contoso.example", requireSenderAuthenticationEnabled: true }
      assert.deepStrictEqual(yield* cutAfter(Cmdlets.replaceMembers("sales", members(1000))), [210, "Failed"])
      assert.deepStrictEqual(yield* cutAfter(Cmdlets.replaceMembers("sales", members(10_000))), [900, "Failed"])
      assert.deepStrictEqual(yield* cutAfter(Cmdlets.newGroup({ ...group, members: members(2000) })), [300, "Failed"])
      // anything else: the usual 120 s, and transient (retried)
      assert.deepStrictEqual(yield* cutAfter(Cmdlets.newGroup({ ...group, members: [] })), [120, "Transient"])
      assert.deepStrictEqual(yield* cutAfter(Cmdlets.getGroup("sales")), [120, "Transient"])
    }))
})
