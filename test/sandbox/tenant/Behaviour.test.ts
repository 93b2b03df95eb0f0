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

  it.effect("reads the knobs from the environment and refuses a fault rate above 1", () =>
    Effect.gen(function*() {
      const config = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))
      const knobs = yield* Effect.flatMap(Behaviour, (b) => b.knobs).pipe(
        Effect.provide(Behaviour.layer.pipe(Layer.provide(config({ SANDBOX_FAULT_RATE: "0.2", SANDBOX_REPLICATION_DELAY_MS: "1500" }))))
      )
      assert.deepStrictEqual(knobs, { latencyMillis: 0, faultRate: 0.2, replicationDelayMillis: 1_500, throttleRps: 0 })
      const bad = yield* Effect.exit(Effect.provide(Effect.flatMap(Behaviour, (b) => b.knobs), Behaviour.layer.pipe(Layer.provide(config({ SANDBOX_FAULT_RATE: "1.5" })))))
      assert.isTrue(Exit.isFailure(bad))
    }))
})
