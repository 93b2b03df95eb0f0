import { Clock, Config, Context, Effect, Layer, Random, Ref, Schema } from "effect"

export type Surface = "identity" | "graph" | "exchange"

/** The knobs that make the sandbox behave like a real, imperfect tenant. */
export interface Knobs {
  /** `SANDBOX_LATENCY_MS`: added to every upstream call. */
  readonly latencyMillis: number
  /** `SANDBOX_FAULT_RATE`: share (0..1) of calls failing transiently, half as 503, half as 429. */
  readonly faultRate: number
  /** `SANDBOX_REPLICATION_DELAY_MS`: how long a new group stays invisible to reads. */
  readonly replicationDelayMillis: number
  /** `SANDBOX_THROTTLE_RPS`: per-app, per-surface requests per second before 429; 0 = off. */
  readonly throttleRps: number
}

export const defaultKnobs: Knobs = { latencyMillis: 0, faultRate: 0, replicationDelayMillis: 0, throttleRps: 0 }

/** Seconds a client is told to wait after an injected 429 (Retry-After is in seconds; spec: exchange-admin-rest.md §5.2). */
export const FAULT_RETRY_AFTER_SECONDS = 1

/** An injected transient failure; each face renders it in its own wire shape. */
export class SandboxFault extends Schema.TaggedError<SandboxFault>()("SandboxFault", {
  status: Schema.Literals([429, 503]),
  reason: Schema.Literals(["Injected", "Throttled"]),
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {}

export class Behaviour extends Context.Service<Behaviour, {
  readonly knobs: Effect.Effect<Knobs>
  /** Changes some knobs at run time (the `/_sandbox` control face, tests). */
  readonly set: (patch: Partial<Knobs>) => Effect.Effect<Knobs>
  /**
   * Called by every face once per upstream request: sleeps the latency (TestClock-friendly),
   * then applies the throttle, then the fault rate (randomness from `Random`, seedable).
   */
  readonly admit: (surface: Surface, appId: string) => Effect.Effect<void, SandboxFault>
}>()("distribution-list-api/sandbox/tenant/Behaviour") {
  static readonly make = (initial: Partial<Knobs> = {}) =>
    Effect.gen(function*() {
      const knobs = yield* Ref.make<Knobs>(validate({ ...defaultKnobs, ...initial }))
      const windows = new Map<string, { start: number; count: number }>()

      const throttle = (surface: Surface, appId: string, rps: number, now: number) => {
        const key = `${surface}\u0000${appId}`
        const second = Math.floor(now / 1000) * 1000
        const window = windows.get(key)
        if (window === undefined || window.start !== second) {
          windows.set(key, { start: second, count: 1 })
          return undefined
        }
        window.count++
        return window.count > rps ? Math.max(1, Math.ceil((second + 1000 - now) / 1000)) : undefined
      }

      const admit = Effect.fn("Behaviour.admit")(function*(surface: Surface, appId: string) {
        const current = yield* Ref.get(knobs)
        if (current.latencyMillis > 0) yield* Effect.sleep(current.latencyMillis)
        if (current.throttleRps > 0) {
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

      return Behaviour.of({
        knobs: Ref.get(knobs),
        set: (patch) => Ref.updateAndGet(knobs, (current) => validate({ ...current, ...patch })),
        admit
      })
    })

  /** From `SANDBOX_LATENCY_MS`, `SANDBOX_FAULT_RATE`, `SANDBOX_REPLICATION_DELAY_MS`, `SANDBOX_THROTTLE_RPS` (all default 0 = off). */
  static readonly layer = Layer.effect(
    Behaviour,
    Effect.gen(function*() {
      const knobs = yield* Config.all({
        latencyMillis: nonNegative("SANDBOX_LATENCY_MS"),
        faultRate: Config.schema(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })), "SANDBOX_FAULT_RATE")
          .pipe(Config.withDefault(0)),
        replicationDelayMillis: nonNegative("SANDBOX_REPLICATION_DELAY_MS"),
        throttleRps: nonNegative("SANDBOX_THROTTLE_RPS")
      })
      return yield* Behaviour.make(knobs)
    })
  )

  /** Zero latency, no faults, no replication delay, no throttle (or the given knobs). */
  static readonly layerTest = (knobs: Partial<Knobs> = {}) => Layer.effect(Behaviour, Behaviour.make(knobs))
}

const nonNegative = (name: string) =>
  Config.schema(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), name).pipe(Config.withDefault(0))

const validate = (knobs: Knobs): Knobs => ({
  latencyMillis: Math.max(0, knobs.latencyMillis),
  faultRate: Math.min(1, Math.max(0, knobs.faultRate)),
  replicationDelayMillis: Math.max(0, knobs.replicationDelayMillis),
  throttleRps: Math.max(0, knobs.throttleRps)
})
