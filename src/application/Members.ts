import { type Duration, Effect, Ref, type Schedule } from "effect"
import { normalizeEmail } from "../domain/Email.ts"
import type { GroupStoreError, MemberOutcome } from "./ports/GroupStore.ts"
import { memberRetryable, MembersPending, retryAfterMillis, type Tagged } from "./Retry.ts"

export interface MemberChange {
  /** The bulk operation (`GroupStore.addMembers` or `removeMembers` on one group). */
  readonly run: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError>
  /** A rejection that means "already so" (for removals: a recipient Exchange does not know is no member). */
  readonly alreadyDone?: (error: GroupStoreError) => boolean
  readonly schedule: Schedule.Schedule<Duration.Duration, Tagged>
}

const maxOf = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b)

/**
 * Applies a member change to every address, retrying only the members rejected for a retryable reason
 * (Exchange not seeing a user yet, throttling) with the member schedule. Returns exactly the addresses that
 * were not applied, in the order given. Fails only when the operation as a whole fails after its retries.
 */
export const applyMembers = Effect.fnUntraced(function*(
  change: MemberChange,
  addresses: ReadonlyArray<string>
) {
  if (addresses.length === 0) return [] as ReadonlyArray<string>
  const pending = yield* Ref.make<ReadonlyArray<string>>(addresses)
  const failed = new Set<string>()

  const attempt = Effect.gen(function*() {
    const batch = yield* Ref.get(pending)
    const outcomes = yield* change.run(batch).pipe(
      // A whole-call "recipient not found" names one member: retry the batch as it is.
      Effect.catchTag("RecipientNotFound", (error) =>
        Effect.fail(new MembersPending({ addresses: batch, retryAfterMillis: retryAfterMillis(error) })))
    )
    const seen = new Set<string>()
    const retry: Array<string> = []
    let retryAfter: number | undefined
    for (const outcome of outcomes) {
      seen.add(normalizeEmail(outcome.address))
      if (outcome._tag !== "Rejected" || change.alreadyDone?.(outcome.error)) continue
      if (memberRetryable(outcome.error)) {
        retry.push(outcome.address)
        retryAfter = maxOf(retryAfter, retryAfterMillis(outcome.error))
      } else {
        failed.add(normalizeEmail(outcome.address))
      }
    }
    // A member the store did not report on was not confirmed: try it again.
    retry.push(...batch.filter((address) => !seen.has(normalizeEmail(address))))
    yield* Ref.set(pending, retry)
    if (retry.length > 0) {
      return yield* new MembersPending({ addresses: retry, retryAfterMillis: retryAfter })
    }
  })

  yield* attempt.pipe(
    Effect.retry(change.schedule),
    Effect.catchTag("MembersPending", (error) =>
      Effect.sync(() => error.addresses.forEach((address) => failed.add(normalizeEmail(address)))))
  )
  return addresses.filter((address) => failed.has(normalizeEmail(address)))
})
