import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Readiness from "../../../src/adapters/http/Readiness.ts"
import { DistributionLists } from "../../../src/application/DistributionLists.ts"
import { Failed, Forbidden, Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import { DistributionListNotFound } from "../../../src/domain/Errors.ts"

type Answer = "ok" | "refused" | "transient" | "failed" | "slow"

/** Both upstreams, each answering as `answers` says at the time of the call; `calls` counts each. */
const upstreams = (answers: Ref.Ref<{ graph: Answer; exchange: Answer }>, calls: Ref.Ref<{ graph: number; exchange: number }>) => {
  const fail = (answer: Answer, operation: string) =>
    answer === "refused"
      ? new UpstreamError({ operation, reason: new Forbidden({ hint: "the role is missing" }) })
      : answer === "failed"
      ? new UpstreamError({ operation, reason: new Failed({ detail: "an answer we cannot read" }) })
      : new UpstreamError({ operation, reason: new Transient({ status: 503 }) })
  const directory = Layer.succeed(UserDirectory, {
    findUsers: () => Effect.succeed(new Map()),
    usersByIds: () =>
      Effect.gen(function*() {
        yield* Ref.update(calls, (c) => ({ ...c, graph: c.graph + 1 }))
        const answer = (yield* Ref.get(answers)).graph
        if (answer !== "ok") return yield* fail(answer, "Graph")
        return new Map()
      })
  })
  const lists = Layer.mock(DistributionLists, {
    owners: (dlId) =>
      Effect.gen(function*() {
        yield* Ref.update(calls, (c) => ({ ...c, exchange: c.exchange + 1 }))
        const answer = (yield* Ref.get(answers)).exchange
        if (answer === "slow") return yield* Effect.never
        if (answer !== "ok") return yield* fail(answer, "Get-DistributionGroup")
        // what Exchange answers for the probe's id: the list does not exist
        return yield* new DistributionListNotFound({ dlId })
      })
  })
  return Layer.merge(directory, lists)
}

// The layer built in the test's scope, which its startup probe lives in.
const setup = Effect.gen(function*() {
  const answers = yield* Ref.make<{ graph: Answer; exchange: Answer }>({ graph: "ok", exchange: "ok" })
  const calls = yield* Ref.make({ graph: 0, exchange: 0 })
  const context = yield* Layer.build(Readiness.layerFromUpstreams.pipe(Layer.provide(upstreams(answers, calls))))
  const answer = (graph: Answer, exchange: Answer) => Ref.set(answers, { graph, exchange })
  return { check: Context.get(context, Readiness.Readiness).check, answer, calls }
})

describe("Readiness.layerFromUpstreams", () => {
  it.effect("probes both surfaces once as it starts, then at most every 15 s", () =>
    Effect.gen(function*() {
      const { check, calls } = yield* setup
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 1, exchange: 1 })
      assert.isTrue(yield* check)
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 1, exchange: 1 })
      yield* TestClock.adjust("16 seconds")
      assert.isTrue(yield* check)
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 2, exchange: 2 })
    }).pipe(Effect.scoped))

  it.effect("is not ready when either surface refuses our credentials or roles, and says which", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const { check, answer } = yield* setup
      assert.isTrue(yield* check)
      yield* answer("ok", "refused")
      yield* TestClock.adjust("16 seconds")
      assert.isFalse(yield* check)
      yield* answer("refused", "ok")
      yield* TestClock.adjust("16 seconds")
      assert.isFalse(yield* check)
      yield* answer("ok", "ok")
      yield* TestClock.adjust("16 seconds")
      assert.isTrue(yield* check)
      assert.deepStrictEqual(lines, [
        "Warn Not ready (Exchange): Get-DistributionGroup: the role is missing",
        "Warn Not ready (Graph): Graph: the role is missing"
      ])
    }).pipe(
      Effect.scoped,
      Effect.provide(Logger.layer([Logger.make(({ logLevel, message }) => lines.push(`${logLevel} ${String(message)}`))]))
    )
  })

  it.effect("stays ready through transient or unreadable failures and an Exchange read slower than 10 s", () =>
    Effect.gen(function*() {
      const { check, answer } = yield* setup
      yield* answer("transient", "transient")
      yield* TestClock.adjust("16 seconds")
      assert.isTrue(yield* check)
      yield* answer("failed", "failed")
      yield* TestClock.adjust("16 seconds")
      assert.isTrue(yield* check)
      yield* answer("ok", "slow")
      yield* TestClock.adjust("16 seconds")
      const fiber = yield* Effect.forkChild(check)
      yield* TestClock.adjust("10 seconds")
      assert.isTrue(yield* Fiber.join(fiber))
    }).pipe(Effect.scoped))
})
