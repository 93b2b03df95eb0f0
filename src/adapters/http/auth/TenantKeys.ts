import { Clock, Context, Duration, Effect, Layer, Option, Ref, Schema, Semaphore } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Jose from "jose"

/** The tenant's OpenID metadata and signing keys, as fetched at `fetchedAt` (epoch millis). */
export interface KeySet {
  /** The v2 issuer from the OpenID configuration, `{authority}/{tid}/v2.0`. */
  readonly issuer: string
  /** The tenant id (GUID) from that issuer: what `tid` and the v1 issuer must name. */
  readonly tenantId: string
  readonly getKey: Jose.JWTVerifyGetKey
  readonly fetchedAt: number
}

export class KeysUnavailable extends Schema.TaggedError<KeysUnavailable>()("KeysUnavailable", {
  detail: Schema.String
}) {}

export interface TenantKeysOptions {
  /** For example `https://login.microsoftonline.com`, or the sandbox's base URL. */
  readonly authorityHost: string
  /** Tenant id or domain, as in `TENANT_ID`. */
  readonly tenant: string
  /** Least time between two refreshes caused by unknown key ids. */
  readonly refreshCooldown?: Duration.Input | undefined
  /** Key sets older than this are fetched again (Microsoft advises checking daily). */
  readonly maxAge?: Duration.Input | undefined
  readonly timeout?: Duration.Input | undefined
}

/** Finds and caches the signing keys of one Entra ID tenant through its OpenID configuration. */
export class TenantKeys extends Context.Service<TenantKeys, {
  /** The cached key set, loaded on first use and when older than `maxAge`. */
  readonly current: Effect.Effect<KeySet, KeysUnavailable>
  /** A newer key set after a token named an unknown key id; at most one fetch per cooldown. */
  readonly refreshAfter: (seen: KeySet) => Effect.Effect<KeySet, KeysUnavailable>
}>()("distribution-list-api/adapters/http/auth/TenantKeys") {}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

/** HTTPS only, except plain HTTP to this machine (the sandbox tenant). */
export const isTrustedUrl = (value: string): boolean => {
  const url = URL.parse(value)
  if (url === null || url.username !== "" || url.password !== "") return false
  return url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname))
}

const OpenIdConfiguration = Schema.Struct({ issuer: Schema.String, jwks_uri: Schema.String })
const Jwks = Schema.Struct({ keys: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)) })
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const tenantOf = (issuer: string): string | undefined => {
  const segment = URL.parse(issuer)?.pathname.split("/")[1]
  return segment !== undefined && GUID.test(segment) ? segment.toLowerCase() : undefined
}

export const make = Effect.fnUntraced(function*(options: TenantKeysOptions) {
  const authority = options.authorityHost.replace(/\/+$/, "")
  if (!isTrustedUrl(authority)) {
    return yield* Effect.die(new Error("AUTHORITY_HOST must be an https URL (or http on 127.0.0.1/localhost)"))
  }
  const cooldown = Duration.toMillis(Duration.fromInputUnsafe(options.refreshCooldown ?? "1 minute"))
  const maxAge = Duration.toMillis(Duration.fromInputUnsafe(options.maxAge ?? "24 hours"))
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "10 seconds")
  const failureBackoff = 5_000
  const discoveryUrl = `${authority}/${encodeURIComponent(options.tenant)}/v2.0/.well-known/openid-configuration`
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
  const unavailable = (detail: string) => new KeysUnavailable({ detail })

  const getJson = <S extends Schema.Constraint>(url: string, schema: S) =>
    client.get(url).pipe(
      Effect.flatMap(HttpClientResponse.schemaBodyJson(schema)),
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(unavailable(`timed out fetching ${url}`)) }),
      Effect.mapError((error) => error instanceof KeysUnavailable ? error : unavailable(`could not fetch ${url}`))
    )

  const fetchKeySet = Effect.gen(function*() {
    const metadata = yield* getJson(discoveryUrl, OpenIdConfiguration)
    const tenantId = tenantOf(metadata.issuer)
    if (tenantId === undefined || (GUID.test(options.tenant) && tenantId !== options.tenant.toLowerCase())) {
      return yield* unavailable(`the OpenID configuration names an unexpected issuer: ${metadata.issuer}`)
    }
    if (!isTrustedUrl(metadata.jwks_uri)) return yield* unavailable("the jwks_uri is not an https URL")
    const jwks = yield* getJson(metadata.jwks_uri, Jwks)
    const getKey = yield* Effect.try({
      try: () => Jose.createLocalJWKSet(jwks as Jose.JSONWebKeySet),
      catch: () => unavailable("the tenant's JWKS is malformed")
    })
    const fetchedAt = yield* Clock.currentTimeMillis
    yield* Effect.logInfo("Fetched the tenant's signing keys").pipe(
      Effect.annotateLogs({ issuer: metadata.issuer, keys: jwks.keys.length })
    )
    return { issuer: metadata.issuer, tenantId, getKey, fetchedAt } satisfies KeySet
  })

  const cache = yield* Ref.make(Option.none<KeySet>())
  const lastAttempt = yield* Ref.make(Number.NEGATIVE_INFINITY)
  const lastForced = yield* Ref.make(Number.NEGATIVE_INFINITY)
  const lock = yield* Semaphore.make(1)

  // Keeps serving the previous key set when a refresh fails; fails only when there is none.
  const fetchOr = (previous: Option.Option<KeySet>) =>
    Effect.gen(function*() {
      yield* Ref.set(lastAttempt, yield* Clock.currentTimeMillis)
      const fetched = yield* Effect.result(fetchKeySet)
      if (fetched._tag === "Success") {
        yield* Ref.set(cache, Option.some(fetched.success))
        return fetched.success
      }
      yield* Effect.logWarning("Could not refresh the tenant's signing keys").pipe(
        Effect.annotateLogs({ reason: fetched.failure.detail })
      )
      return yield* Option.match(previous, { onNone: () => Effect.fail(fetched.failure), onSome: Effect.succeed })
    })

  const current = lock.withPermits(1)(Effect.gen(function*() {
    const cached = yield* Ref.get(cache)
    const now = yield* Clock.currentTimeMillis
    if (Option.isSome(cached) && now - cached.value.fetchedAt < maxAge) return cached.value
    const sinceAttempt = now - (yield* Ref.get(lastAttempt))
    if (Option.isSome(cached) && sinceAttempt < cooldown) return cached.value
    // Right after a failed first load, fail fast instead of queueing every request behind a fetch.
    if (Option.isNone(cached) && sinceAttempt < failureBackoff) {
      return yield* unavailable("the tenant's signing keys could not be fetched recently")
    }
    return yield* fetchOr(cached)
  }))

  const refreshAfter = (seen: KeySet) =>
    lock.withPermits(1)(Effect.gen(function*() {
      const cached = yield* Ref.get(cache)
      if (Option.isSome(cached) && cached.value.fetchedAt > seen.fetchedAt) return cached.value
      const now = yield* Clock.currentTimeMillis
      if (now - (yield* Ref.get(lastForced)) < cooldown) return Option.getOrElse(cached, () => seen)
      yield* Ref.set(lastForced, now)
      return yield* fetchOr(cached)
    }))

  return TenantKeys.of({ current, refreshAfter })
})

export const layer = (options: TenantKeysOptions): Layer.Layer<TenantKeys, never, HttpClient.HttpClient> =>
  Layer.effect(TenantKeys, make(options))
