import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Logger, Redacted, References } from "effect"
import { TestClock } from "effect/testing"
import type * as Msal from "../../../src/adapters/microsoft/Msal.ts"
import * as Tokens from "../../../src/adapters/microsoft/Tokens.ts"
import { Forbidden, Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"

const scopes = { graph: "https://graph.microsoft.com/.default", exchange: "https://outlook.office365.com/.default" }

/** A token source that takes `latencyMillis` of (test) time and can be told to fail. */
const fakeSource = (
  options: {
    readonly lifetimeSeconds?: number
    readonly latencyMillis?: number
    /** Latency of the n-th call (1-based), instead of `latencyMillis`. */
    readonly latencyOf?: (call: number) => number
  } = {}
) => {
  const calls: Array<string> = []
  let failNext = 0
  let refuse = false
  const source: Msal.TokenSource = {
    acquire: (scope) =>
      Effect.gen(function*() {
        calls.push(scope)
        // whether this call fails is decided as it starts (a slow call must not take a later call's failure)
        const fails = failNext > 0
        if (fails) failNext--
        yield* Effect.sleep(options.latencyOf?.(calls.length) ?? options.latencyMillis ?? 0)
        if (refuse) {
          return yield* new UpstreamError({ operation: "Tokens.acquire", reason: new Forbidden({ hint: "the secret has expired" }) })
        }
        if (fails) {
          return yield* new UpstreamError({ operation: "Tokens.acquire", reason: new Transient({ throttled: false, status: 503 }) })
        }
        const now = yield* Clock.currentTimeMillis
        return {
          token: Redacted.make(`token-${calls.length}`),
          expiresOnMillis: now + (options.lifetimeSeconds ?? 3600) * 1000
        }
      })
  }
  return { source, calls, failTimes: (n: number) => (failNext = n), refuse: () => (refuse = true) }
}

const value = (token: Redacted.Redacted<string>) => Redacted.value(token)

/** A token cache over `fakeSource(options)` holding the first token for `resource`, fetched from t = 0. */
const holding = (resource: Tokens.Resource, options: Parameters<typeof fakeSource>[0] = {}) =>
  Effect.gen(function*() {
    const fake = fakeSource(options)
    const tokens = yield* Tokens.makeWith(fake.source, scopes)
    const first = yield* Effect.forkChild(tokens.get(resource))
    yield* TestClock.adjust(options.latencyMillis ?? 0)
    assert.strictEqual(value(yield* Fiber.join(first)), "token-1")
    return { fake, tokens }
  })

/** Lets forked fibers (a background renewal) run up to their next sleep, without moving the clock. */
const settle = Effect.forEach(Array.from({ length: 10 }), () => Effect.yieldNow, { discard: true })

describe("Tokens", () => {
  it.effect("concurrent requests share one acquisition (single flight)", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ latencyMillis: 1000 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      const fiber = yield* Effect.forkChild(
        Effect.all(Array.from({ length: 10 }, () => tokens.get("graph")), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust(1000)
      const results = yield* Fiber.join(fiber)
      assert.deepStrictEqual(new Set(results.map(value)), new Set(["token-1"]))
      assert.deepStrictEqual(fake.calls, [scopes.graph])
    }))

  it.effect("tokens are cached per resource and renewed 5 minutes before expiry", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ lifetimeSeconds: 3600 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      assert.strictEqual(value(yield* tokens.get("exchange")), "token-2")
      yield* TestClock.adjust("54 minutes")
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      assert.strictEqual(fake.calls.length, 2)
      yield* TestClock.adjust("2 seconds")
      // due for renewal: this request still gets the valid token, the renewal runs beside it
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      assert.strictEqual(value(yield* tokens.get("graph")), "token-3")
      assert.deepStrictEqual(fake.calls, [scopes.graph, scopes.exchange, scopes.graph])
    }))

  it.effect("a renewal holds no request: they get the current token while the new one is fetched, and one renewal runs", () =>
    Effect.gen(function*() {
      const { fake, tokens } = yield* holding("graph", { lifetimeSeconds: 3600, latencyMillis: 1000 })
      yield* TestClock.adjust("56 minutes")
      // no clock advance: every one of these answers at once, with the held token
      const during = yield* Effect.forkChild(
        Effect.all(Array.from({ length: 5 }, () => tokens.get("graph")), { concurrency: "unbounded" })
      )
      yield* settle
      assert.isDefined(during.pollUnsafe(), "requests waited for the renewal")
      assert.deepStrictEqual((yield* Fiber.join(during)).map(value), Array(5).fill("token-1"))
      assert.strictEqual(fake.calls.length, 2)
      yield* TestClock.adjust(1000)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-2")
      assert.strictEqual(fake.calls.length, 2)
    }))

  it.effect("a token with less than 30 s to live is not handed out: requests wait for a new one", () =>
    Effect.gen(function*() {
      const { fake, tokens } = yield* holding("exchange", { lifetimeSeconds: 3600, latencyMillis: 1000 })
      // renewal time passed with no request, then the token came within 30 s of expiry
      yield* TestClock.adjust("59 minutes")
      yield* TestClock.adjust("31 seconds")
      const late = yield* Effect.forkChild(tokens.get("exchange"))
      yield* settle
      assert.isUndefined(late.pollUnsafe())
      yield* TestClock.adjust(1000)
      assert.strictEqual(value(yield* Fiber.join(late)), "token-2")
    }))

  it.effect("a failed acquisition is not cached", () =>
    Effect.gen(function*() {
      const fake = fakeSource()
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      fake.failTimes(1)
      const error = yield* Effect.flip(tokens.get("graph"))
      assert.strictEqual(error.reason._tag, "Transient")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-2")
    }))

  it.effect("a renewal that fails keeps serving the still-valid token and is tried again 15 s later", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ lifetimeSeconds: 3600 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* TestClock.adjust("56 minutes")
      fake.failTimes(1)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      assert.strictEqual(fake.calls.length, 2)
      // within the 15 s: the old token, no new call
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      assert.strictEqual(fake.calls.length, 2)
      yield* TestClock.adjust("6 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      assert.strictEqual(value(yield* tokens.get("graph")), "token-3")
    }))

  it.effect("renewals failing until the token is about to expire end in the error", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ lifetimeSeconds: 3600 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      fake.failTimes(1_000)
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* TestClock.adjust("31 seconds")
      const error = yield* Effect.flip(tokens.get("graph"))
      assert.strictEqual(error.reason._tag, "Transient")
    }))

  it.effect("a refused renewal is a warning line while the current token stays in use; a transient one only a debug line", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const fake = fakeSource({ lifetimeSeconds: 3600 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      yield* tokens.get("exchange")
      yield* TestClock.adjust("56 minutes")
      fake.failTimes(1)
      // the request that starts the renewal: its annotations must not end up on the renewal's line
      const request = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.annotateLogs(effect, { requestId: "req-42" })
      assert.strictEqual(value(yield* request(tokens.get("exchange"))), "token-1")
      yield* settle
      yield* TestClock.adjust("15 seconds")
      fake.refuse()
      assert.strictEqual(value(yield* request(tokens.get("exchange"))), "token-1")
      yield* settle
      assert.deepStrictEqual(lines, [
        "Debug {} Could not renew the exchange access token (the current one expires in 240 s; next try in 15 s): Tokens.acquire: upstream temporarily unavailable (503)",
        "Warn {} Could not renew the exchange access token (the current one expires in 225 s; next try in 15 s): Tokens.acquire: the secret has expired"
      ])
    }).pipe(
      Effect.provide(Logger.layer([Logger.make(({ fiber, logLevel, message }) =>
        lines.push(`${logLevel} ${JSON.stringify(fiber.getRef(References.CurrentLogAnnotations))} ${String(message)}`)
      )])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
  })

  it.effect("no token is handed out within 30 s of its expiry, even while renewals keep failing", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ lifetimeSeconds: 3600 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      fake.failTimes(1_000)
      // 40 s left: served, and the renewal fails (next try would be in 15 s, past the 30 s line)
      yield* TestClock.adjust("59 minutes")
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      // 26 s left: not served any more
      yield* TestClock.adjust("14 seconds")
      const error = yield* Effect.flip(tokens.get("graph"))
      assert.strictEqual(error.reason._tag, "Transient")
    }))

  it.effect("a renewal under way when the token is invalidated does not put the refused token back", () =>
    Effect.gen(function*() {
      const { fake, tokens } = yield* holding("exchange", { lifetimeSeconds: 3600, latencyMillis: 1000 })
      yield* TestClock.adjust("56 minutes")
      fake.failTimes(1)
      // starts a renewal (call 2, which will fail) and goes on with token-1
      assert.strictEqual(value(yield* tokens.get("exchange")), "token-1")
      yield* settle
      // Exchange answered 401 to token-1: forget it; the retry waits for a new token (call 3)
      yield* TestClock.adjust(100)
      yield* tokens.invalidate("exchange")
      const retry = yield* Effect.forkChild(tokens.get("exchange"))
      yield* TestClock.adjust(1000)
      assert.strictEqual(value(yield* Fiber.join(retry)), "token-3")
      // the failed renewal ended in between: it must not have restored token-1
      assert.strictEqual(value(yield* tokens.get("exchange")), "token-3")
      assert.strictEqual(fake.calls.length, 3)
    }))

  it.effect("a slow renewal that fails after a request fetched a new token leaves the new token alone", () =>
    Effect.gen(function*() {
      // the renewal (call 2) takes 25 s; every other call answers at once
      const fake = fakeSource({ lifetimeSeconds: 3600, latencyOf: (call) => (call === 2 ? 25_000 : 0) })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      fake.failTimes(1)
      yield* TestClock.adjust("59 minutes")
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-1")
      yield* settle
      // 29 s left: token-1 is no longer handed out, this request fetches token-3
      yield* TestClock.adjust("11 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-3")
      // the renewal fails now; token-3 must stay cached as it is (no renewal due for ~55 minutes)
      yield* TestClock.adjust("14 seconds")
      yield* settle
      yield* TestClock.adjust("16 seconds")
      assert.strictEqual(value(yield* tokens.get("graph")), "token-3")
      yield* settle
      assert.strictEqual(fake.calls.length, 3)
    }))

  it.effect("invalidate forces a new token", () =>
    Effect.gen(function*() {
      const fake = fakeSource()
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      yield* tokens.get("exchange")
      yield* tokens.invalidate("exchange")
      assert.strictEqual(value(yield* tokens.get("exchange")), "token-2")
    }))

  it("refreshAt: 5 minutes early, refresh_in when sooner, halfway for short-lived tokens", () => {
    const now = 1_000_000
    const hour = { token: Redacted.make("t"), expiresOnMillis: now + 3_600_000 }
    assert.strictEqual(Tokens.refreshAt(hour, now), now + 3_300_000)
    assert.strictEqual(Tokens.refreshAt({ ...hour, refreshOnMillis: now + 1_800_000 }, now), now + 1_800_000)
    assert.strictEqual(Tokens.refreshAt({ ...hour, expiresOnMillis: now + 240_000 }, now), now + 120_000)
  })

  it.effect("warm-up fetches one token per resource, and requests during it wait for those", () =>
    Effect.gen(function*() {
      const fake = fakeSource({ latencyMillis: 1000 })
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      const warming = yield* Effect.forkChild(Tokens.warm(tokens))
      yield* TestClock.adjust(10)
      const request = yield* Effect.forkChild(tokens.get("exchange"))
      yield* TestClock.adjust(1000)
      yield* Fiber.join(warming)
      assert.match(value(yield* Fiber.join(request)), /^token-/)
      assert.strictEqual(value(yield* tokens.get("graph")), value(yield* tokens.get("graph")))
      assert.deepStrictEqual([...fake.calls].sort(), [scopes.exchange, scopes.graph].sort())
    }))

  it.effect("a failed warm-up is a debug line, not a failure; the next request asks again", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const fake = fakeSource()
      fake.failTimes(2)
      const tokens = yield* Tokens.makeWith(fake.source, scopes)
      yield* Tokens.warm(tokens).pipe(
        Effect.provide(Logger.layer([Logger.make(({ logLevel, message }) => lines.push(`${logLevel} ${String(message)}`))])),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      assert.deepStrictEqual(lines.sort(), [
        "Debug Could not get the exchange access token at startup: Tokens.acquire: upstream temporarily unavailable (503)",
        "Debug Could not get the graph access token at startup: Tokens.acquire: upstream temporarily unavailable (503)"
      ])
      assert.strictEqual(value(yield* tokens.get("graph")), "token-3")
    }))
})
