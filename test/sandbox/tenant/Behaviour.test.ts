import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Fiber, Layer, Random } from "effect"
import { TestClock } from "effect/testing"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"

describe("Behaviour", () => {
  it.effect("admit sleeps SANDBOX_LATENCY_MS on the clock", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      const fiber = yield* Effect.forkChild(behaviour.admit("exchange", "app"))
      yield* Effect.yieldNow
      yield* TestClock.adjust(199)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(fiber)))
    }).pipe(Effect.provide(Behaviour.layerTest({ latencyMillis: 200 }))))

  it.effect("SANDBOX_FAULT_RATE fails about that share of calls, as 503 or as 429 with Retry-After", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      const results = yield* Effect.forEach(Array.from({ length: 1_000 }), () => Effect.flip(behaviour.admit("graph", "app")).pipe(Effect.option))
      const faults = results.flatMap((r) => (r._tag === "Some" ? [r.value] : []))
      assert.isTrue(faults.length > 150 && faults.length < 250, `${faults.length} faults`)
      assert.isTrue(faults.some((f) => f.status === 503) && faults.some((f) => f.status === 429))
      assert.isTrue(faults.every((f) => f.status === 503 || f.retryAfterSeconds === 1))
    }).pipe(Random.withSeed("fault-rate"), Effect.provide(Behaviour.layerTest({ faultRate: 0.2 }))))

  it.effect("the throttle counts per app and surface within each second; knobs change at run time", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      yield* TestClock.adjust(250)
      const admit = (app: string) => behaviour.admit("exchange", app).pipe(Effect.exit, Effect.map(Exit.isSuccess))
      assert.deepStrictEqual([yield* admit("a"), yield* admit("a"), yield* admit("a"), yield* admit("b")], [true, true, false, true])
      const throttled = yield* Effect.flip(behaviour.admit("exchange", "a"))
      assert.deepStrictEqual([throttled.status, throttled.retryAfterSeconds], [429, 1])
      yield* TestClock.adjust(750)
      assert.isTrue(yield* admit("a"))
      yield* behaviour.set({ throttleRps: 0 })
      assert.deepStrictEqual([yield* admit("a"), yield* admit("a"), yield* admit("a")], [true, true, true])
    }).pipe(Effect.provide(Behaviour.layerTest({ throttleRps: 2 }))))

  it.effect("graphResourceUnitsPer10s: a per-app bucket of resource units refilled over 10 s, Retry-After until it holds the cost (spec §5)", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      const graph = (app: string, units: number) => behaviour.admit("graph", app, units).pipe(Effect.exit, Effect.map(Exit.isSuccess))
      // 10 units per 10 s = 1 unit per second.
      assert.deepStrictEqual([yield* graph("a", 4), yield* graph("a", 4), yield* graph("a", 4), yield* graph("b", 10)], [true, true, false, true])
      const refused = yield* Effect.flip(behaviour.admit("graph", "a", 4))
      assert.deepStrictEqual([refused.status, refused.reason, refused.retryAfterSeconds], [429, "Throttled", 2])
      yield* TestClock.adjust(1_999)
      assert.isFalse(yield* graph("a", 4))
      yield* TestClock.adjust(1)
      assert.isTrue(yield* graph("a", 4))
      // Without a cost a Graph call is charged 1 (the in-memory adapters call admit so).
      yield* TestClock.adjust(10_000)
      for (let i = 0; i < 10; i++) yield* behaviour.admit("graph", "c")
      assert.isFalse(yield* Effect.map(Effect.exit(behaviour.admit("graph", "c")), Exit.isSuccess))
    }).pipe(Effect.provide(Behaviour.layerTest({ graphResourceUnitsPer10s: 10 }))))

  it.effect("with the resource-unit bucket on, throttleRps no longer limits Graph but still limits identity and Exchange", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      const ok = (surface: "graph" | "exchange" | "identity") => behaviour.admit(surface, "a", 1).pipe(Effect.exit, Effect.map(Exit.isSuccess))
      assert.deepStrictEqual([yield* ok("graph"), yield* ok("graph"), yield* ok("graph")], [true, true, true])
      assert.deepStrictEqual([yield* ok("exchange"), yield* ok("exchange")], [true, false])
      assert.deepStrictEqual([yield* ok("identity"), yield* ok("identity")], [true, false])
      // Turned off at run time, Graph falls back to throttleRps.
      yield* TestClock.adjust(1_000)
      yield* behaviour.set({ graphResourceUnitsPer10s: 0 })
      assert.deepStrictEqual([yield* ok("graph"), yield* ok("graph")], [true, false])
    }).pipe(Effect.provide(Behaviour.layerTest({ throttleRps: 1, graphResourceUnitsPer10s: 8_000 }))))

  it.effect("with the resource-unit bucket on, Graph's global limit allows 2,000 requests per second per app (spec §5)", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      yield* TestClock.adjust(400)
      const results = yield* Effect.forEach(Array.from({ length: 2_001 }), () => Effect.exit(behaviour.admit("graph", "a", 1)))
      assert.strictEqual(results.filter(Exit.isSuccess).length, 2_000)
      const refused = yield* Effect.flip(behaviour.admit("graph", "a", 1))
      assert.deepStrictEqual([refused.status, refused.reason, refused.retryAfterSeconds], [429, "GlobalLimit", 1])
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(behaviour.admit("graph", "b", 1))))
      yield* TestClock.adjust(600)
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(behaviour.admit("graph", "a", 1))))
    }).pipe(Effect.provide(Behaviour.layerTest({ graphResourceUnitsPer10s: 1_000_000 }))))

  it.effect("reads SANDBOX_GRAPH_RU_PER_10S (whole units) from the environment", () =>
    Effect.gen(function*() {
      const config = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))
      const knobs = (env: Record<string, string>) =>
        Effect.exit(Effect.provide(Effect.flatMap(Behaviour, (b) => b.knobs), Behaviour.layer.pipe(Layer.provide(config(env)))))
      const read = yield* knobs({ SANDBOX_GRAPH_RU_PER_10S: "8000", SANDBOX_THROTTLE_RPS: "100" })
      assert.isTrue(Exit.isSuccess(read))
      if (Exit.isSuccess(read)) assert.deepStrictEqual([read.value.graphResourceUnitsPer10s, read.value.throttleRps], [8_000, 100])
      assert.isTrue(Exit.isFailure(yield* knobs({ SANDBOX_GRAPH_RU_PER_10S: "0.5" })))
      assert.isTrue(Exit.isFailure(yield* knobs({ SANDBOX_GRAPH_RU_PER_10S: "-1" })))
    }))

  it.effect("reads the knobs from the environment and refuses a fault rate above 1", () =>
    Effect.gen(function*() {
      const config = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))
      const knobs = yield* Effect.flatMap(Behaviour, (b) => b.knobs).pipe(
        Effect.provide(Behaviour.layer.pipe(Layer.provide(config({ SANDBOX_FAULT_RATE: "0.2", SANDBOX_REPLICATION_DELAY_MS: "1500", SANDBOX_LOST_REPLY_RATE: "0.1" }))))
      )
      assert.deepStrictEqual(knobs, { latencyMillis: 0, faultRate: 0.2, replicationDelayMillis: 1_500, throttleRps: 0, graphResourceUnitsPer10s: 0, lostReplyRate: 0.1 })
      const bad = yield* Effect.exit(Effect.provide(Effect.flatMap(Behaviour, (b) => b.knobs), Behaviour.layer.pipe(Layer.provide(config({ SANDBOX_FAULT_RATE: "1.5" })))))
      assert.isTrue(Exit.isFailure(bad))
    }))
})
