import { Clock, Duration, Effect, Layer, Option, Random, Scope } from "effect"
import { Redis } from "effect/persistence"
import { ListLeases, type ListLeasesShape, thisInstanceOnly } from "../../application/ports/ListLeases.ts"
import * as LogGate from "./LogGate.ts"
import * as RedisCalls from "./RedisCalls.ts"
import * as RedisUrl from "./RedisUrl.ts"

/** Keys in a shared Redis start with this, so nothing else in it is touched. */
export const defaultPrefix = "distribution-list-api:list-lease:"

export interface LeaseOptions {
  /** Prepended to every key (default `defaultPrefix`). */
  readonly prefix?: string | undefined
  /**
   * How long a lease outlives its holder's last renewal (default 30 s; renewed every third of it): the
   * leases of an instance that died lapse after this.
   */
  readonly ttl?: Duration.Input | undefined
  /** A Redis call that takes longer counts as Redis unreachable (default 500 ms). */
  readonly timeout?: Duration.Input | undefined
  /** A connection without a reply for this long is dropped, a handshake too (default 5 s). */
  readonly socketTimeout?: Duration.Input | undefined
}

// Only the holder's token renews or frees a lease: one that lapsed and went to another instance is theirs.
const renew = Redis.script((key: string, token: string, ttlMs: number) => [key, token, ttlMs], {
  lua: `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`,
  numberOfKeys: 1
}).withReturnType<number>()

const release = Redis.script((key: string, token: string) => [key, token], {
  lua: `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`,
  numberOfKeys: 1
}).withReturnType<number>()

/** Waits between tries for a held lease: 25 ms doubling to 500 ms, with jitter. */
const retryDelay = (attempt: number) =>
  Effect.map(Random.nextBetween(0.75, 1.25), (jitter) => Duration.millis(Math.min(25 * 2 ** attempt, 500) * jitter))

/**
 * Leases in Redis (`SET NX PX`, renewed while held, freed by their token). Until the first connection
 * succeeds (retried in the background), while it is down, or past `timeout`, a lease is granted without
 * Redis and a warning logged (at most one a minute): list changes then coordinate within each instance only.
 */
export const make = Effect.fnUntraced(function*(target: RedisUrl.RedisTarget, options: LeaseOptions = {}) {
  const prefix = options.prefix ?? defaultPrefix
  const ttl = Duration.fromInputUnsafe(options.ttl ?? "30 seconds")
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "500 millis")
  const socketTimeout = Duration.fromInputUnsafe(options.socketTimeout ?? "5 seconds")
  const ttlMs = String(Duration.toMillis(ttl))
  const redis = yield* RedisCalls.make(
    target,
    { timeout, socketTimeout },
    Effect.logInfo("List leases: shared with other instances in Redis").pipe(
      Effect.annotateLogs({ redis: target.display, prefix })
    )
  )

  const unsharedGate = LogGate.make()
  const unshared = (reason: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (!unsharedGate.open("", now)) return Effect.void
      return Effect.logWarning("List leases: Redis unreachable; changes to a list wait only for this instance's").pipe(
        Effect.annotateLogs({ redis: target.display, reason })
      )
    })

  /** A Redis call, or None (after the warning) when Redis is not there. */
  const call = <A>(use: (redis: Redis.Redis["Service"]) => Effect.Effect<A, Redis.RedisError>) =>
    redis.call(use).pipe(
      Effect.map(Option.some),
      Effect.catch((reason) => Effect.as(unshared(reason), Option.none<A>()))
    )

  const hold = (listKey: string): Effect.Effect<void, never, Scope.Scope> =>
    Effect.gen(function*() {
      const key = prefix + listKey
      const token = crypto.randomUUID()
      // Taking the lease and arranging its release are one step: a waiter cut off in between (its
      // caller went away) would leave the lease held until it lapsed. A SET without an answer may still be
      // applied (it waits on the connection): its release, which only frees this token, follows it there.
      const take = Effect.uninterruptible(
        call((redis) => redis.send<string | null>("SET", key, token, "NX", "PX", ttlMs)).pipe(
          Effect.tap((answer) =>
            Option.isNone(answer) || answer.value === "OK"
              ? Effect.addFinalizer(() => call((redis) => redis.eval(release)(key, token)))
              : Effect.void
          )
        )
      )
      for (let attempt = 0;; attempt++) {
        const answer = yield* take
        if (Option.isNone(answer)) return
        if (answer.value === "OK") break
        yield* Effect.flatMap(retryDelay(attempt), Effect.sleep)
      }
      // Renewed until the scope closes; a renewal that finds the lease gone (lapsed while Redis was out
      // of reach) stops, with a warning: the change already under way goes on.
      yield* call((redis) => redis.eval(renew)(key, token, Number(ttlMs))).pipe(
        Effect.delay(Duration.divideUnsafe(ttl, 3)),
        Effect.repeat({ until: (renewed) => Option.isSome(renewed) && renewed.value === 0 }),
        Effect.andThen(Effect.logWarning("List leases: a lease lapsed while its change was under way").pipe(
          Effect.annotateLogs({ list: listKey })
        )),
        Effect.forkScoped
      )
    })

  return ListLeases.of({ hold })
})

/** Leases shared through Redis by every instance that uses the same `target` and `prefix`. */
export const layerRedis = (target: RedisUrl.RedisTarget, options?: LeaseOptions): Layer.Layer<never> =>
  Layer.effect(ListLeases, make(target, options))

/**
 * `LIST_LOCK_REDIS_URL`, or when it is not set `RATE_LIMIT_REDIS_URL`: leases in that Redis. Empty: each
 * instance on its own.
 */
export const layerConfig = (options?: LeaseOptions) =>
  Layer.unwrap(Effect.map(RedisUrl.config("LIST_LOCK_REDIS_URL", "RATE_LIMIT_REDIS_URL"), Option.match({
    onNone: () => Layer.succeed(ListLeases, thisInstanceOnly satisfies ListLeasesShape),
    onSome: (target) => layerRedis(target, options)
  })))
