import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Readiness from "../../../src/adapters/http/Readiness.ts"
import { GroupNotFound, GroupStore, type Target } from "../../../src/application/ports/GroupStore.ts"
import { ACQUIRE_TOKEN, Failed, Forbidden, Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import * as Settings from "../../../src/application/Settings.ts"

type Answer = "ok" | "refused" | "transient" | "failed" | "no-token" | "slow"

const failure = (answer: Answer, operation: string) => {
  switch (answer) {
    case "refused":
      return new UpstreamError({ operation, reason: new Forbidden({ hint: "the role is missing" }) })
    case "failed":
      return new UpstreamError({ operation, reason: new Failed({ detail: "an answer we cannot read" }) })
    case "no-token":
      return new UpstreamError({ operation: ACQUIRE_TOKEN, reason: new Failed({ detail: "no managed identity here" }) })
    default:
      return new UpstreamError({ operation, reason: new Transient({ throttled: false, status: 503 }) })
  }
}

/** Both surfaces, each answering as `answers` says at the time of the call; `calls` counts them, `targets` keeps Exchange's. */
const upstreams = (
  answers: Ref.Ref<{ graph: Answer; exchange: Answer }>,
  calls: Ref.Ref<{ graph: number; exchange: number }>,
  targets: Array<Target>
) => {
  const answerFor = (surface: "graph" | "exchange", operation: string) =>
    Effect.gen(function*() {
      yield* Ref.update(calls, (c) => ({ ...c, [surface]: c[surface] + 1 }))
      const answer = (yield* Ref.get(answers))[surface]
      if (answer === "slow") return yield* Effect.never
      if (answer !== "ok") return yield* failure(answer, operation)
    })
  const directory = Layer.succeed(UserDirectory, {
    findUsers: () => Effect.succeed(new Map()),
    usersByIds: () => Effect.as(answerFor("graph", "Graph"), new Map())
  })
  const store = Layer.mock(GroupStore, {
    get: (target) =>
      Effect.gen(function*() {
        targets.push(target)
        yield* answerFor("exchange", "Get-DistributionGroup")
        // what Exchange answers for the probe's identity
        return yield* new GroupNotFound({ identity: target.identity })
      })
  })
  return Layer.mergeAll(directory, store, Settings.layerWith({ customDomain: "contoso.example", adminAnchorMailbox: undefined }))
}

// The layer built in the test's scope, which its probes live in.
const setupWith = (initial: { graph: Answer; exchange: Answer }) => Effect.gen(function*() {
  const answers = yield* Ref.make(initial)
  const calls = yield* Ref.make({ graph: 0, exchange: 0 })
  const targets: Array<Target> = []
  const context = yield* Layer.build(Readiness.layerFromUpstreams.pipe(Layer.provide(upstreams(answers, calls, targets))))
  const answer = (graph: Answer, exchange: Answer) => Ref.set(answers, { graph, exchange })
  return { check: Context.get(context, Readiness.Readiness).check, answer, calls, targets }
})
const setup = setupWith({ graph: "ok", exchange: "ok" })

/** Ages the verdict, lets a /readyz start the next probe in the background, lets that probe run. */
const nextProbe = (check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    yield* TestClock.adjust("16 seconds")
    yield* check
    yield* Effect.yieldNow
  })

describe("Readiness.layerFromUpstreams", () => {
  it.effect("probes each surface once as the service starts, with one Exchange read of an unused identity", () =>
    Effect.gen(function*() {
      const { check, calls, targets } = yield* setup
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 1, exchange: 1 })
      assert.isTrue(yield* check)
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 1, exchange: 1 })
      assert.deepStrictEqual(targets, [{ identity: Readiness.PROBE_DL_ID, anchor: "postmaster@contoso.example" }])
    }).pipe(Effect.scoped))

  it.effect("answers the last verdict at once and refreshes it in the background when older than 15 s", () =>
    Effect.gen(function*() {
      const { check, calls, answer } = yield* setup
      assert.isTrue(yield* check)
      yield* answer("ok", "refused")
      yield* TestClock.adjust("10 seconds")
      assert.isTrue(yield* check)
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 1, exchange: 1 })
      yield* TestClock.adjust("6 seconds")
      // stale: this answer is still the old verdict; the probe it started decides the next one
      assert.isTrue(yield* check)
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 2, exchange: 2 })
      assert.isFalse(yield* check)
    }).pipe(Effect.scoped))

  it.effect("is not ready when either surface refuses our credentials, or a token cannot be had, and says which", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const { check, answer } = yield* setup
      assert.isTrue(yield* check)
      yield* answer("ok", "refused")
      yield* nextProbe(check)
      assert.isFalse(yield* check)
      yield* answer("no-token", "ok")
      yield* nextProbe(check)
      assert.isFalse(yield* check)
      yield* answer("ok", "ok")
      yield* nextProbe(check)
      assert.isTrue(yield* check)
      assert.deepStrictEqual(lines, [
        "Warn Not ready (Exchange): Get-DistributionGroup: the role is missing",
        "Warn Not ready (Graph): Tokens.acquire: no managed identity here"
      ])
    }).pipe(
      Effect.scoped,
      Effect.provide(Logger.layer([Logger.make(({ logLevel, message }) => lines.push(`${logLevel} ${String(message)}`))]))
    )
  })

  it.effect("stays ready through transient or unreadable answers", () =>
    Effect.gen(function*() {
      const { check, answer } = yield* setup
      yield* answer("transient", "transient")
      yield* nextProbe(check)
      assert.isTrue(yield* check)
      yield* answer("failed", "failed")
      yield* nextProbe(check)
      assert.isTrue(yield* check)
    }).pipe(Effect.scoped))

  it.effect("a slow surface never holds /readyz, and a probe slower than 10 s counts as ready", () =>
    Effect.gen(function*() {
      const { check, answer, calls } = yield* setup
      assert.isTrue(yield* check)
      yield* answer("ok", "slow")
      yield* nextProbe(check)
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 2, exchange: 2 })
      // the probe hangs; /readyz keeps answering at once, and starts no second probe meanwhile
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(yield* check)
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(calls), { graph: 2, exchange: 2 })
      yield* TestClock.adjust("5 seconds")
      yield* Effect.yieldNow
      assert.isTrue(yield* check)
    }).pipe(Effect.scoped))

  it.effect("the first /readyz waits for the startup probe, at most 10 s", () =>
    Effect.gen(function*() {
      const { check } = yield* setupWith({ graph: "ok", exchange: "slow" })
      const first = yield* Effect.forkChild(check)
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(first.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* Fiber.join(first))
    }).pipe(Effect.scoped))
})
