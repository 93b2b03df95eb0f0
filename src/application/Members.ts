import { Cause, Duration, Effect, Exit, Option, Ref } from "effect"
import { normalizeEmail } from "../domain/Email.ts"
import type { GroupStoreError, MemberOutcome } from "./ports/GroupStore.ts"
import {
  isTransient,
  mayHaveApplied,
  MembersPending,
  MembersThrottled,
  outcomeUnknown,
  retryAfterMillis,
  type Schedules
} from "./Retry.ts"
import { shown } from "./LogText.ts"

export interface MemberChange {
  /** The bulk operation (`GroupStore.addMembers` or `removeMembers` on one group). */
  readonly run: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError>
  /** A rejection that means "already so" (for removals: a recipient Exchange does not know is no member). */
  readonly alreadyDone?: (error: GroupStoreError) => boolean
  /** Whether Exchange may still come to know this address (false: a user without a mailbox); default yes. */
  readonly mayAppear?: (address: string) => boolean
  /**
   * Of the addresses given, those whose change is in effect now (read back from the list): asked once, at the
   * end, for the addresses never confirmed whose call may have been applied before its reply was lost.
   */
  readonly inEffect?: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, GroupStoreError>
  readonly schedules: Schedules
}

export interface MembersApplied {
  /** The addresses not applied, in the order given. */
  readonly notApplied: ReadonlyArray<string>
  /** How many members this change altered ("already so" counts only after a call that may have been applied). */
  readonly applied: number
}

/** Runs of rounds per attempt when each run makes progress: as many as the seed's member attempts. */
const MAX_RUNS = 5

const describe = (error: GroupStoreError): string => (error._tag === "UpstreamError" ? error.message : error._tag)

const maxOf = (values: ReadonlyArray<number | undefined>) => {
  const defined = values.filter((value) => value !== undefined)
  return defined.length === 0 ? undefined : Math.max(...defined)
}

const longestWait = (errors: ReadonlyArray<GroupStoreError>): GroupStoreError | undefined =>
  errors.reduce<GroupStoreError | undefined>(
    (longest, error) =>
      longest === undefined || (retryAfterMillis(error) ?? 0) > (retryAfterMillis(longest) ?? 0) ? error : longest,
    undefined
  )

/**
 * Applies a member change to every address and returns exactly the addresses that were not applied, in the
 * order given, and how many it altered. Two loops over disjoint failures: each round retries the call, and
 * the members rejected as throttled, on the general transient schedule; members Exchange cannot resolve yet
 * (or a group not visible yet) wait for the member schedule (seed: 5 attempts, 2 s → 20 s). Only those still
 * pending are sent again. Fails only when the operation as a whole still fails after both, and then with
 * `outcomeUnknown` when a call may have been applied that nothing could confirm.
 */
export const applyMembers = Effect.fnUntraced(function*(
  change: MemberChange,
  addresses: ReadonlyArray<string>
): Effect.fn.Return<MembersApplied, GroupStoreError> {
  if (addresses.length === 0) return { notApplied: [], applied: 0 }
  const pending = yield* Ref.make<ReadonlyArray<string>>(addresses)
  const unseen: Array<{ readonly address: string; readonly error: GroupStoreError }> = []
  // Exactness by construction: whatever the store never confirmed is reported, however the retries ended.
  const confirmed = new Set<string>()
  // what changed the list (not "already a member"): once there is any, a failure is reported, not raised
  let applied = 0
  // Addresses sent in a call that failed after it may have been applied (a reply lost): a later "already
  // so" for one of them is most likely this change's own doing, and counts as applied.
  const maybeApplied = new Set<string>()
  let lastTransient: GroupStoreError | undefined // of the last round with throttled members

  const round = Effect.gen(function*() {
    const batch = yield* Ref.get(pending)
    const outcomes = yield* change.run(batch).pipe(Effect.tapError((error) =>
      Effect.sync(() => {
        if (mayHaveApplied(error)) for (const address of batch) maybeApplied.add(normalizeEmail(address))
      })
    ))
    const reported = new Set(outcomes.map((outcome) => normalizeEmail(outcome.address)))
    // A member the store did not report on was not confirmed: send it again.
    const throttled = batch.filter((address) => !reported.has(normalizeEmail(address)))
    const throttledErrors: Array<GroupStoreError> = []
    for (const outcome of outcomes) {
      const key = normalizeEmail(outcome.address)
      if (outcome._tag !== "Rejected" || change.alreadyDone?.(outcome.error)) {
        confirmed.add(key)
        if (outcome._tag === "Applied" || maybeApplied.has(key)) applied++
        continue
      }
      if (mayHaveApplied(outcome.error)) maybeApplied.add(key)
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
    // the one asking the longest wait: an outage answered with it must not invite the caller back sooner
    lastTransient = longestWait(throttledErrors) ?? lastTransient
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

  // never confirmed, but sent in a call that may have been applied
  const isUnsure = (address: string) => !confirmed.has(normalizeEmail(address)) && maybeApplied.has(normalizeEmail(address))

  // One read-back settles the unsure addresses, so that neither an error status nor the list of what was
  // not applied hides a change that took effect.
  const settle = Effect.suspend(() => {
    const unsure = addresses.filter(isUnsure)
    if (unsure.length === 0 || change.inEffect === undefined) return Effect.void
    return change.inEffect(unsure).pipe(
      Effect.map((done) => {
        for (const address of done) {
          const key = normalizeEmail(address)
          if (!confirmed.has(key)) applied++
          confirmed.add(key)
        }
      }),
      Effect.catch((error) => Effect.logWarning(`Reading back a member change failed: ${shown(describe(error))}`))
    )
  })

  const exit = yield* Effect.exit(attempt.pipe(
    // A whole-call "recipient not found" names one member: retry the batch as it is.
    Effect.catchTag("RecipientNotFound", (error) =>
      Effect.flatMap(Ref.get(pending), (batch) =>
        Effect.fail(new MembersPending({ addresses: batch, retryAfterMillis: retryAfterMillis(error) })))),
    Effect.retry(change.schedules.member)
  ))
  yield* settle
  // Nothing confirmed, but a call may have been applied and the read-back could not tell: an outage after a
  // lost reply. Its error must not say "nothing was done" (a 503, "please retry").
  const unsettled = addresses.some(isUnsure)
  yield* Effect.suspend(() => exit).pipe(
    Effect.mapError((error) =>
      applied === 0 && unsettled && (error._tag === "MembersThrottled" || isTransient(error))
        ? outcomeUnknown(
          error._tag === "UpstreamError" ? error.operation : lastTransient?._tag === "UpstreamError" ? lastTransient.operation : "member change"
        )
        : error
    ),
    // Members Exchange does not know (yet) are reported, as the seed reports members it could not add.
    Effect.catchTag("MembersPending", () => Effect.void),
    // Throttled or unavailable for good with nothing changed is the outage itself (a 503 with its
    // Retry-After), not a list of every member.
    Effect.catchTag("MembersThrottled", () =>
      applied > 0 || lastTransient === undefined ? Effect.void : Effect.fail(lastTransient)),
    // Once some members were applied, a call that fails (throttled for good, refused, the list gone) ends the
    // change with the rest reported as not applied, rather than an error that hides what was done.
    Effect.catchIf(() => applied > 0, (error) =>
      Effect.logWarning(`A member change stopped after ${applied} member(s) were applied: ${shown(describe(error))}`))
  )
  return { notApplied: addresses.filter((address) => !confirmed.has(normalizeEmail(address))), applied }
})
