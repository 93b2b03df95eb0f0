import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Readiness from "../../../src/adapters/http/Readiness.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import { Forbidden, Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"

const directory = (calls: Ref.Ref<number>, failing: Ref.Ref<boolean>, transient = false) =>
  Layer.succeed(UserDirectory, {
    findUsers: () => Effect.succeed(new Map()),
    usersByIds: () =>
      Effect.gen(function*() {
        yield* Ref.update(calls, (n) => n + 1)
        if (yield* Ref.get(failing)) {
          return yield* new UpstreamError({
            operation: "Tokens.acquire",
            reason: transient ? new Transient({ status: 503 }) : new Forbidden({ hint: "bad secret" })
          })
        }
        return new Map()
      })
  })

describe("Readiness.layerFromDirectory", () => {
  it.effect("is ready while the directory answers, not ready when our credentials are refused, probing at most every 15 s", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const failing = yield* Ref.make(false)
      const check = yield* Effect.gen(function*() {
        return (yield* Readiness.Readiness).check
      }).pipe(Effect.provide(Readiness.layerFromDirectory.pipe(Layer.provide(directory(calls, failing)))))
      assert.isTrue(yield* check)
      yield* Ref.set(failing, true)
      assert.isTrue(yield* check)
      assert.strictEqual(yield* Ref.get(calls), 1)
      yield* TestClock.adjust("16 seconds")
      assert.isFalse(yield* check)
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  it.effect("stays ready through a transient upstream failure", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const failing = yield* Ref.make(true)
      const check = yield* Effect.gen(function*() {
        return (yield* Readiness.Readiness).check
      }).pipe(Effect.provide(Readiness.layerFromDirectory.pipe(Layer.provide(directory(calls, failing, true)))))
      assert.isTrue(yield* check)
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))
})
