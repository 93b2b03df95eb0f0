import { Cause, Duration, Effect, Exit, Option, Ref } from "effect"
import { normalizeEmail } from "../domain/Email.ts"
import type { GroupStoreError, MemberOutcome } from "./ports/GroupStore.ts"
import { isTransient, MembersPending, MembersThrottled, retryAfterMillis, type Schedules } from "./Retry.ts"

export interface MemberChange {
  /** The bulk operation (`GroupStore.addMembers` or `removeMembers` on one group). */
  readonly run: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError>
  /** A rejection that means "already so" (for removals: a recipient Exchange does not know is no member). */
  readonly alreadyDone?: (error: GroupStoreError) => boolean
  /** Whether Exchange may still come to know this address (false: a user without a mailbox); default yes. */
  readonly mayAppear?: (address: string) => boolean
  readonly schedules: Schedules
}

/** Runs of rounds per attempt when each run makes progress: as many as the seed's member attempts. */
const MAX_RUNS = 5

const describe = (error: GroupStoreError): string => (error._tag === "UpstreamError" ? error.message : error._tag)

const maxOf = (values: ReadonlyArray<number | undefined>) => {
  const defined = values.filter((value) => value !== undefined)
  return defined.length === 0 ? undefined : Math.max(...defined)
}

/**
 * Applies a member change to every address and returns exactly the addresses that were not applied, in the
 * order given. Two loops over disjoint failures: each round retries the call, and the members rejected as
 * throttled, on the general transient schedule; members Exchange cannot resolve yet (or a group not visible
 * yet) wait for the member schedule (seed: 5 attempts, 2 s → 20 s). Only those still pending are sent again.
 * Fails only when the operation as a whole still fails after both.
 */
export const applyMembers = Effect.fnUntraced(function*(change: MemberChange, addresses: ReadonlyArray<string>) {
  if (addresses.length === 0) return [] as ReadonlyArray<string>
  const pending = yield* Ref.make<ReadonlyArray<string>>(addresses)
  const unseen: Array<{ readonly address: string; readonly error: GroupStoreError }> = []
  // Exactness by construction: whatever the store never confirmed is reported, however the retries ended.
  const confirmed = new Set<string>()
  // what changed the list (not "already a member"): once there is any, a failure is reported, not raised
  let applied = 0
  let lastTransient: GroupStoreError | undefined

  const round = Effect.gen(function*() {
    const batch = yield* Ref.get(pending)
    const outcomes = yield* change.run(batch)
    const reported = new Set(outcomes.map((outcome) => normalizeEmail(outcome.address)))
    // A member the store did not report on was not confirmed: send it again.
    const throttled = batch.filter((address) => !reported.has(normalizeEmail(address)))
    const throttledErrors: Array<GroupStoreError> = []
    for (const outcome of outcomes) {
      if (outcome._tag !== "Rejected" || change.alreadyDone?.(outcome.error)) {
        confirmed.add(normalizeEmail(outcome.address))
        if (outcome._tag === "Applied") applied++
        continue
      }
      if (isTransient(outcome.error)) {
        throttled.push(outcome.address)
        throttledErrors.push(outcome.error)
      } else if (
        outcome.error._tag === "GroupNotFound" ||
        (outcome.error._tag === "RecipientNotFound" && (change.mayAppear?.(outcome.address) ?? true))
      ) {
        unseen.push({ address: outcome.address, error: outcome.error })
      }
    }
    yield* Ref.set(pending, throttled)
    lastTransient = throttledErrors.at(-1) ?? lastTransient
    if (throttled.length > 0) {
      return yield* new MembersThrottled({
        addresses: throttled,
        retryAfterMillis: maxOf(throttledErrors.map(retryAfterMillis))
      })
    }
  })

  // Rounds retried on the transient schedule; a run of rounds that confirmed some members starts a fresh count,
  // up to MAX_RUNS runs in all, after the pause the last failure asked for: what stops the rounds is failing
  // without progress (an outage: one run), a Retry-After past the limit, or a failure that is not transient.
  const rounds = (run: number): Effect.Effect<void, GroupStoreError | MembersThrottled> =>
    Effect.gen(function*() {
      const before = (yield* Ref.get(pending)).length
      const exit = yield* Effect.exit(round.pipe(Effect.retry(change.schedules.memberRound)))
      if (Exit.isSuccess(exit)) return
      const progressed = (yield* Ref.get(pending)).length < before
      const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
      const transient = error !== undefined && (error._tag === "MembersThrottled" || isTransient(error))
      const pause = !transient ? undefined : retryAfterMillis(error) ?? change.schedules.upstreamBaseMillis
      if (!progressed || run >= MAX_RUNS || pause === undefined || pause > change.schedules.retryAfterMaxMillis) {
        return yield* Effect.failCause(exit.cause)
      }
      yield* Effect.sleep(Duration.millis(pause))
      return yield* rounds(run + 1)
    })

  const attempt = Effect.gen(function*() {
    yield* rounds(1)
    if (unseen.length === 0) return
    const later = unseen.splice(0).map(({ address }) => address)
    yield* Ref.set(pending, later)
    return yield* new MembersPending({ addresses: later })
  })

  yield* attempt.pipe(
    // A whole-call "recipient not found" names one member: retry the batch as it is.
    Effect.catchTag("RecipientNotFound", (error) =>
      Effect.flatMap(Ref.get(pending), (batch) =>
        Effect.fail(new MembersPending({ addresses: batch, retryAfterMillis: retryAfterMillis(error) })))),
    Effect.retry(change.schedules.member),
    // Members Exchange does not know (yet) are reported, as the seed reports members it could not add.
    Effect.catchTag("MembersPending", () => Effect.void),
    // Throttled or unavailable for good with nothing changed is the outage itself (a 503 with its
    // Retry-After), not a list of every member.
    Effect.catchTag("MembersThrottled", () =>
      applied > 0 || lastTransient === undefined ? Effect.void : Effect.fail(lastTransient)),
    // Once some members were applied, a call that fails (throttled for good, refused, the list gone) ends the
    // change with the rest reported as not applied, rather than an error that hides what was done.
    Effect.catchIf(() => applied > 0, (error) =>
      Effect.logWarning(`A member change stopped after ${applied} member(s) were applied: ${describe(error)}`))
  )
  return addresses.filter((address) => !confirmed.has(normalizeEmail(address)))
})
