import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
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
})

describe("ExchangeClient response timeouts", () => {
  const stalledClient = Effect.gen(function*() {
    const cloud = yield* Cloud
    return ExchangeClient.make(HttpClient.make(() => Effect.never), tokens, cloud)
  }).pipe(Effect.provide(cloudLayer))

  const cutAfter = (command: Command) =>
    Effect.gen(function*() {
      const exchange = yield* stalledClient
      const fiber = yield* Effect.forkChild(exchange.invoke(command, "owner@contoso.example"))
      let waited = Duration.zero
      while (fiber.pollUnsafe() === undefined && Duration.isLessThan(waited, Duration.hours(1))) {
        yield* TestClock.adjust(Duration.seconds(30))
        waited = Duration.sum(waited, Duration.seconds(30))
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag === "UpstreamError" ? error.reason._tag : error._tag, "Transient")
      return Duration.toSeconds(waited)
    })

  it.effect("a cmdlet that writes a whole member list may take Exchange's 15 minutes; any other is cut at 120 s", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* cutAfter(Cmdlets.replaceMembers("sales", ["a@contoso.example"])), 900)
      const group = { name: "s", alias: "s", displayName: "S", primarySmtpAddress: "s@contoso.example", managedBy: [], anchor: "s@contoso.example", requireSenderAuthenticationEnabled: true }
      assert.strictEqual(yield* cutAfter(Cmdlets.newGroup({ ...group, members: ["a@contoso.example"] })), 900)
      assert.strictEqual(yield* cutAfter(Cmdlets.newGroup({ ...group, members: [] })), 120)
      assert.strictEqual(yield* cutAfter(Cmdlets.getGroup("sales")), 120)
    }))
})
