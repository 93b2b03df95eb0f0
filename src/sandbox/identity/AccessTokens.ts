import { Clock, Context, Effect, Layer, Schema } from "effect"
import * as Jose from "jose"
import { SandboxConfig } from "../Config.ts"
import { guidFromString } from "../tenant/Objects.ts"

/** What a sandbox access token says, normalised over v1 (`appid`) and v2 (`azp`) tokens. */
export interface Claims {
  readonly aud: string
  readonly iss: string
  readonly tid: string
  /** Client id of the calling app (`appid` in v1 tokens, `azp` in v2 tokens). */
  readonly appid: string
  readonly roles: ReadonlyArray<string>
  readonly scp?: string | undefined
  readonly upn?: string | undefined
  readonly oid?: string | undefined
  readonly ver: string
  readonly iat: number
  readonly nbf: number
  readonly exp: number
}

export interface TokenRequest {
  readonly aud: string
  readonly appid?: string | undefined
  readonly roles?: ReadonlyArray<string> | undefined
  readonly scp?: string | undefined
  readonly upn?: string | undefined
  readonly oid?: string | undefined
  /** Defaults to the v1 issuer `https://sts.windows.net/{tid}/` (ver 1.0); a `…/v2.0` issuer makes a v2 token. */
  readonly iss?: string | undefined
  readonly expiresInSeconds?: number | undefined
  /** Further claims, e.g. `app_displayname`, `appidacr`. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

export interface IssuedToken {
  readonly token: string
  readonly claims: Claims
}

export const TokenRejectedReason = Schema.Literals([
  "Missing",
  "Malformed",
  "BadSignature",
  "Expired",
  "NotYetValid",
  "WrongAudience",
  "WrongIssuer"
])
export type TokenRejectedReason = typeof TokenRejectedReason.Type

export class TokenRejected extends Schema.TaggedError<TokenRejected>()("TokenRejected", {
  reason: TokenRejectedReason
}) {
  override get message() {
    return `Access token rejected: ${this.reason}`
  }
}

/** The public half of the tenant signing key as a JWKS entry (Azure-style: `kty`, `use`, `kid`, `n`, `e`). */
export type SigningJwk = Jose.JWK & { readonly kid: string }

// Access tokens Microsoft issues live 60–90 minutes; the token endpoint reports 3599 s (spec §6.2).
const defaultLifetimeSeconds = 3599
// Microsoft.IdentityModel's TokenValidationParameters.DefaultClockSkew is 5 minutes; resource
// servers validating Entra tokens tolerate that skew on exp/nbf.
const clockToleranceSeconds = 300

/** Signs and checks the sandbox tenant's access tokens with one RSA key pair generated at start. */
export class AccessTokens extends Context.Service<AccessTokens, {
  readonly tenantId: string
  /** `https://sts.windows.net/{tid}/`: the issuer of v1 tokens (Graph and Exchange resources). */
  readonly v1Issuer: string
  readonly signingKey: SigningJwk
  readonly issue: (request: TokenRequest) => Effect.Effect<IssuedToken>
  /**
   * Checks an `Authorization` header value: `Bearer <jwt>` signed by this tenant, for one of the
   * given audiences, from this tenant's issuer, neither expired nor not yet valid.
   */
  readonly verify: (
    authorization: string | undefined,
    audience: string | ReadonlyArray<string>
  ) => Effect.Effect<Claims, TokenRejected>
}>()("distribution-list-api/sandbox/identity/AccessTokens") {
  static readonly layer = Layer.effect(
    AccessTokens,
    Effect.gen(function*() {
      const config = yield* SandboxConfig
      const { privateKey, publicKey } = yield* Effect.promise(() =>
        Jose.generateKeyPair("RS256", { modulusLength: 2048, extractable: true })
      )
      const jwk = yield* Effect.promise(() => Jose.exportJWK(publicKey))
      const kid = yield* Effect.promise(() => Jose.calculateJwkThumbprint(jwk))
      const signingKey: SigningJwk = { kty: "RSA", use: "sig", kid, n: jwk.n!, e: jwk.e! }
      return make({ tenantId: config.tenantId, privateKey, publicKey, signingKey })
    })
  )
}

interface KeyMaterial {
  readonly tenantId: string
  readonly privateKey: Jose.CryptoKey
  readonly publicKey: Jose.CryptoKey
  readonly signingKey: SigningJwk
}

/** A stable, opaque subject per user and audience, shaped like Entra's (base64url, no padding). */
const pairwiseSubject = (oid: string, audience: string): string =>
  btoa(guidFromString(`sub:${audience}:${oid.toLowerCase()}`).replaceAll("-", "")).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "")

const make = (keys: KeyMaterial): AccessTokens["Service"] => {
  const tid = keys.tenantId
  const v1Issuer = `https://sts.windows.net/${tid}/`
  // v2 issuers are `<authority host>/{tid}/v2.0`; the host is the sandbox's own base URL (or
  // login.microsoftonline.com), so any origin is accepted as long as the tenant path matches.
  const isOwnIssuer = (iss: string) =>
    iss === v1Issuer || (/^https?:\/\/[^/]+\/[^/]+\/v2\.0$/.test(iss) && iss.split("/")[3] === tid)

  const issue = Effect.fn("AccessTokens.issue")(function*(request: TokenRequest) {
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const iss = request.iss ?? v1Issuer
    const v2 = iss !== v1Issuer
    const oid = request.oid
    const uti = yield* Effect.sync(() => crypto.randomUUID().replaceAll("-", "").slice(0, 22))
    const payload: Record<string, unknown> = {
      ...request.extra,
      ...(v2 ? { azp: request.appid ?? "" } : { appid: request.appid ?? "" }),
      tid,
      ver: v2 ? "2.0" : "1.0",
      uti,
      // Entra: a delegated token's `sub` is pairwise (one value per user and app), never the `oid`; an
      // app-only token's `sub` is the service principal's `oid`
      ...(oid === undefined ? {} : { oid, sub: request.scp === undefined ? oid : pairwiseSubject(oid, request.aud) }),
      ...(request.roles && request.roles.length > 0 ? { roles: [...request.roles] } : {}),
      ...(request.scp === undefined ? {} : { scp: request.scp }),
      ...(request.upn === undefined ? {} : { upn: request.upn }),
      // v2 delegated tokens always name the user in `preferred_username` (upn is an optional claim there)
      ...(v2 && request.scp !== undefined && request.upn !== undefined ? { preferred_username: request.upn } : {})
    }
    const exp = now + (request.expiresInSeconds ?? defaultLifetimeSeconds)
    const token = yield* Effect.promise(() =>
      new Jose.SignJWT(payload)
        .setProtectedHeader({ typ: "JWT", alg: "RS256", kid: keys.signingKey.kid })
        .setAudience(request.aud)
        .setIssuer(iss)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(exp)
        .sign(keys.privateKey)
    )
    const claims: Claims = {
      aud: request.aud,
      iss,
      tid,
      appid: request.appid ?? "",
      roles: request.roles ?? [],
      scp: request.scp,
      upn: request.upn,
      oid,
      ver: v2 ? "2.0" : "1.0",
      iat: now,
      nbf: now,
      exp
    }
    return { token, claims }
  })

  // Tokens whose signature verified, by their compact form: every upstream call re-sends the same token, and an
  // RS256 check per request is CPU the real service's latency does not include. Bounded; cleared when full.
  const verified = new Map<string, Jose.JWTPayload>()
  const remember = (token: string, payload: Jose.JWTPayload): Jose.JWTPayload => {
    if (verified.size >= 1_000) verified.clear()
    verified.set(token, payload)
    return payload
  }

  const verify = Effect.fn("AccessTokens.verify")(function*(
    authorization: string | undefined,
    audience: string | ReadonlyArray<string>
  ) {
    if (authorization === undefined || authorization.trim() === "") {
      return yield* new TokenRejected({ reason: "Missing" })
    }
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(authorization)
    if (match === null) return yield* new TokenRejected({ reason: "Malformed" })
    const now = yield* Clock.currentTimeMillis
    const token = match[1]!
    const payload = verified.get(token) ?? (yield* Effect.tryPromise({
      try: () =>
        Jose.jwtVerify(token, keys.publicKey, {
          algorithms: ["RS256"],
          currentDate: new Date(now),
          clockTolerance: clockToleranceSeconds
        }),
      catch: (error) => new TokenRejected({ reason: rejectionReason(error) })
    }).pipe(Effect.map(({ payload }) => remember(token, payload))))
    // A remembered token skips the signature check only: its time claims are checked as jose does (nbf, then exp).
    const seconds = Math.floor(now / 1000)
    if (typeof payload.nbf === "number" && payload.nbf > seconds + clockToleranceSeconds) {
      return yield* new TokenRejected({ reason: "NotYetValid" })
    }
    if (typeof payload.exp === "number" && payload.exp <= seconds - clockToleranceSeconds) {
      verified.delete(token)
      return yield* new TokenRejected({ reason: "Expired" })
    }
    const claims = toClaims(payload)
    if (claims === undefined) return yield* new TokenRejected({ reason: "Malformed" })
    const audiences: ReadonlyArray<string> = typeof audience === "string" ? [audience] : audience
    if (!audiences.includes(claims.aud)) return yield* new TokenRejected({ reason: "WrongAudience" })
    if (!isOwnIssuer(claims.iss) || claims.tid !== tid) return yield* new TokenRejected({ reason: "WrongIssuer" })
    return claims
  })

  return AccessTokens.of({ tenantId: tid, v1Issuer, signingKey: keys.signingKey, issue, verify })
}

const rejectionReason = (error: unknown): TokenRejectedReason => {
  if (error instanceof Jose.errors.JWTExpired) return "Expired"
  if (error instanceof Jose.errors.JWSSignatureVerificationFailed) return "BadSignature"
  if (error instanceof Jose.errors.JWTClaimValidationFailed && error.claim === "nbf") return "NotYetValid"
  if (error instanceof Jose.errors.JOSEAlgNotAllowed) return "BadSignature"
  return "Malformed"
}

const str = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

const toClaims = (payload: Jose.JWTPayload): Claims | undefined => {
  const aud = typeof payload.aud === "string" ? payload.aud : undefined
  const appid = str(payload["appid"]) ?? str(payload["azp"])
  const tid = str(payload["tid"])
  const roles = payload["roles"] ?? []
  const { iss, exp, iat, nbf } = payload
  if (
    aud === undefined || iss === undefined || tid === undefined || appid === undefined ||
    exp === undefined || !Array.isArray(roles) || !roles.every((r) => typeof r === "string")
  ) return undefined
  return {
    aud,
    iss,
    tid,
    appid,
    roles,
    scp: str(payload["scp"]),
    upn: str(payload["upn"]),
    oid: str(payload["oid"]),
    ver: str(payload["ver"]) ?? "1.0",
    iat: iat ?? 0,
    nbf: nbf ?? 0,
    exp
  }
}
