import { Clock, Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as Jose from "jose"
import type { Caller, Role } from "../../../domain/Access.ts"
import { AuthUnavailable, Unauthorized } from "./Errors.ts"
import * as TenantKeys from "./TenantKeys.ts"
import { authorityHostOf } from "../../microsoft/Cloud.ts"

export interface TokenVerifierOptions extends TenantKeys.TenantKeysOptions {
  /** Accepted `aud` values: the App ID URI (v1 tokens) and/or the API's client id (v2 tokens). */
  readonly audiences: ReadonlyArray<string>
  readonly clockSkew?: Duration.Input | undefined
}

/** Checks Microsoft Entra ID access tokens issued for this API and turns them into callers. */
export class TokenVerifier extends Context.Service<TokenVerifier, {
  readonly enabled: boolean
  /** Extra `WWW-Authenticate` parameters for the Bearer challenge (where to get a token). */
  readonly challenge: string
  readonly verify: (token: Redacted.Redacted<string>) => Effect.Effect<Caller, Unauthorized | AuthUnavailable>
}>()("distribution-list-api/adapters/http/auth/TokenVerifier") {}

const appRoles: ReadonlyArray<readonly [string, Role]> = [
  ["DL.Admin", "admin"],
  ["DL.ReadWrite.All", "writer"],
  ["DL.Read.All", "reader"]
]

/** The delegated scope that grants owner self-service. */
export const selfServiceScope = "DL.ReadWrite"

const str = (value: unknown): string | undefined => typeof value === "string" && value !== "" ? value : undefined

/** Maps verified claims to a caller: app-only tokens by `roles`, delegated tokens (with `scp`) as users. */
export const callerOf = (claims: Jose.JWTPayload): Caller => {
  const held = Array.isArray(claims["roles"]) ? claims["roles"].filter((r) => typeof r === "string") : []
  const role = appRoles.find(([appRole]) => held.includes(appRole))?.[1]
  const scopes = str(claims["scp"])?.split(" ") ?? []
  if (scopes.length === 0) {
    const name = str(claims["azp"]) ?? str(claims["appid"]) ?? str(claims.sub) ?? "unknown-app"
    return { kind: "app", name, role }
  }
  const signInNames = [claims["upn"], claims["preferred_username"], claims["email"], claims["unique_name"]]
    .map(str)
    .filter((value): value is string => value !== undefined && value.includes("@"))
  const upn = signInNames[0]
  const objectId = str(claims["oid"])?.toLowerCase()
  return {
    kind: "user",
    name: upn ?? objectId ?? str(claims.sub) ?? "unknown-user",
    role,
    upn,
    addresses: [...new Set(signInNames)],
    ...(objectId === undefined ? {} : { objectId }),
    selfService: scopes.includes(selfServiceScope)
  }
}

/** The 401 for a token whose signature held but whose time is up: a real client that must refresh, no guess. */
export const EXPIRED_TOKEN = "The access token has expired."

const describe = (error: unknown): string => {
  if (error instanceof Jose.errors.JWTExpired) return EXPIRED_TOKEN
  if (error instanceof Jose.errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
        return "The access token is not yet valid."
      case "aud":
        return "The access token was not issued for this API."
      case "iss":
        return "The access token was not issued by this API's tenant."
      default:
        return `The access token has an invalid '${error.claim}' claim.`
    }
  }
  if (error instanceof Jose.errors.JWKSNoMatchingKey) return "The access token is signed by an unknown key."
  if (error instanceof Jose.errors.JWSSignatureVerificationFailed) return "The access token signature is invalid."
  if (error instanceof Jose.errors.JOSEAlgNotAllowed) return "The access token uses an unsupported algorithm."
  return "The access token is malformed."
}

export const make = Effect.fnUntraced(function*(options: TokenVerifierOptions) {
  const keys = yield* TenantKeys.make(options)
  const skewSeconds = Duration.toSeconds(Duration.fromInputUnsafe(options.clockSkew ?? "60 seconds"))
  const authority = options.authorityHost.replace(/\/+$/, "")
  const challenge = `authorization_uri="${authority}/${options.tenant}/oauth2/v2.0/authorize"`

  const check = (token: string, keySet: TenantKeys.KeySet) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.tryPromise({
        try: () =>
          Jose.jwtVerify(token, keySet.getKey, {
            algorithms: ["RS256"],
            audience: [...options.audiences],
            issuer: [keySet.issuer, `https://sts.windows.net/${keySet.tenantId}/`],
            currentDate: new Date(now),
            clockTolerance: skewSeconds,
            requiredClaims: ["exp", "tid"]
          }),
        catch: (error) => error
      }))

  const verify = Effect.fn("TokenVerifier.verify")(function*(token: Redacted.Redacted<string>) {
    const unavailable = (error: TenantKeys.KeysUnavailable) =>
      Effect.logWarning("Cannot verify access tokens").pipe(
        Effect.annotateLogs({ reason: error.detail }),
        Effect.andThen(Effect.fail(AuthUnavailable.because("Access tokens cannot be verified right now; try again.")))
      )
    let keySet = yield* Effect.catch(keys.current, unavailable)
    let verified = yield* Effect.result(check(Redacted.value(token), keySet))
    if (verified._tag === "Failure" && verified.failure instanceof Jose.errors.JWKSNoMatchingKey) {
      keySet = yield* Effect.catch(keys.refreshAfter(keySet), unavailable)
      verified = yield* Effect.result(check(Redacted.value(token), keySet))
    }
    if (verified._tag === "Failure") return yield* Unauthorized.because(describe(verified.failure))
    const { payload, protectedHeader } = verified.success
    // v1 tokens (ver 1.0) come from sts.windows.net, v2 tokens from the OpenID configuration's issuer.
    const expectedIssuer = payload["ver"] === "2.0" ? keySet.issuer : `https://sts.windows.net/${keySet.tenantId}/`
    if (payload.iss !== expectedIssuer || str(payload["tid"])?.toLowerCase() !== keySet.tenantId) {
      return yield* Unauthorized.because("The access token was not issued by this API's tenant.")
    }
    if (protectedHeader.typ !== undefined && protectedHeader.typ.toUpperCase() !== "JWT") {
      return yield* Unauthorized.because("The access token is malformed.")
    }
    return callerOf(payload)
  })

  return TokenVerifier.of({ enabled: true, challenge, verify })
})

export const layer = (options: TokenVerifierOptions): Layer.Layer<TokenVerifier, never, HttpClient.HttpClient> =>
  Layer.effect(TokenVerifier, make(options))

/** No token issuer configured: every bearer token is rejected. */
export const layerDisabled: Layer.Layer<TokenVerifier> = Layer.succeed(
  TokenVerifier,
  TokenVerifier.of({
    enabled: false,
    challenge: "",
    verify: () => Effect.fail(Unauthorized.because("This deployment does not accept access tokens; use an API key."))
  })
)

/** `API_AUDIENCE`: comma-separated accepted `aud` values. */
export const audiencesConfig = Config.String("API_AUDIENCE").pipe(
  Config.withDefault("api://distribution-list-api"),
  Config.map((value) => value.split(",").map((part) => part.trim()).filter((part) => part !== ""))
)

export const config = Config.all({
  tenant: Config.option(Config.String("TENANT_ID")),
  // The same authority the Microsoft adapters use: AUTHORITY_HOST, else the one of CLOUD.
  authorityHost: Config.String("AUTHORITY_HOST").pipe(
    Config.orElse(() =>
      Config.String("CLOUD").pipe(Config.withDefault("global"), Config.map((cloud) => authorityHostOf(cloud.trim())))
    )
  ),
  audiences: audiencesConfig
})

/**
 * From `TENANT_ID`, `AUTHORITY_HOST` and `API_AUDIENCE`; without a `TENANT_ID` (sandbox mode) tokens
 * are not accepted unless main provides `layer({ authorityHost: <sandbox url>, tenant, audiences })`.
 */
export const layerConfig: Layer.Layer<TokenVerifier, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.map(config, ({ audiences, authorityHost, tenant }) =>
    Option.match(Option.filter(tenant, (value) => value.trim() !== ""), {
      onNone: () => layerDisabled,
      onSome: (tenant) => layer({ authorityHost, tenant: tenant.trim(), audiences })
    }))
)

/** A given token issuer (for example the sandbox's identity face) with `API_AUDIENCE` from config. */
export const layerConfigWith = (options: {
  readonly authorityHost: string
  readonly tenant: string
}): Layer.Layer<TokenVerifier, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrap(Effect.map(audiencesConfig, (audiences) => layer({ ...options, audiences })))
