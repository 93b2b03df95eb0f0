import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { TestClock } from "effect/testing"
import { BoundedCounters, layer } from "../../../../src/adapters/http/auth/BoundedMemoryStore.ts"

const MINUTE = 60_000

describe("BoundedCounters", () => {
  it("counts a fixed window like Effect's store: limit, then the time to wait", () => {
    const counters = new BoundedCounters()
    const refill = MINUTE / 2 // a limit of 2 per minute
    assert.deepStrictEqual(counters.consume("a", 1, refill, 2, 0), [1, 30_000])
    assert.deepStrictEqual(counters.consume("a", 1, refill, 2, 0), [2, 60_000])
    assert.deepStrictEqual(counters.consume("a", 1, refill, 2, 1_000), [3, 59_000])
    assert.deepStrictEqual(counters.consume("a", 1, refill, 2, 60_000), [1, 30_000])
  })

  it("forgets expired windows once it holds many keys (a scan of addresses cannot grow it without end)", () => {
    const counters = new BoundedCounters(100, 1_000)
    for (let minute = 0; minute < 50; minute++) {
      for (let i = 0; i < 90; i++) counters.consume(`auth-failure:10.${minute}.0.${i}`, 1, MINUTE, 600, minute * MINUTE)
    }
    assert.isAtMost(counters.size, 190)
  })

  it("sweeps at most once a second, so a flood of new keys does not scan the map on every request", () => {
    const counters = new BoundedCounters(5, 1_000)
    for (let i = 0; i < 5; i++) counters.consume(`old${i}`, 1, 1, 600, 0) // windows of 1 ms
    counters.consume("a", 1, 1, 600, 10) // sweeps: the five are gone
    assert.strictEqual(counters.size, 1)
    for (let i = 0; i < 10; i++) counters.consume(`new${i}`, 1, 1, 600, 20 + i) // expired, but no sweep yet
    assert.strictEqual(counters.size, 11)
    counters.consume("b", 1, 1, 600, 1_010) // a second later: swept again
    assert.strictEqual(counters.size, 1)
  })

  it("past the cap, drops the oldest windows first, never the one being counted", () => {
    const counters = new BoundedCounters(10, 10)
    for (let i = 0; i < 25; i++) counters.consume(`k${i}`, 1, MINUTE, 600, 0)
    assert.isAtMost(counters.size, 10)
    assert.deepStrictEqual(counters.consume("k24", 1, MINUTE, 600, 0), [2, 2 * MINUTE])
    assert.deepStrictEqual(counters.consume("k0", 1, MINUTE, 600, 0), [1, MINUTE])
  })
})

describe("layer", () => {
  it.effect("serves RateLimiter.consume with the bounded counters, on the Effect clock", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const consume = limiter.consume({ key: "caller", limit: 2, window: "1 minute", onExceeded: "fail" }).pipe(
        Effect.as("ok"),
        Effect.catch((error) => Effect.succeed(error.reason._tag))
      )
      assert.deepStrictEqual([yield* consume, yield* consume, yield* consume], ["ok", "ok", "RateLimitExceeded"])
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* consume, "ok")
    }).pipe(Effect.provide(RateLimiter.layer.pipe(Layer.provide(layer())))))
})
