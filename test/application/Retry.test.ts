import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Logger, Ref, References } from "effect"
import { GroupNotFound, RecipientNotFound } from "../../src/application/ports/GroupStore.ts"
import { backoff, mayHaveApplied, MembersPending, retryAmbiguous, schedules, untilVisible } from "../../src/application/Retry.ts"
import { Transient, UpstreamError } from "../../src/application/ports/UpstreamError.ts"
import { defaults } from "../../src/application/Settings.ts"
import { failed, forbidden, transient } from "../support/FakeTenant.ts"
import { gaps, withTime } from "../support/Harness.ts"

/** Fails with `errors` in turn (then succeeds), recording the clock time of every attempt. */
const scripted = (errors: ReadonlyArray<{ readonly _tag: string }>) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make<ReadonlyArray<number>>([])
    const effect = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const done = yield* Ref.modify(attempts, (list) => [list.length, [...list, now]])
      const error = errors[done]
      if (error !== undefined) return yield* Effect.fail(error)
      return "ok" as const
    })
    return { attempts, effect }
  })

const always = <E>(error: E, times = 50): ReadonlyArray<E> => Array.from({ length: times }, () => error)
const all = schedules(defaults)
const { member, upstream, verify } = all

describe("Retry schedules", () => {
  it.effect("verification waits 5, 10, 20, 30, 30 s and gives up after 6 attempts", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted(always(new GroupNotFound({ identity: "x" })))
      const exit = yield* withTime(Effect.exit(Effect.retry(effect, verify)))
      assert.isTrue(exit._tag === "Failure")
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [5000, 10000, 20000, 30000, 30000])
    }))

  it.effect("every retry is logged with the failure, the call, the attempt and the delay, as key=value annotations (no address)", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: unknown; level: string; annotations: Record<string, unknown> }> = []
      const capture = Logger.make(({ fiber, logLevel, message }) =>
        lines.push({ message, level: logLevel, annotations: { ...fiber.getRef(References.CurrentLogAnnotations) } })
      )
      const { effect } = yield* scripted([transient("get", 3_000), new GroupNotFound({ identity: "x" })])
      yield* withTime(untilVisible(all)(effect)).pipe(Effect.provide(Logger.layer([capture])))
      const retries = lines.filter(({ message }) => Array.isArray(message) && message.length === 1 && message[0] === "Retrying upstream call")
      assert.deepStrictEqual(retries.map(({ annotations }) => annotations), [
        { failure: "Transient", operation: "get", status: 503, attempt: 1, delayMillis: 3000 },
        { failure: "GroupNotFound", attempt: 1, delayMillis: 5000 }
      ])
      assert.deepStrictEqual(retries.map(({ level }) => level), ["Warn", "Warn"])
      lines.length = 0
      const pending = yield* scripted([new MembersPending({ addresses: ["a@contoso.example", "b@contoso.example"] })])
      yield* withTime(Effect.retry(pending.effect, member)).pipe(Effect.provide(Logger.layer([capture])))
      assert.deepStrictEqual(lines.map(({ annotations }) => annotations), [
        { failure: "MembersPending", members: 2, attempt: 1, delayMillis: 2000 }
      ])
    }))

  it.effect("read-after-write waits what a throttled read asks (or the general back-off), not the 5 s propagation step", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([
        transient("get", 1_000),
        transient("get"),
        new GroupNotFound({ identity: "x" }),
        new GroupNotFound({ identity: "x" })
      ])
      assert.strictEqual(yield* withTime(untilVisible(all)(effect)), "ok")
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [1000, 1000, 5000, 10000])
    }))

  it.effect("read-after-write: a read that stays throttled ends with the general schedule (8 tries), not 6 × 8", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted(always(transient("get")))
      const exit = yield* withTime(Effect.exit(untilVisible(all)(effect)))
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual((yield* Ref.get(attempts)).length, 8)
    }))

  it.effect("read-after-write: a group that stays invisible gets the seed's 6 attempts, throttled reads on the way not counted", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([
        transient("get"),
        ...always(new GroupNotFound({ identity: "x" }), 3),
        transient("get"),
        ...always(new GroupNotFound({ identity: "x" }), 10)
      ])
      const exit = yield* withTime(Effect.exit(untilVisible(all)(effect)))
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual((yield* Ref.get(attempts)).length, 8)
    }))

  it.effect("verification stops as soon as the group is visible", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted(always(new GroupNotFound({ identity: "x" }), 2))
      assert.strictEqual(yield* withTime(Effect.retry(effect, verify)), "ok")
      assert.strictEqual((yield* Ref.get(attempts)).length, 3)
    }))

  it.effect("member operations wait 2, 4, 8, 16 s and give up after 5 attempts", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted(always(new RecipientNotFound({ address: "a@b.example" })))
      yield* withTime(Effect.exit(Effect.retry(effect, member)))
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [2000, 4000, 8000, 16000])
    }))

  it.effect("the member delay is capped at 20 s", () =>
    Effect.gen(function*() {
      const schedule = backoff({ ...defaults.member, attempts: 7 }, () => true, 60_000)
      const { attempts, effect } = yield* scripted(always(transient()))
      yield* withTime(Effect.exit(Effect.retry(effect, schedule)))
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [
        2000,
        4000,
        8000,
        16000,
        20000,
        20000
      ])
    }))

  it.effect("the general schedule retries transient failures: 0.5, 1, 2, 4, 8, 8, 8 s, 8 attempts", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted(always(transient()))
      yield* withTime(Effect.exit(Effect.retry(effect, upstream)))
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [
        500,
        1000,
        2000,
        4000,
        8000,
        8000,
        8000
      ])
    }))

  it.effect("an upstream Retry-After longer than the computed delay wins; a shorter one does not", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([transient("get", 7_000), transient("get", 100), transient("get")])
      assert.strictEqual(yield* withTime(Effect.retry(effect, upstream)), "ok")
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [7000, 1000, 2000])
    }))

  it.effect("a member batch still pending carries the largest Retry-After of its members", () =>
    Effect.gen(function*() {
      const pending = new MembersPending({ addresses: ["a@b.example"], retryAfterMillis: 9_000 })
      const { attempts, effect } = yield* scripted([pending])
      assert.strictEqual(yield* withTime(Effect.retry(effect, member)), "ok")
      assert.deepStrictEqual(gaps((yield* Ref.get(attempts)).map((at) => ({ at }))), [9000])
    }))

  it.effect("a Retry-After beyond RETRY_AFTER_MAX_S is not waited for", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([transient("get", 61_000)])
      const exit = yield* withTime(Effect.exit(Effect.retry(effect, upstream)))
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual((yield* Ref.get(attempts)).length, 1)
    }))

  it.effect.each([
    ["Forbidden", forbidden()],
    ["Failed", failed()],
    ["GroupNotFound (plain read)", new GroupNotFound({ identity: "x" })],
    ["RecipientNotFound (plain call)", new RecipientNotFound({ address: "a@b.example" })]
  ] as const)("the general schedule does not retry %s", ([, error]) =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([error])
      const exit = yield* Effect.exit(Effect.retry(effect, upstream))
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual((yield* Ref.get(attempts)).length, 1)
    }))

  it.effect("verification does not retry a refusal", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* scripted([forbidden()])
      yield* Effect.exit(Effect.retry(effect, verify))
      assert.strictEqual((yield* Ref.get(attempts)).length, 1)
    }))

  it.effect("VERIFY_ATTEMPTS=1 means no retry", () =>
    Effect.gen(function*() {
      const { verify: once } = schedules({ ...defaults, verify: { ...defaults.verify, attempts: 1 } })
      const { attempts, effect } = yield* scripted([new GroupNotFound({ identity: "x" })])
      yield* withTime(Effect.exit(Effect.retry(effect, once)))
      assert.strictEqual((yield* Ref.get(attempts)).length, 1)
    }))

  it("a call may have been applied when it failed unavailable, not when it was throttled, whatever the status", () => {
    const reason = (throttled: boolean, status?: number) =>
      new UpstreamError({ operation: "op", reason: new Transient({ throttled, ...(status === undefined ? {} : { status }) }) })
    assert.isFalse(mayHaveApplied(reason(true, 429)))
    // Exchange's "too many concurrent requests" is a throttle answered with another status
    assert.isFalse(mayHaveApplied(reason(true, 503)))
    assert.isTrue(mayHaveApplied(reason(false, 503)))
    assert.isTrue(mayHaveApplied(reason(false)))
    assert.isFalse(mayHaveApplied(failed("op")))
  })

  it.effect("retryAmbiguous: an outage after a try that may have been applied ends as 'outcome unknown', not as a retryable failure", () =>
    Effect.gen(function*() {
      const throttled = new UpstreamError({ operation: "Set-DistributionGroup", reason: new Transient({ throttled: true, status: 429 }) })
      // a 503 (the reply may have been lost after Exchange applied it), then throttled to the end
      const lost = yield* scripted([transient("Set-DistributionGroup"), ...always(throttled)])
      const unknown = yield* Effect.flip(withTime(retryAmbiguous(upstream, () => lost.effect)))
      assert.instanceOf(unknown, UpstreamError)
      const error = unknown as UpstreamError
      assert.strictEqual(error.reason._tag, "Failed")
      assert.include(error.message, "Set-DistributionGroup: Exchange Online stopped answering after the change was sent, so it may have been applied")
      // only refusals (429: nothing was done): the failure as it is, for the caller to retry
      const refused = yield* scripted(always(throttled))
      assert.strictEqual(yield* Effect.flip(withTime(retryAmbiguous(upstream, () => refused.effect))), throttled)
    }))
})
