import { Context, Effect, Layer } from "effect"
import { DistributionLists } from "../../application/DistributionLists.ts"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
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

/** A dlId no one names a list: Exchange answers "not found" to it, which proves it accepted our call. */
export const PROBE_DL_ID = "dl-api-readiness-probe"

/**
 * Ready unless the directory (Graph) or Exchange refuses our credentials: a wrong secret, a missing
 * permission or a missing Exchange role makes `/readyz` say so, with a warning line, instead of every
 * request failing. Any other failure keeps the instance ready (requests retry transient ones; draining
 * every instance at once would only make it worse), and so does an Exchange read slower than 10 s. One probe
 * per 15 s at most; the first runs in the background as the service starts, so a misconfiguration shows in
 * the log at once, and the first request finds the code paths and connections of both surfaces in use.
 */
export const layerFromUpstreams: Layer.Layer<never, never, UserDirectory | DistributionLists> = Layer.unwrap(
  Effect.gen(function*() {
    const directory = yield* UserDirectory
    const lists = yield* DistributionLists
    // Only refused credentials or roles make the instance not ready: any other failure (transient, or one
    // we cannot read) would take every instance out of service at once without helping anyone.
    const verdict = (surface: string) => (error: UpstreamError) =>
      error.reason._tag === "Forbidden"
        ? Effect.logWarning(`Not ready (${surface}): ${error.message}`).pipe(Effect.as(false))
        : Effect.logDebug(`Readiness probe (${surface}): ${error.message}`).pipe(Effect.as(true))
    const graph = directory.usersByIds(["00000000-0000-0000-0000-000000000000"]).pipe(
      Effect.as(true),
      Effect.catch(verdict("Graph"))
    )
    // any answer about the list (found, not found, ambiguous) means Exchange took our token and role
    const exchange = lists.owners(PROBE_DL_ID, {}).pipe(
      Effect.as(true),
      Effect.catch((error) => error._tag === "UpstreamError" ? verdict("Exchange")(error) : Effect.succeed(true)),
      Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.succeed(true) })
    )
    const probe = Effect.map(Effect.all([graph, exchange], { concurrency: 2 }), ([a, b]) => a && b)
    const check = yield* Effect.cachedWithTTL(probe, "15 seconds")
    yield* Effect.forkScoped(check)
    return layer(check)
  })
)
