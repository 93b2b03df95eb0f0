import { Clock, Duration, Effect, Schedule } from "effect"
import type { NotFoundCache } from "../http/NotFoundCache.ts"
import * as LogGate from "./LogGate.ts"
import * as RedisCalls from "./RedisCalls.ts"
import type * as RedisUrl from "./RedisUrl.ts"

/** Followed by the tenant's domain: the key of its instances' change mark. */
export const keyPrefix = "distribution-list-api:not-found-cache:"

export interface MarkOptions {
  /** Whether this instance reads the mark (its cache answers); false: it only writes it. Default true. */
  readonly reads?: boolean | undefined
  /** How often the mark is read (default 100 ms): how long another instance may answer a stale 404. */
  readonly readEvery?: Duration.Input | undefined
  /**
   * A Redis call that takes longer counts as Redis unreachable (default 250 ms, under the 300 ms a read
   * vouches for: a Redis too slow for the reads to vouch is also too slow for changes to wait on).
   */
  readonly timeout?: Duration.Input | undefined
  /** A connection without a reply for this long is dropped, a handshake too (default 5 s). */
  readonly socketTimeout?: Duration.Input | undefined
}

/** A day: the mark of a tenant whose instances are all gone does not stay in a shared Redis. */
const MARK_TTL_MS = "86400000"

/**
 * Makes the not-found caches of the instances sharing a Redis agree (an instance whose cache is off only
 * writes the mark, `reads: false`). A change that may have applied writes a new mark at `key` (a random
 * token) before its answer goes out; each instance reads the mark every
 * `readEvery`, and a new one empties its cache. An instance answers from its cache only while its reads
 * succeed (each vouches for three reads' time from when it was sent), and after a failed read the next
 * good one empties it (a change may have been missed). A mark that could not be written is written when
 * Redis answers again; meanwhile, and for 5 s after a write timed out (so that changes do not each wait
 * for it), the others may answer a stale 404, at most for the cache's time-to-live.
 */
export const make = Effect.fnUntraced(function*(
  cache: NotFoundCache,
  target: RedisUrl.RedisTarget,
  key: string,
  options: MarkOptions = {}
) {
  const readEvery = Duration.fromInputUnsafe(options.readEvery ?? "100 millis")
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "250 millis")
  const socketTimeout = Duration.fromInputUnsafe(options.socketTimeout ?? "5 seconds")
  const vouches = Duration.toMillis(readEvery) * 3
  const { call } = yield* RedisCalls.make(target, { timeout, socketTimeout })
  const warn = (gate: ReturnType<typeof LogGate.make>, message: string) => (reason: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      gate.open("", now) ? Effect.logWarning(message).pipe(Effect.annotateLogs({ redis: target.display, reason })) : Effect.void)
  const unheard = warn(LogGate.make(), "Not-found cache: Redis unreachable; lookups are not answered from the cache")
  const untold = warn(
    LogGate.make(),
    "Not-found cache: the other instances could not be told of a change yet; their cached 404s may last until Redis answers"
  )

  // A mark owed (its write failed, or was not waited for), the changes announced so far (a write pays
  // what was owed when it was sent, not a change that ended while it was on its way), and, after a
  // timeout, until when changes do not wait for Redis.
  let owed = false
  let announced = 0
  let waitFreeUntil = 0
  const mark = Effect.suspend(() => {
    const covers = announced
    return call((redis) => redis.send("SET", key, crypto.randomUUID(), "PX", MARK_TTL_MS)).pipe(
      Effect.tap(() => Effect.sync(() => void (owed = owed && announced !== covers)))
    )
  })
  const announce = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    announced++
    if (now < waitFreeUntil) return Effect.sync(() => void (owed = true))
    return mark.pipe(Effect.catch((reason) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => {
        owed = true
        if (RedisCalls.timedOut(reason)) waitFreeUntil = at + 5_000
        return untold(reason)
      })
    ))
  })

  // undefined after a failed read: the next good one empties the cache
  let seen: string | null | undefined
  const read = Effect.gen(function*() {
    const sentAt = yield* Clock.currentTimeMillis
    if (owed) yield* mark
    const current = yield* call((redis) => redis.send<string | null>("GET", key))
    if (current !== seen) cache.forget()
    seen = current
    cache.heard(sentAt + vouches)
  }).pipe(Effect.catch((reason) => Effect.andThen(Effect.sync(() => void (seen = undefined)), unheard(reason))))

  cache.coordinate(announce)
  const reads = options.reads ?? true
  // an instance that only writes pays what it owes at the same pace
  const pay = Effect.suspend(() => owed ? Effect.ignore(mark) : Effect.void)
  yield* (reads ? read : pay).pipe(Effect.repeat(Schedule.spaced(readEvery)), Effect.forkScoped)
})
