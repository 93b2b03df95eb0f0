import { Clock, Config, Context, Effect, Layer, Random, Ref, Schema } from "effect"
import { type Bucket, take } from "./TokenBucket.ts"

export type Surface = "identity" | "graph" | "exchange"

/** The knobs that make the sandbox behave like a real, imperfect tenant. */
export interface Knobs {
  /** `SANDBOX_LATENCY_MS`: added to every upstream call. */
  readonly latencyMillis: number
  /** `SANDBOX_FAULT_RATE`: share (0..1) of calls failing transiently, half as 503, half as 429. */
  readonly faultRate: number
  /** `SANDBOX_REPLICATION_DELAY_MS`: how long a new group stays invisible to reads. */
  readonly replicationDelayMillis: number
  /**
   * `SANDBOX_THROTTLE_RPS`: per-app, per-surface requests per second before 429; 0 = off. Not applied to
   * Graph while `graphResourceUnitsPer10s` is on.
   */
  readonly throttleRps: number
  /**
   * `SANDBOX_GRAPH_RU_PER_10S`: Graph's identity-and-access limit (spec graph-and-identity.md §5), a token
   * bucket per app of this many resource units, refilled continuously over 10 s, each request charged its
   * cost; plus the global 2,000 requests per second per app. 0 = off (Graph then follows `throttleRps`).
   */
  readonly graphResourceUnitsPer10s: number
  /**
   * `SANDBOX_LOST_REPLY_RATE`: share (0..1) of Exchange writes (any cmdlet but `Get-*`, or a `$batch`)
   * answered 503 after they were applied, as when a reply is lost on the way back.
   */
  readonly lostReplyRate: number
}

export const defaultKnobs: Knobs = {
  latencyMillis: 0,
  faultRate: 0,
  replicationDelayMillis: 0,
  throttleRps: 0,
  graphResourceUnitsPer10s: 0,
  lostReplyRate: 0
}

/** spec §5: the resource-unit quota is "per **10 s**". */
export const GRAPH_RU_WINDOW_MILLIS = 10_000

/** spec §5 "Global limit": 2,000 requests per second per app (the sandbox has one tenant). */
export const GRAPH_GLOBAL_RPS = 2_000

/** Seconds a client is told to wait after an injected 429 (Retry-After is in seconds; spec: exchange-admin-rest.md §5.2). */
export const FAULT_RETRY_AFTER_SECONDS = 1

/** An injected transient failure; each face renders it in its own wire shape. */
export class SandboxFault extends Schema.TaggedError<SandboxFault>()("SandboxFault", {
  status: Schema.Literals([429, 503]),
  /** `GlobalLimit`: Graph's 2,000 requests per second per app; `Throttled`: every other throttle. */
  reason: Schema.Literals(["Injected", "Throttled", "GlobalLimit"]),
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {}

export class Behaviour extends Context.Service<Behaviour, {
  readonly knobs: Effect.Effect<Knobs>
  /** Changes some knobs at run time (the `/_sandbox` control face, tests). */
  readonly set: (patch: Partial<Knobs>) => Effect.Effect<Knobs>
  /**
   * Called by every face once per upstream request: sleeps the latency (TestClock-friendly),
   * then applies the throttle, then the fault rate (randomness from `Random`, seedable).
   * `resourceUnits` is the request's Graph cost (default 1), charged while `graphResourceUnitsPer10s` is on.
   */
  readonly admit: (surface: Surface, appId: string, resourceUnits?: number) => Effect.Effect<void, SandboxFault>
  /** After a write was applied: the 503 its caller gets instead of the answer (`lostReplyRate`), if any. */
  readonly loseReply: Effect.Effect<SandboxFault | undefined>
}>()("distribution-list-api/sandbox/tenant/Behaviour") {
  static readonly make = (initial: Partial<Knobs> = {}) =>
    Effect.gen(function*() {
      const knobs = yield* Ref.make<Knobs>(validate({ ...defaultKnobs, ...initial }))
      const windows = new Map<string, { start: number; count: number }>()
      const graphGlobalWindows = new Map<string, { start: number; count: number }>()
      const graphBuckets = new Map<string, Bucket>()

      const throttle = (surface: Surface, appId: string, rps: number, now: number) => countInSecond(windows, `${surface}\u0000${appId}`, rps, now)

      // spec §5: the global limit first (every request counts), then the app's resource-unit bucket. A
      // refused request takes no resource units (choice: a token bucket only spends what it admits).
      const graphLimits = (appId: string, resourceUnits: number, quota: number, now: number): SandboxFault | undefined => {
        const global = countInSecond(graphGlobalWindows, appId, GRAPH_GLOBAL_RPS, now)
        if (global !== undefined) return new SandboxFault({ status: 429, reason: "GlobalLimit", retryAfterSeconds: global })
        const taken = take(graphBuckets.get(appId), resourceUnits, { capacity: quota, windowMillis: GRAPH_RU_WINDOW_MILLIS }, now)
        graphBuckets.set(appId, taken.bucket)
        return taken._tag === "Refused"
          ? new SandboxFault({ status: 429, reason: "Throttled", retryAfterSeconds: taken.retryAfterSeconds })
          : undefined
      }

      const admit = Effect.fn("Behaviour.admit")(function*(surface: Surface, appId: string, resourceUnits = 1) {
        const current = yield* Ref.get(knobs)
        if (current.latencyMillis > 0) yield* Effect.sleep(current.latencyMillis)
        if (surface === "graph" && current.graphResourceUnitsPer10s > 0) {
          const refused = graphLimits(appId, resourceUnits, current.graphResourceUnitsPer10s, yield* Clock.currentTimeMillis)
          if (refused !== undefined) return yield* refused
        } else if (current.throttleRps > 0) {
          const now = yield* Clock.currentTimeMillis
          const wait = throttle(surface, appId, current.throttleRps, now)
          if (wait !== undefined) {
            return yield* new SandboxFault({ status: 429, reason: "Throttled", retryAfterSeconds: wait })
          }
        }
        if (current.faultRate > 0 && (yield* Random.next) < current.faultRate) {
          return yield* (yield* Random.nextBoolean)
            ? new SandboxFault({ status: 503, reason: "Injected" })
            : new SandboxFault({ status: 429, reason: "Injected", retryAfterSeconds: FAULT_RETRY_AFTER_SECONDS })
        }
      })

      const loseReply = Effect.gen(function*() {
        const { lostReplyRate } = yield* Ref.get(knobs)
        return lostReplyRate > 0 && (yield* Random.next) < lostReplyRate
          ? new SandboxFault({ status: 503, reason: "Injected" })
          : undefined
      })

      return Behaviour.of({
        knobs: Ref.get(knobs),
        set: (patch) => Ref.updateAndGet(knobs, (current) => validate({ ...current, ...patch })),
        admit,
        loseReply
      })
    })

  /**
   * From `SANDBOX_LATENCY_MS`, `SANDBOX_FAULT_RATE`, `SANDBOX_REPLICATION_DELAY_MS`, `SANDBOX_THROTTLE_RPS`,
   * `SANDBOX_GRAPH_RU_PER_10S`, `SANDBOX_LOST_REPLY_RATE` (all default 0 = off).
   */
  static readonly layer = Layer.effect(
    Behaviour,
    Effect.gen(function*() {
      const knobs = yield* Config.all({
        latencyMillis: nonNegative("SANDBOX_LATENCY_MS"),
        faultRate: Config.schema(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })), "SANDBOX_FAULT_RATE")
          .pipe(Config.withDefault(0)),
        replicationDelayMillis: nonNegative("SANDBOX_REPLICATION_DELAY_MS"),
        throttleRps: nonNegative("SANDBOX_THROTTLE_RPS"),
        graphResourceUnitsPer10s: Config.schema(NonNegativeInt, "SANDBOX_GRAPH_RU_PER_10S").pipe(Config.withDefault(0)),
        lostReplyRate: Config.schema(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })), "SANDBOX_LOST_REPLY_RATE")
          .pipe(Config.withDefault(0))
      })
      return yield* Behaviour.make(knobs)
    })
  )

  /** Zero latency, no faults, no replication delay, no throttle (or the given knobs). */
  static readonly layerTest = (knobs: Partial<Knobs> = {}) => Layer.effect(Behaviour, Behaviour.make(knobs))
}

/** Whole resource units: keeps the bucket's arithmetic exact (TokenBucket.ts). */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const nonNegative = (name: string) =>
  Config.schema(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), name).pipe(Config.withDefault(0))

const validate = (knobs: Knobs): Knobs => ({
  latencyMillis: Math.max(0, knobs.latencyMillis),
  faultRate: Math.min(1, Math.max(0, knobs.faultRate)),
  replicationDelayMillis: Math.max(0, knobs.replicationDelayMillis),
  throttleRps: Math.max(0, knobs.throttleRps),
  graphResourceUnitsPer10s: Math.max(0, Math.floor(knobs.graphResourceUnitsPer10s)),
  lostReplyRate: Math.min(1, Math.max(0, knobs.lostReplyRate))
})

/**
 * Fixed one-second windows: the request's count within the current wall-clock second, and if it is over
 * `rps`, the whole seconds (at least 1) until the next second starts.
 */
const countInSecond = (windows: Map<string, { start: number; count: number }>, key: string, rps: number, now: number) => {
  const second = Math.floor(now / 1000) * 1000
  const window = windows.get(key)
  if (window === undefined || window.start !== second) {
    windows.set(key, { start: second, count: 1 })
    return undefined
  }
  window.count++
  return window.count > rps ? Math.max(1, Math.ceil((second + 1000 - now) / 1000)) : undefined
}
