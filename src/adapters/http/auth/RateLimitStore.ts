import { Clock, type Config, Duration, Effect, Exit, Layer, Option, Schedule, Scope } from "effect"
import { RateLimiter } from "effect/persistence"
import * as RedisUrl from "../../redis/RedisUrl.ts"
import type { RedisTarget } from "../../redis/RedisUrl.ts"
import * as BoundedMemoryStore from "./BoundedMemoryStore.ts"

/** Keys in a shared Redis start with this, so nothing else in it is touched. */
export const defaultPrefix = "distribution-list-api:ratelimit:"

export interface StoreOptions {
  /** Prepended to every key (default `defaultPrefix`). */
  readonly prefix?: string | undefined
  /** A store call that takes longer lets the request through, as when Redis is down (default 500 ms). */
  readonly timeout?: Duration.Input | undefined
  /** A connection without a reply for this long is dropped, a handshake too (default 5 s). */
  readonly socketTimeout?: Duration.Input | undefined
}

/** `RATE_LIMIT_REDIS_URL`: empty (the default) keeps the counters in memory. */
export const redisUrlConfig: Config.Config<Option.Option<RedisTarget>> = RedisUrl.config("RATE_LIMIT_REDIS_URL")

/**
 * Counters in this process only: each instance has its own budget (bounded, see `BoundedMemoryStore`);
 * also provides those counters (`BoundedMemoryStore.CurrentCounters`).
 */
export const layerMemory = RateLimiter.layer.pipe(Layer.provideMerge(BoundedMemoryStore.layer()))

/**
 * A `RateLimiterStore` over Redis that never holds a request up: until the first connection succeeds
 * (retried in the background), while the connection is down, or past `timeout`, calls fail with a
 * `RateLimitStoreError` whose message is safe to log (no cause attached, the password scrubbed).
 */
export const makeStoreRedis = Effect.fnUntraced(function*(target: RedisTarget, options: StoreOptions = {}) {
  const prefix = options.prefix ?? defaultPrefix
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "500 millis")
  const socketTimeout = Duration.fromInputUnsafe(options.socketTimeout ?? "5 seconds")
  const scope = yield* Effect.scope
  const scrub = RedisUrl.scrubber(target)
  const failure = (message: string) =>
    new RateLimiter.RateLimiterError({
      reason: new RateLimiter.RateLimitStoreError({ message: scrub(message) })
    })

  let store: RateLimiter.RateLimiterStore["Service"] | undefined
  let lastFailure = "not connected yet"

  const connect = Effect.gen(function*() {
    const attempt = yield* Scope.fork(scope)
    return yield* Effect.tryPromise({ try: () => import("../../redis/RedisConnection.ts"), catch: (cause) => cause }).pipe(
      Effect.flatMap((RedisConnection) => RedisConnection.connectRateLimiterStore(target, { prefix, socketTimeout }, attempt)),
      Effect.onError((cause) => Scope.close(attempt, Exit.failCause(cause)))
    )
  }).pipe(
    Effect.tap((connected) =>
      Effect.sync(() => {
        store = connected
      }).pipe(Effect.andThen(
        Effect.logInfo("Rate limiter: counters in Redis").pipe(Effect.annotateLogs({ redis: target.display, prefix }))
      ))
    ),
    Effect.tapError((error) => {
      const reason = scrub(RedisUrl.describeFailure(error))
      return Effect.sync(() => {
        lastFailure = reason
      }).pipe(Effect.andThen(
        Effect.logWarning("Rate limiter: Redis unreachable; requests are let through until it answers").pipe(
          Effect.annotateLogs({ redis: target.display, reason })
        )
      ))
    })
  )

  // The first attempt is part of start-up (the limiter works from the first request when Redis is
  // up); when it fails, start-up goes on and later attempts run in the background.
  const first = yield* Effect.exit(connect)
  if (first._tag === "Failure") {
    yield* Effect.sleep("1 second").pipe(
      Effect.andThen(connect),
      Effect.retry(Schedule.min([Schedule.exponential("2 seconds"), Schedule.spaced("30 seconds")])),
      Effect.forkIn(scope)
    )
  }

  // After a call times out, Redis is not asked for a while: a hanging Redis costs one request the
  // timeout, not every request (a lost connection already fails at once).
  const pause = Duration.toMillis(timeout) * 10
  const slow = `Redis did not answer within ${Duration.toMillis(timeout)} ms`
  let pausedUntil = 0

  const call = <A>(use: (store: RateLimiter.RateLimiterStore["Service"]) => Effect.Effect<A, RateLimiter.RateLimiterError>) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (store === undefined) return Effect.fail(failure(`Redis not connected (${lastFailure})`))
      if (now < pausedUntil) return Effect.fail(failure(`${slow}; not asked for ${pause / 1000} s`))
      return use(store).pipe(
        Effect.mapError((error) =>
          error.reason._tag === "RateLimitStoreError"
            ? failure(`Redis: ${RedisUrl.describeFailure(error.reason.cause ?? error.reason.message)}`)
            : error
        ),
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.flatMap(Clock.currentTimeMillis, (at) => {
              pausedUntil = at + pause
              return Effect.fail(failure(slow))
            })
        })
      )
    })

  return RateLimiter.RateLimiterStore.of({
    fixedWindow: (options) => call((store) => store.fixedWindow(options)),
    tokenBucket: (options) => call((store) => store.tokenBucket(options)),
    adaptiveConsume: (options) => call((store) => store.adaptiveConsume(options)),
    adaptiveFeedback: (options) => call((store) => store.adaptiveFeedback(options))
  })
})

/** Counters shared through Redis by every instance that uses the same `target` and `prefix`. */
export const layerRedis = (target: RedisTarget, options?: StoreOptions): Layer.Layer<RateLimiter.RateLimiter> =>
  RateLimiter.layer.pipe(Layer.provide(Layer.effect(RateLimiter.RateLimiterStore, makeStoreRedis(target, options))))

/** Redis when `RATE_LIMIT_REDIS_URL` is set, otherwise memory. */
export const layerConfig = (options?: StoreOptions): Layer.Layer<RateLimiter.RateLimiter, Config.ConfigError> =>
  Layer.unwrap(Effect.map(redisUrlConfig, Option.match({
    onNone: () => layerMemory,
    onSome: (target) => layerRedis(target, options)
  })))
