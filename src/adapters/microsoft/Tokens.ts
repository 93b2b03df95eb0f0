import { Cache, Clock, Config, Context, Duration, Effect, Exit, Fiber, Layer, type Redacted } from "effect"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
import { Cloud, type MicrosoftConfigError } from "./Cloud.ts"
import * as Credentials from "./Credentials.ts"
import * as Msal from "./Msal.ts"

export type Resource = "graph" | "exchange"

/** App-only bearer tokens for Graph and Exchange, cached per resource. */
export class Tokens extends Context.Service<Tokens, {
  readonly get: (resource: Resource) => Effect.Effect<Redacted.Redacted<string>, UpstreamError>
  /** Forgets the cached token, e.g. after the resource answered 401 to it. */
  readonly invalidate: (resource: Resource) => Effect.Effect<void>
}>()("distribution-list-api/adapters/microsoft/Tokens") {}

/** The seed refreshes tokens 5 minutes before they expire. */
export const REFRESH_MARGIN = Duration.minutes(5)
// A held token is not handed out with less than this left to live: a request using it must not meet its expiry.
const STALE_GRACE_MILLIS = 30_000
// After a failed refresh, the still-valid token is served and the next refresh tried this much later.
const RETRY_REFRESH_MILLIS = 15_000

interface Cached {
  readonly token: Msal.AccessToken
  /** When to start replacing it (in the background: requests keep getting this one meanwhile). */
  readonly refreshAtMillis: number
  /** How long the cache may hand it out, from the lookup's end. */
  readonly ttlMillis: number
}

/** When to replace a token: 5 minutes early, earlier if asked (`refresh_in`), halfway for short-lived ones. */
export const refreshAt = (token: Msal.AccessToken, nowMillis: number): number => {
  const lifetime = token.expiresOnMillis - nowMillis
  const margin = Duration.toMillis(REFRESH_MARGIN)
  const early = lifetime > 2 * margin ? token.expiresOnMillis - margin : nowMillis + lifetime / 2
  return Math.min(early, token.refreshOnMillis ?? Infinity)
}

// The cache hands a token out until STALE_GRACE_MILLIS before it expires; past its refresh time it is
// renewed in the background meanwhile.
const cached = (token: Msal.AccessToken, refreshAtMillis: number, nowMillis: number): Cached => ({
  token,
  refreshAtMillis,
  ttlMillis: Math.max(0, token.expiresOnMillis - STALE_GRACE_MILLIS - nowMillis)
})

/**
 * Single flight: the cache runs one lookup per resource and every concurrent caller awaits it. A token
 * due for renewal is renewed in the background while requests keep using it (still valid for minutes),
 * so no request waits for the identity platform while a usable token is held. Failures are not cached;
 * a renewal that fails leaves the old token in use and is tried again 15 s later, until the token is
 * within 30 s of expiry: then requests wait for a new one (and get the error if there is none).
 */
export const makeWith = Effect.fnUntraced(function*(source: Msal.TokenSource, scopes: Record<Resource, string>) {
  // a renewal runs with the layer's services, not with those of the request that happened to start it
  const layerContext = yield* Effect.context<never>()
  const lastGood = new Map<Resource, Msal.AccessToken>()
  // bumped by invalidate: a renewal started before it must not put back the token the resource refused
  const generation = new Map<Resource, number>()
  const remember = (resource: Resource, token: Msal.AccessToken) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      lastGood.set(resource, token)
      return cached(token, refreshAt(token, now), now)
    })
  const cache = yield* Cache.makeWith(
    (resource: Resource) => Effect.flatMap(source.acquire(scopes[resource]), (token) => remember(resource, token)),
    { capacity: 8, timeToLive: (exit) => (Exit.isSuccess(exit) ? Duration.millis(exit.value.ttlMillis) : Duration.zero) }
  )

  const renew = (resource: Resource): Effect.Effect<void> => {
    const started = generation.get(resource) ?? 0
    const held = lastGood.get(resource)
    const stillCurrent = () => (generation.get(resource) ?? 0) === started
    return source.acquire(scopes[resource]).pipe(
      Effect.flatMap((token) =>
        stillCurrent() ? Effect.flatMap(remember(resource, token), (entry) => Cache.set(cache, resource, entry)) : Effect.void
      ),
      Effect.catch((error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const previous = lastGood.get(resource)
          // a request that found no usable token may have fetched a new one meanwhile: that one stays as it is
          if (previous !== held) return Effect.logDebug(`Could not renew the ${resource} access token, since replaced: ${error.message}`)
          const usable = stillCurrent() && previous !== undefined && previous.expiresOnMillis - now > STALE_GRACE_MILLIS
          // said now, while requests still work: a refused renewal (an expired secret) fails them within minutes
          const line = `Could not renew the ${resource} access token (${
            usable
              ? `the current one expires in ${Math.round((previous.expiresOnMillis - now) / 1000)} s; next try in 15 s`
              : "requests will wait for a new one"
          }): ${error.message}`
          const log = error.reason._tag === "Transient" ? Effect.logDebug(line) : Effect.logWarning(line)
          return usable ? Effect.andThen(log, Cache.set(cache, resource, cached(previous, now + RETRY_REFRESH_MILLIS, now))) : log
        })
      )
    )
  }

  const renewing = new Set<Resource>()
  const running = new Set<Fiber.Fiber<void>>()
  const renewInBackground = (resource: Resource) =>
    Effect.uninterruptible(Effect.suspend(() => {
      if (renewing.has(resource)) return Effect.void
      renewing.add(resource)
      // a fiber of its own (not the request's child): none of the request's annotations or interruption
      return Effect.sync(() => {
        const fiber = Effect.runForkWith(layerContext)(
          renew(resource).pipe(Effect.ensuring(Effect.sync(() => renewing.delete(resource))))
        )
        running.add(fiber)
        fiber.addObserver(() => running.delete(fiber))
      })
    }))
  // msal cannot cancel a call it has started: give a renewal under way up to a second to finish
  yield* Effect.addFinalizer(() =>
    Effect.raceFirst(Effect.forEach([...running], Fiber.await, { discard: true }), realTimeSleep(1_000)).pipe(
      Effect.andThen(Effect.forEach([...running], Fiber.interrupt, { discard: true }))
    )
  )

  return Tokens.of({
    get: (resource) =>
      Effect.flatMap(Cache.get(cache, resource), (held) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now >= held.refreshAtMillis
            ? Effect.as(renewInBackground(resource), held.token.token)
            : Effect.succeed(held.token.token))),
    invalidate: (resource) =>
      Effect.suspend(() => {
        generation.set(resource, (generation.get(resource) ?? 0) + 1)
        lastGood.delete(resource)
        return Cache.invalidate(cache, resource)
      })
  })
})

/**
 * Fetches both tokens into the cache. Started in the background when the layer is built, so the first
 * request does not wait one identity round trip per resource on top of its own work (issue 5 measures a
 * 1,000-member create from a fresh start). Failures are only logged, at debug level: requests retry on
 * their own, and the readiness probe (`adapters/http/Readiness.ts`) reports refused credentials.
 */
export const warm = (tokens: Tokens["Service"]): Effect.Effect<void> =>
  Effect.forEach(
    ["graph", "exchange"] as const,
    // each on its own: one failing must not interrupt the other's call, which msal would finish anyway
    (resource) =>
      tokens.get(resource).pipe(
        Effect.catch((error) => Effect.logDebug(`Could not get the ${resource} access token at startup: ${error.message}`))
      ),
    { concurrency: "unbounded", discard: true }
  )

// Wall-clock time, not the fiber's Clock: a TestClock must not be able to hold a layer's teardown.
const realTimeSleep = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/** Tokens from msal-node, with the credential read from the environment (fails at build if incomplete). */
export const layer: Layer.Layer<Tokens, MicrosoftConfigError | Config.ConfigError, Cloud> = Layer.effect(
  Tokens,
  Effect.gen(function*() {
    const cloud = yield* Cloud
    const raw = yield* Credentials.rawConfig
    const credential = yield* Credentials.credentialFrom(raw, cloud.clientId)
    const tokens = yield* makeWith(Msal.make(cloud, credential), { graph: cloud.graphScope, exchange: cloud.exchangeScope })
    const warming = yield* Effect.forkDetach(warm(tokens))
    // msal cannot cancel a call it has started: at shutdown, give the warm-up up to a second to finish
    // instead of abandoning its request mid-flight (a server closing under it would wait for that socket);
    // then it stops, so that nothing of the layer outlives it
    yield* Effect.addFinalizer(() =>
      Effect.raceFirst(Fiber.await(warming), realTimeSleep(1_000)).pipe(Effect.andThen(Fiber.interrupt(warming)))
    )
    return tokens
  })
)
