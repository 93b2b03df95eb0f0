import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { RecipientNotFound } from "../../src/application/ports/GroupStore.ts"
import type { MemberOutcome } from "../../src/application/ports/GroupStore.ts"
import { Failed, Transient, UpstreamError } from "../../src/application/ports/UpstreamError.ts"
import { applyMembers } from "../../src/application/Members.ts"
import { schedules } from "../../src/application/Retry.ts"
import { defaults } from "../../src/application/Settings.ts"
import { withTime } from "../support/Harness.ts"

const throttledLong = new UpstreamError({
  operation: "addMembers",
  reason: new Transient({ throttled: true, status: 429, retryAfterMillis: 120_000 })
})

describe("applyMembers", () => {
  it.effect("reports every member the store never confirmed, whichever retry loop gave up", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      // a: Exchange does not know it yet (member schedule); b: throttled longer than RETRY_AFTER_MAX_S.
      const run = (addresses: ReadonlyArray<string>) =>
        Ref.update(calls, (n) => n + 1).pipe(Effect.as(addresses.map((address): MemberOutcome =>
          address === "a@x.example"
            ? { address, _tag: "Rejected", error: new RecipientNotFound({ address }) }
            : address === "b@x.example"
            ? { address, _tag: "Rejected", error: throttledLong }
            : { address, _tag: "Applied" }
        )))
      const result = yield* withTime(
        applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example", "c@x.example"])
      )
      assert.deepStrictEqual(result, { notApplied: ["a@x.example", "b@x.example"], applied: 1 })
      // one call: a Retry-After past RETRY_AFTER_MAX_S ends the change, a's member retries included
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("a member confirmed on a later try is not reported", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const run = (addresses: ReadonlyArray<string>) =>
        Effect.map(Ref.getAndUpdate(calls, (n) => n + 1), (n) =>
          addresses.map((address): MemberOutcome =>
            n === 0 && address === "a@x.example"
              ? { address, _tag: "Rejected", error: new RecipientNotFound({ address }) }
              : { address, _tag: "Applied" }
          ))
      const result = yield* withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example"]))
      assert.deepStrictEqual(result, { notApplied: [], applied: 2 })
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  const refused = new UpstreamError({ operation: "addMembers", reason: new Failed({ detail: "refused" }) })
  const throttled = new UpstreamError({ operation: "addMembers", reason: new Transient({ throttled: true, status: 429 }) })

  /** A store whose first call answers each member by `first`, and which refuses every call after it. */
  const thenRefused = (calls: Ref.Ref<number>, first: (address: string) => MemberOutcome) =>
  (addresses: ReadonlyArray<string>) =>
    Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (n) =>
      n > 0 ? Effect.fail(refused) : Effect.succeed(addresses.map(first)))

  it.effect("a refusal once some members were applied ends the change: the rest reported, nothing retried", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      // a is applied and b throttled; the call sending b again is refused
      const run = thenRefused(calls, (address) =>
        address === "b@x.example" ? { address, _tag: "Rejected", error: throttled } : { address, _tag: "Applied" })
      const result = yield* withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example"]))
      assert.deepStrictEqual(result, { notApplied: ["b@x.example"], applied: 1 })
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  it.effect("a refusal with nothing applied fails the change, at once", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const run = () => Ref.update(calls, (n) => n + 1).pipe(Effect.andThen(Effect.fail(refused)))
      const error = yield* Effect.flip(withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example"])))
      assert.strictEqual(error, refused)
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("members throttled for good with nothing applied: the outage itself fails the change (a 503), not a list", () =>
    Effect.gen(function*() {
      const run = (addresses: ReadonlyArray<string>) =>
        Effect.succeed(addresses.map((address): MemberOutcome => ({ address, _tag: "Rejected", error: throttled })))
      const error = yield* Effect.flip(withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example"])))
      assert.strictEqual(error, throttled)
    }))

  it.effect("an outage fails with the longest Retry-After its members were given, not the last one's", () =>
    Effect.gen(function*() {
      const wait = (retryAfterMillis: number) =>
        new UpstreamError({ operation: "addMembers", reason: new Transient({ throttled: true, status: 429, retryAfterMillis }) })
      const run = (addresses: ReadonlyArray<string>) =>
        Effect.succeed(addresses.map((address): MemberOutcome => ({
          address,
          _tag: "Rejected",
          error: address === "a@x.example" ? wait(120_000) : wait(1_000)
        })))
      const error = yield* Effect.flip(withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example"])))
      assert.strictEqual(error._tag === "UpstreamError" && error.reason._tag === "Transient" ? error.reason.retryAfterMillis : undefined, 120_000)
    }))

  it.effect("members that were already there are no change: a refusal after them still fails the change", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const run = thenRefused(calls, (address) =>
        address === "b@x.example" ? { address, _tag: "Rejected", error: throttled } : { address, _tag: "Unchanged" })
      const error = yield* Effect.flip(withTime(applyMembers({ run, schedules: schedules(defaults) }, ["a@x.example", "b@x.example"])))
      assert.strictEqual(error, refused)
    }))
})
