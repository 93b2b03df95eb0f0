import { Clock, Effect, Layer } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Jose from "jose"

export const tenantId = "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c"
export const authorityHost = "https://login.example.test"
export const audience = "api://distribution-list-api"
export const v2Issuer = `${authorityHost}/${tenantId}/v2.0`
export const v1Issuer = `https://sts.windows.net/${tenantId}/`

export interface SigningKey {
  readonly kid: string
  readonly privateKey: Jose.CryptoKey
  readonly jwk: Jose.JWK
}

export const makeKey = (kid: string): Effect.Effect<SigningKey> =>
  Effect.promise(async () => {
    const { privateKey, publicKey } = await Jose.generateKeyPair("RS256", { extractable: true })
    const jwk = await Jose.exportJWK(publicKey)
    return { kid, privateKey, jwk: { ...jwk, kid, kty: "RSA", use: "sig" } }
  })

/** Claims of a token; times are seconds relative to the current (test) clock. */
export interface TokenSpec {
  readonly key: SigningKey
  readonly claims?: Record<string, unknown>
  readonly iss?: string
  readonly aud?: string
  readonly tid?: string
  readonly ver?: "1.0" | "2.0"
  readonly expiresIn?: number
  readonly notBefore?: number
  readonly alg?: string
  readonly kid?: string
}

export const sign = (spec: TokenSpec): Effect.Effect<string> =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) =>
    Effect.promise(() => {
      const now = Math.floor(millis / 1000)
      const ver = spec.ver ?? "1.0"
      return new Jose.SignJWT({ tid: spec.tid ?? tenantId, ver, ...spec.claims })
        .setProtectedHeader({ alg: spec.alg ?? "RS256", typ: "JWT", kid: spec.kid ?? spec.key.kid })
        .setIssuer(spec.iss ?? (ver === "2.0" ? v2Issuer : v1Issuer))
        .setAudience(spec.aud ?? audience)
        .setIssuedAt(now)
        .setNotBefore(now + (spec.notBefore ?? 0))
        .setExpirationTime(now + (spec.expiresIn ?? 3600))
        .sign(spec.key.privateKey)
    }))

export const appToken = (key: SigningKey, roles: ReadonlyArray<string>, extra: Partial<TokenSpec> = {}) =>
  sign({ key, claims: { appid: "11111111-2222-3333-4444-555555555555", roles, oid: "sp-oid" }, ...extra })

/** The directory object id of the fake tenant's user `local@…`. */
export const objectIdOf = (address: string) => `id-${address.split("@")[0]!.toLowerCase()}`

/** A delegated token of the user with this UPN; its `oid` is `objectIdOf(upn)`. */
export const userToken = (key: SigningKey, upn: string, extra: Partial<TokenSpec> = {}) =>
  sign({ key, claims: { scp: "DL.ReadWrite", upn, oid: objectIdOf(upn) }, ...extra })

/**
 * Serves the tenant's OpenID configuration and JWKS through a fake `HttpClient`; `keys` is read on
 * every JWKS request so tests can rotate keys, and `requests` counts the JWKS fetches.
 */
export const makeDirectory = (initial: ReadonlyArray<SigningKey>) => {
  const state = { keys: [...initial], jwksRequests: 0, discoveryRequests: 0, down: false }
  const client = HttpClient.make((request) => {
    const json = (body: unknown, status = 200) =>
      Effect.succeed(HttpClientResponse.fromWeb(request, Response.json(body, { status })))
    if (state.down) return json({ error: "temporarily_unavailable" }, 503)
    if (request.url === `${authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`) {
      state.discoveryRequests++
      return json({ issuer: v2Issuer, jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys` })
    }
    if (request.url === `${authorityHost}/${tenantId}/discovery/v2.0/keys`) {
      state.jwksRequests++
      return json({ keys: state.keys.map((key) => key.jwk) })
    }
    return json({ error: "not_found" }, 404)
  })
  return { state, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
