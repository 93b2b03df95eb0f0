import { Context, Effect, Layer } from "effect"
import { UserDirectory } from "../../application/ports/UserDirectory.ts"

export interface ReadinessShape {
  /** Whether the service can take traffic now (for example: upstream reachable, tokens obtainable). */
  readonly check: Effect.Effect<boolean>
}

/** What `/readyz` asks; ready unless the composition root provides a real check. */
export const Readiness = Context.Reference<ReadinessShape>("distribution-list-api/adapters/http/Readiness", {
  defaultValue: () => ({ check: Effect.succeed(true) })
})

export const layer = (check: Effect.Effect<boolean>): Layer.Layer<never> => Layer.succeed(Readiness, { check })

/**
 * Ready while our credentials get an answer from the directory: a wrong secret or a missing role makes
 * `/readyz` say so instead of every request failing. A transient upstream failure keeps the instance
 * ready (requests retry it; draining every instance at once would only make it worse). One probe per
 * 15 s at most.
 */
export const layerFromDirectory: Layer.Layer<never, never, UserDirectory> = Layer.unwrap(Effect.gen(function*() {
  const directory = yield* UserDirectory
  const probe = directory.usersByIds(["00000000-0000-0000-0000-000000000000"]).pipe(
    Effect.as(true),
    Effect.catch((error) =>
      error.reason._tag === "Transient"
        ? Effect.succeed(true)
        : Effect.logWarning(`Not ready: ${error.message}`).pipe(Effect.as(false))
    )
  )
  return layer(yield* Effect.cachedWithTTL(probe, "15 seconds"))
}))
