import { Duration, Effect, Exit, Schedule, Scope } from "effect"
import type { Redis } from "effect/persistence"
import * as RedisUrl from "./RedisUrl.ts"

const NO_ANSWER = "no answer within"

/** Whether a call's failure was its timeout (Redis may still apply the command). */
export const timedOut = (reason: string): boolean => reason.startsWith(NO_ANSWER)

/**
 * A connection to `target` for as long as the current scope, and calls on it that fail with a reason safe
 * to log (the password scrubbed): not connected (yet), Redis's error, or no answer within `timeout`. The
 * first attempt is part of start-up (Redis works from the first request when it is up); when it fails,
 * later attempts run in the background (1 s, then 2 s doubling to 30 s). `onConnected` runs once connected.
 */
export const make = Effect.fnUntraced(function*(
  target: RedisUrl.RedisTarget,
  options: { readonly timeout: Duration.Duration; readonly socketTimeout: Duration.Duration },
  onConnected: Effect.Effect<void> = Effect.void
) {
  const scope = yield* Effect.scope
  const scrub = RedisUrl.scrubber(target)
  let redis: Redis.Redis["Service"] | undefined
  let notConnected = "not connected yet"

  const connect = Effect.gen(function*() {
    const attempt = yield* Scope.fork(scope)
    const RedisConnection = yield* Effect.tryPromise(() => import("./RedisConnection.ts"))
    redis = yield* RedisConnection.connect(target, options.socketTimeout, attempt).pipe(
      Effect.onError((cause) => Scope.close(attempt, Exit.failCause(cause)))
    )
    yield* onConnected
  }).pipe(Effect.tapError((error) =>
    Effect.sync(() => {
      notConnected = `not connected (${scrub(RedisUrl.describeFailure(error))})`
    })
  ))
  if ((yield* Effect.exit(connect))._tag === "Failure") {
    yield* connect.pipe(
      Effect.delay("1 second"),
      Effect.retry(Schedule.min([Schedule.exponential("2 seconds"), Schedule.spaced("30 seconds")])),
      Effect.forkIn(scope)
    )
  }

  const call = <A>(use: (redis: Redis.Redis["Service"]) => Effect.Effect<A, Redis.RedisError>): Effect.Effect<A, string> =>
    Effect.suspend(() => {
      if (redis === undefined) return Effect.fail(notConnected)
      return use(redis).pipe(
        Effect.timeout(options.timeout),
        Effect.mapError((error) =>
          error._tag === "TimeoutError"
            ? `${NO_ANSWER} ${Duration.toMillis(options.timeout)} ms`
            : scrub(RedisUrl.describeFailure(error))
        )
      )
    })
  return { call }
})
