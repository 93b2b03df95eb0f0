import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { RateLimiter } from "effect/persistence"
import * as ApiKeys from "../../../../src/adapters/http/auth/ApiKeys.ts"
import * as RateLimitStore from "../../../../src/adapters/http/auth/RateLimitStore.ts"
import * as ReadGate from "../../../../src/adapters/http/auth/ReadGate.ts"

const READER_KEY = "reader-key-0123456789"
const keys = ApiKeys.layer([{ name: "dash", role: "reader", key: Redacted.make(READER_KEY) }])

const gate = (env: Record<string, string>, limiter: Layer.Layer<RateLimiter.RateLimiter> = RateLimitStore.layerMemory) =>
  Effect.gen(function*() {
    const { admit } = yield* ReadGate.ReadGate
    const shared = yield* RateLimiter.RateLimiter
    return { admit, shared }
  }).pipe(
    Effect.provide(ReadGate.layer.pipe(Layer.provideMerge(Layer.mergeAll(keys, limiter)))),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
  )

describe("ReadGate", () => {
  it.effect("admits a valid key within its budget and counts each admission", () =>
    Effect.gen(function*() {
      const { admit } = yield* gate({ RATE_LIMIT_PER_MINUTE: "2" })
      assert.isTrue(admit(READER_KEY, 0))
      assert.isTrue(admit(READER_KEY, 0))
      assert.isFalse(admit(READER_KEY, 0), "over the budget: the pipeline answers the 429")
      assert.isTrue(admit(READER_KEY, 60_000), "a new window")
    }))

  it.effect("refuses an unknown key (the pipeline answers the 401)", () =>
    Effect.gen(function*() {
      const { admit } = yield* gate({})
      assert.isFalse(admit("wrong-key-0123456789", 0))
      assert.isFalse(admit("", 0))
    }))

  it.effect("counts against the same budget as the pipeline's limiter", () =>
    Effect.gen(function*() {
      const { admit, shared } = yield* gate({ RATE_LIMIT_PER_MINUTE: "3" })
      // Authenticate's call for this caller (key `apiKey:dash`)
      yield* shared.consume({ key: "apiKey:dash", limit: 3, window: "1 minute", onExceeded: "fail" })
      yield* shared.consume({ key: "apiKey:dash", limit: 3, window: "1 minute", onExceeded: "fail" })
      assert.isTrue(admit(READER_KEY, 0))
      assert.isFalse(admit(READER_KEY, 0))
      const after = yield* Effect.flip(shared.consume({ key: "apiKey:dash", limit: 3, window: "1 minute", onExceeded: "fail" }))
      assert.strictEqual(after.reason._tag, "RateLimitExceeded")
    }))

  it.effect("admits without counting when the limit is off", () =>
    Effect.gen(function*() {
      const { admit } = yield* gate({ RATE_LIMIT_PER_MINUTE: "0" })
      for (let i = 0; i < 5; i++) assert.isTrue(admit(READER_KEY, 0))
    }))

  it.effect("admits nothing when the counters are not in this process (Redis)", () =>
    Effect.gen(function*() {
      const { admit } = yield* gate({}, RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory)))
      assert.isFalse(admit(READER_KEY, 0))
    }))

  it.effect("admits nothing when API keys are off", () =>
    Effect.gen(function*() {
      const { admit } = yield* Effect.gen(function*() {
        return yield* ReadGate.ReadGate
      }).pipe(
        Effect.provide(ReadGate.layer.pipe(Layer.provide([ApiKeys.layer([]), RateLimitStore.layerMemory]))),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
      )
      assert.isFalse(admit(READER_KEY, 0))
    }))
})
