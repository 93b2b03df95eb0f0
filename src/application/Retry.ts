import { Duration, Effect, Ref, Schedule, Schema } from "effect"
import { Failed, type Transient, UpstreamError } from "./ports/UpstreamError.ts"
import type { RetryPolicy, SettingsShape } from "./Settings.ts"

/** Any tagged failure; the schedules below look at the tag and, for upstream errors, at the reason. */
export interface Tagged {
  readonly _tag: string
}

/** Members of a bulk operation that Exchange could not resolve yet (internal to the use cases). */
export class MembersPending extends Schema.TaggedError<MembersPending>()("MembersPending", {
  addresses: Schema.Array(Schema.String),
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

/** Members of a bulk operation rejected as throttled or temporarily failed (internal to the use cases). */
export class MembersThrottled extends Schema.TaggedError<MembersThrottled>()("MembersThrottled", {
  addresses: Schema.Array(Schema.String),
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

const reasonOf = (error: Tagged): UpstreamError["reason"] | undefined =>
  error instanceof UpstreamError ? error.reason : undefined

const transientReason = (error: Tagged): Transient | undefined => {
  const reason = reasonOf(error)
  return reason?._tag === "Transient" ? reason : undefined
}

export const isTransient = (error: Tagged): boolean => transientReason(error) !== undefined

/** The delay the upstream asked for (`Retry-After`), if any. */
export const retryAfterMillis = (error: Tagged): number | undefined =>
  error._tag === "MembersPending" || error._tag === "MembersThrottled"
    ? (error as MembersPending | MembersThrottled).retryAfterMillis
    : transientReason(error)?.retryAfterMillis

const hasTag = (...tags: ReadonlyArray<string>) => (error: Tagged): boolean => tags.includes(error._tag)

/** Transient upstream failures only: every plain read and write. */
export const transientOnly = (error: Tagged): boolean => isTransient(error)

/** Member calls, round by round: the whole call or some of its members failed transiently. */
export const memberTransient = (error: Tagged): boolean => isTransient(error) || hasTag("MembersThrottled")(error)

/**
 * Member operations: Exchange may not see yet a user Graph knows, or the new group itself. Not transient
 * failures: each round already retried those (`memberRound`), and retrying the rounds again multiplied the
 * calls (an outage cost one member 5 × 8 calls and over three minutes).
 */
export const memberRetryable = (error: Tagged): boolean =>
  hasTag("RecipientNotFound", "GroupNotFound", "MembersPending")(error)

/**
 * What a retry line says of the failure: its kind, the call and its HTTP status (an upstream failure's
 * operation, such as `New-DistributionGroup`) and, for members, how many are waited for. Never addresses.
 */
const retryAnnotations = (input: Tagged): Record<string, string | number> => {
  if (input instanceof UpstreamError) {
    const status = input.reason._tag === "Transient" ? input.reason.status : undefined
    return { failure: input.reason._tag, operation: input.operation, ...(status === undefined ? {} : { status }) }
  }
  if (input instanceof MembersPending || input instanceof MembersThrottled) {
    return { failure: input._tag, members: input.addresses.length }
  }
  return { failure: input._tag }
}

/**
 * Exponential back-off `base, 2·base, …` capped at `cap`, for `attempts` tries in all, while `retryable`.
 * An upstream `Retry-After` replaces a shorter computed delay (the larger of the two is used); one longer than
 * `retryAfterMaxMillis` stops the retries, so that a caller is not held for minutes.
 */
export const backoff = (
  policy: RetryPolicy,
  retryable: (error: Tagged) => boolean,
  retryAfterMaxMillis: number
): Schedule.Schedule<Duration.Duration, Tagged> =>
  Schedule.min([
    Schedule.exponential(Duration.millis(policy.baseMillis)),
    Schedule.spaced(Duration.millis(policy.capMillis))
  ]).pipe(
    Schedule.upTo({ times: Math.max(0, policy.attempts - 1) }),
    Schedule.setInputType<Tagged>(),
    Schedule.while(({ input }) => retryable(input) && (retryAfterMillis(input) ?? 0) <= retryAfterMaxMillis),
    Schedule.modifyDelay(({ attempt, duration, input }) => {
      const delay = Duration.max(duration, Duration.millis(retryAfterMillis(input) ?? 0))
      // Operators should see upstream trouble being absorbed, not only what finally failed: a WARNING, the
      // seed's level for a failure that did not fail the request.
      return Effect.as(
        Effect.logWarning("Retrying upstream call").pipe(Effect.annotateLogs({
          ...retryAnnotations(input),
          attempt,
          delayMillis: Duration.toMillis(delay)
        })),
        delay
      )
    })
  )

export interface Schedules {
  /** Read-after-create: `GroupNotFound` only (seed: 6 attempts, 5 s → 30 s); see `untilVisible`. */
  readonly verify: Schedule.Schedule<Duration.Duration, Tagged>
  /** Member adds and removes (seed: 5 attempts, 2 s → 20 s). */
  readonly member: Schedule.Schedule<Duration.Duration, Tagged>
  /** Every other upstream call, transient failures only (8 attempts, 500 ms → 8 s). */
  readonly upstream: Schedule.Schedule<Duration.Duration, Tagged>
  /** One round of a member operation: like `upstream`, also for members rejected as throttled. */
  readonly memberRound: Schedule.Schedule<Duration.Duration, Tagged>
  /** A `Retry-After` longer than this ends the retries (`RETRY_AFTER_MAX_S`). */
  readonly retryAfterMaxMillis: number
  /** The first delay of `upstream` and `memberRound`, for a pause their count does not see. */
  readonly upstreamBaseMillis: number
}

export const schedules = (settings: SettingsShape): Schedules => ({
  verify: backoff(settings.verify, hasTag("GroupNotFound"), settings.retryAfterMaxMillis),
  member: backoff(settings.member, memberRetryable, settings.retryAfterMaxMillis),
  upstream: backoff(settings.upstream, transientOnly, settings.retryAfterMaxMillis),
  memberRound: backoff(settings.upstream, memberTransient, settings.retryAfterMaxMillis),
  retryAfterMaxMillis: settings.retryAfterMaxMillis,
  upstreamBaseMillis: settings.upstream.baseMillis
})

/**
 * Whether a failed call may still have been applied upstream: a transient failure other than throttling
 * (a 429 is refused before any work is done; a 503 or a lost connection may come after it).
 */
export const mayHaveApplied = (error: Tagged): boolean => {
  const reason = transientReason(error)
  return reason !== undefined && !reason.throttled
}

/**
 * The failure of a change whose outcome is unknown: a call may have been applied before its reply was lost,
 * and Exchange stayed unavailable after it, so nothing could tell. Not a "please retry" 503: sent again, a
 * create that was applied is a 409. A 502 that says so, as the timeout of a member-list write is.
 */
export const outcomeUnknown = (operation: string): UpstreamError =>
  new UpstreamError({
    operation,
    reason: new Failed({
      detail: "Exchange Online stopped answering after the change was sent, so it may have been applied; " +
        "read the distribution list before sending the change again"
    })
  })

/**
 * Retries a non-idempotent call. `attempt(ambiguous)` is told whether an earlier try may have been applied
 * upstream (see `mayHaveApplied`): a conflict or a not-found then needs a second look. Retries that end in
 * a transient failure after such a try fail with `outcomeUnknown`.
 */
export const retryAmbiguous = <A, E extends Tagged, R>(
  schedule: Schedule.Schedule<Duration.Duration, Tagged>,
  attempt: (ambiguous: boolean) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | UpstreamError, R> =>
  Effect.flatMap(Ref.make(false), (ambiguous) =>
    Ref.get(ambiguous).pipe(
      Effect.flatMap(attempt),
      Effect.tapError((error) => (mayHaveApplied(error) ? Ref.set(ambiguous, true) : Effect.void)),
      Effect.retry(schedule),
      Effect.catchIf(
        (error): error is E & UpstreamError => error instanceof UpstreamError && isTransient(error),
        (error) => Effect.flatMap(Ref.get(ambiguous), (unsure) => Effect.fail(unsure ? outcomeUnknown(error.operation) : error))
      )
    ))

/**
 * Read-after-write. The seed's verification steps (5 s → 30 s, 6 attempts) are for a group that is not
 * visible yet; a transient failure on the way (a throttled read, say) is no propagation delay and gets the
 * general schedule (`Retry-After` honoured, 8 attempts). The two retry disjoint failures, so each keeps its
 * own count: a read that stays throttled ends after the general schedule, not 6 × 8 tries.
 */
export const untilVisible = (schedules: Pick<Schedules, "upstream" | "verify">) =>
<A, E extends Tagged, R>(read: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  read.pipe(Effect.retry(schedules.upstream), Effect.retry(schedules.verify))
