import { Context, Effect, Layer } from "effect"

export interface ReadinessShape {
  /** Whether the service can take traffic now (for example: upstream reachable, tokens obtainable). */
  readonly check: Effect.Effect<boolean>
}

/** What `/readyz` asks; ready unless the composition root provides a real check. */
export const Readiness = Context.Reference<ReadinessShape>("distribution-list-api/adapters/http/Readiness", {
  defaultValue: () => ({ check: Effect.succeed(true) })
})

export const layer = (check: Effect.Effect<boolean>): Layer.Layer<never> => Layer.succeed(Readiness, { check })
