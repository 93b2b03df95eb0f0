import { Clock, Context, Effect, Fiber, Layer, Ref } from "effect"
import { GroupStore } from "../../application/ports/GroupStore.ts"
import { ACQUIRE_TOKEN, type UpstreamError } from "../../application/ports/UpstreamError.ts"
import { UserDirectory } from "../../application/ports/UserDirectory.ts"
import { Settings } from "../../application/Settings.ts"
import { chooseAnchor } from "../../domain/AnchorMailbox.ts"

export interface ReadinessShape {
  /** Whether the service can take traffic now (for example: upstream reachable, tokens obtainable). */
  readonly check: Effect.Effect<boolean>
}

/** What `/readyz` asks; ready unless the composition root provides a real check. */
export const Readiness = Context.Reference<ReadinessShape>("distribution-list-api/adapters/http/Readiness", {
  defaultValue: () => ({ check: Effect.succeed(true) })
})

export const layer = (check: Effect.Effect<boolean>): Layer.Layer<never> => Layer.succeed(Readiness, { check })

/** A list identity no one uses: Exchange answers "not found" to it, which proves it accepted our call. */
export const PROBE_DL_ID = "dl-api-readiness-probe"

const PROBE_TIMEOUT = "10 seconds"
const FRESH_FOR_MILLIS = 15_000

/**
 * Ready unless the directory (Graph) or Exchange refuses our credentials: a wrong secret, a missing
 * permission, a missing Exchange role or a credential that cannot be used at all (a managed identity on a
 * host without one) makes `/readyz` say so, with a warning line, instead of every request failing. Any
 * other failure keeps the instance ready (requests retry transient ones; draining every instance at once
 * would only make it worse), and so does a surface slower than 10 s.
 *
 * The probe is one call per surface, without retries, and never runs on a request's fiber: `/readyz`
 * answers the last verdict at once and, when that is older than 15 s, starts the next probe in the
 * background (a probe request that gives up cannot lose it). The first probe starts with the service, so
 * a misconfiguration is in the log at once; only the first `/readyz` waits for it (at most 10 s).
 */
export const layerFromUpstreams: Layer.Layer<never, never, UserDirectory | GroupStore | Settings> = Layer.unwrap(
  Effect.gen(function*() {
    const directory = yield* UserDirectory
    const store = yield* GroupStore
    const settings = yield* Settings
    const anchor = chooseAnchor({
      adminAnchor: settings.adminAnchorMailbox,
      owners: [],
      customDomain: settings.customDomain
    })
    const verdict = (surface: string) => (error: UpstreamError): Effect.Effect<boolean> => {
      switch (error.reason._tag) {
        case "Forbidden":
          return Effect.as(Effect.logWarning(`Not ready (${surface}): ${error.message}`), false)
        case "Failed":
          // a token we cannot get at all is our configuration; another unexpected answer is not ours to judge
          return error.operation === ACQUIRE_TOKEN
            ? Effect.as(Effect.logWarning(`Not ready (${surface}): ${error.message}`), false)
            : Effect.as(Effect.logWarning(`Readiness probe (${surface}), still ready: ${error.message}`), true)
        case "Transient":
          return Effect.as(Effect.logDebug(`Readiness probe (${surface}), still ready: ${error.message}`), true)
      }
    }
    const bounded = (probe: Effect.Effect<boolean>) =>
      Effect.timeoutOrElse(probe, { duration: PROBE_TIMEOUT, orElse: () => Effect.succeed(true) })
    const graph = bounded(
      directory.usersByIds(["00000000-0000-0000-0000-000000000000"]).pipe(Effect.as(true), Effect.catch(verdict("Graph")))
    )
    // any answer about the list (not found, found, ambiguous) means Exchange took our token and role
    const exchange = bounded(
      store.get({ identity: PROBE_DL_ID, anchor }).pipe(
        Effect.as(true),
        Effect.catch((error) => error._tag === "UpstreamError" ? verdict("Exchange")(error) : Effect.succeed(true))
      )
    )
    const last = yield* Ref.make({ ready: true, checkedAt: Number.NEGATIVE_INFINITY })
    const refresh = Effect.all([graph, exchange], { concurrency: 2 }).pipe(
      Effect.flatMap(([a, b]) => Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.set(last, { ready: a && b, checkedAt: now })))
    )
    const scope = yield* Effect.scope
    const startup = yield* Effect.forkIn(refresh, scope)
    let running: Fiber.Fiber<void> = startup
    const check = Effect.gen(function*() {
      if (startup.pollUnsafe() === undefined) yield* Effect.ignore(Effect.timeout(Fiber.join(startup), PROBE_TIMEOUT))
      const current = yield* Ref.get(last)
      const now = yield* Clock.currentTimeMillis
      if (now - current.checkedAt >= FRESH_FOR_MILLIS && running.pollUnsafe() !== undefined) {
        running = yield* Effect.forkIn(refresh, scope)
      }
      return current.ready
    })
    return layer(check)
  })
)
