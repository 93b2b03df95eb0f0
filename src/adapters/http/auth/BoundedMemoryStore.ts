import { Context, Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"

/** Above this many keys, expired windows are swept before a new key is added. */
export const SWEEP_ABOVE = 10_000
/** The most keys kept: past it (after a sweep), the oldest windows are dropped. */
export const MAX_KEYS = 100_000
/** How often, at most, expired windows are swept. */
export const SWEEP_INTERVAL_MILLIS = 1_000

/**
 * Fixed-window counters with the arithmetic of Effect's in-memory store, but bounded: Effect's store never
 * forgets a key, and failed authentications are keyed by client address, which a scan or an IPv6 host can
 * vary without end. Expired windows are swept once there are many keys; past `maxKeys` the oldest windows
 * go first (a dropped window only resets a count; it never blocks anyone).
 */
export class BoundedCounters {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>()
  private readonly sweepAbove: number
  private readonly maxKeys: number
  private nextSweepAt = 0

  constructor(sweepAbove = SWEEP_ABOVE, maxKeys = MAX_KEYS) {
    this.sweepAbove = sweepAbove
    this.maxKeys = maxKeys
  }

  get size(): number {
    return this.counters.size
  }

  /** Adds `tokens` to `key`'s window: `[count, ttl millis]`; over `limit` nothing is added. */
  consume(key: string, tokens: number, refillMillis: number, limit: number | undefined, now: number): readonly [number, number] {
    let counter = this.counters.get(key)
    if (counter === undefined || counter.expiresAt <= now) {
      if (counter === undefined) this.makeRoom(now)
      else this.counters.delete(key) // re-inserted: a renewed window is the newest
      counter = { count: 0, expiresAt: now }
      this.counters.set(key, counter)
    }
    if (limit !== undefined && counter.count + tokens > limit) return [counter.count + tokens, counter.expiresAt - now]
    counter.count += tokens
    counter.expiresAt += refillMillis * tokens
    return [counter.count, counter.expiresAt - now]
  }

  private makeRoom(now: number): void {
    if (this.counters.size < this.sweepAbove) return
    // a full sweep at most once a second: a flood of new keys must not make every request scan the map
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + SWEEP_INTERVAL_MILLIS
      for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key)
    }
    // Map order is insertion order: the first keys are the oldest windows
    for (const key of this.counters.keys()) {
      if (this.counters.size < this.maxKeys) break
      this.counters.delete(key)
    }
  }
}

/**
 * The counters behind the in-memory store, for a path that answers without Effect (`FastPath`'s lookups)
 * and must count against the same budget; undefined when the counters are elsewhere (Redis).
 */
export const CurrentCounters = Context.Reference<BoundedCounters | undefined>(
  "distribution-list-api/adapters/http/auth/BoundedMemoryStore/CurrentCounters",
  { defaultValue: () => undefined }
)

/**
 * Effect's in-memory store with bounded fixed-window counters, fresh ones each time the layer is built
 * (token buckets and the adaptive limiter stay Effect's; the API uses neither), and those counters.
 */
export const layer = (options: { readonly sweepAbove?: number; readonly maxKeys?: number } = {}) =>
  Layer.unwrap(Effect.sync(() => {
    const counters = new BoundedCounters(options.sweepAbove, options.maxKeys)
    const store = Layer.effect(
      RateLimiter.RateLimiterStore,
      Effect.map(Effect.service(RateLimiter.RateLimiterStore), (effects) =>
        RateLimiter.RateLimiterStore.of({
          ...effects,
          fixedWindow: (request) =>
            Effect.clockWith((clock) =>
              Effect.sync(() =>
                counters.consume(request.key, request.tokens, Duration.toMillis(request.refillRate), request.limit, clock.currentTimeMillisUnsafe())
              )
            )
        }))
    ).pipe(Layer.provide(RateLimiter.layerStoreMemory))
    return Layer.merge(store, Layer.succeed(CurrentCounters, counters))
  }))
