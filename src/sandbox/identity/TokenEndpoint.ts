import { Clock, Effect, Redacted } from "effect"
import { type AadError, AadErrors } from "./AadErrors.ts"
import { AccessTokens } from "./AccessTokens.ts"
import { jwtBearer, verifyClientAssertion } from "./ClientAssertion.ts"
import { RegisteredApps, type RegisteredApp } from "./RegisteredApps.ts"
import { resolveResource } from "./Resources.ts"

export interface TokenRequestInput {
  /** The `{tenant}` path segment: GUID or domain. */
  readonly tenant: string
  readonly form: URLSearchParams
  readonly authorization: string | undefined
  /** The `Host` header, to accept client assertions addressed to this sandbox's own token endpoint. */
  readonly host: string
}

/** spec: graph-and-identity.md §6.2 (doc sample and real recording). */
export interface TokenResponse {
  readonly token_type: "Bearer"
  readonly expires_in: number
  readonly ext_expires_in: number
  readonly access_token: string
}

const lifetimeSeconds = 3599
// msal strips these from the scope before sending, other clients may not (spec §6.1, P:K).
const oidcScopes = new Set(["openid", "profile", "offline_access"])

/**
 * The client-credentials grant of `POST /{tenant}/oauth2/v2.0/token` (spec: graph-and-identity.md §6).
 * Checks run in the order: tenant, grant type, client, credential, scope (UNVERIFIED: Entra's order
 * when several are wrong at once).
 */
export const clientCredentials = Effect.fn("TokenEndpoint.clientCredentials")(function*(input: TokenRequestInput) {
  const apps = yield* RegisteredApps
  if (!apps.isTenant(input.tenant)) return yield* Effect.fail(AadErrors.unknownTenant(input.tenant))
  const grantType = input.form.get("grant_type")
  if (grantType === null || grantType === "") return yield* Effect.fail(AadErrors.missingParameter("grant_type"))
  if (grantType !== "client_credentials") return yield* Effect.fail(AadErrors.unsupportedGrant(grantType))

  const basic = parseBasic(input.authorization)
  const clientId = input.form.get("client_id") ?? basic?.clientId
  if (clientId === undefined || clientId === "") return yield* Effect.fail(AadErrors.missingParameter("client_id"))
  const app = yield* apps.find(clientId)
  if (app === undefined) return yield* Effect.fail(AadErrors.unknownClient(clientId, input.tenant))

  const credential = yield* authenticate(app, clientId, input, basic?.secret)
  if (credential !== "secret" && credential !== "certificate") return yield* Effect.fail(credential)

  const scope = input.form.get("scope")
  if (scope === null || scope.trim() === "") return yield* Effect.fail(AadErrors.missingParameter("scope"))
  const scopes = scope.split(/\s+/).filter((s) => s !== "" && !oidcScopes.has(s.toLowerCase()))
  if (scopes.length !== 1) return yield* Effect.fail(AadErrors.invalidScope(scope))
  const requested = scopes[0]!
  if (!/\/\.default$/i.test(requested)) return yield* Effect.fail(AadErrors.notDefaultScope(requested))
  const target = resolveResource(requested.slice(0, -"/.default".length))
  if (target === undefined) return yield* Effect.fail(AadErrors.invalidScope(requested))

  const tokens = yield* AccessTokens
  const roles = app.roles[target.resource.name]
  const { token } = yield* tokens.issue({
    aud: target.aud,
    appid: app.clientId,
    roles,
    oid: app.servicePrincipalId,
    expiresInSeconds: lifetimeSeconds,
    extra: {
      app_displayname: app.displayName,
      // appidacr: 1 = client secret, 2 = certificate (v1 token claims).
      appidacr: credential === "secret" ? "1" : "2",
      idp: tokens.v1Issuer,
      idtyp: "app"
    }
  })
  const response: TokenResponse = {
    token_type: "Bearer",
    expires_in: lifetimeSeconds,
    ext_expires_in: lifetimeSeconds,
    access_token: token
  }
  return response
})

const authenticate = Effect.fnUntraced(function*(
  app: RegisteredApp,
  clientId: string,
  input: TokenRequestInput,
  basicSecret: string | undefined
): Effect.fn.Return<"secret" | "certificate" | AadError, never, RegisteredApps> {
  const assertion = input.form.get("client_assertion")
  if (assertion !== null && assertion !== "") {
    if (input.form.get("client_assertion_type") !== jwtBearer) return AadErrors.missingCredential()
    const apps = yield* RegisteredApps
    const now = yield* Clock.currentTimeMillis
    const failure = yield* verifyClientAssertion({ assertion, clientId, app, requestHost: input.host, isTenant: apps.isTenant, now })
    return failure ?? "certificate"
  }
  const secret = input.form.get("client_secret") ?? basicSecret
  if (secret === undefined || secret === "") return AadErrors.missingCredential()
  return app.secrets.some((s) => Redacted.value(s) === secret) ? "secret" : AadErrors.invalidSecret(app.clientId)
})

/** RFC 6749 §2.3.1: `Basic base64(urlencode(client_id) ":" urlencode(client_secret))`. */
const parseBasic = (authorization: string | undefined) => {
  const match = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)
  if (match === null || match[1]!.length % 4 === 1) return undefined
  const decoded = atob(match[1]!)
  const colon = decoded.indexOf(":")
  if (colon < 0) return undefined
  const form = new URLSearchParams(`a=${decoded.slice(0, colon)}&b=${decoded.slice(colon + 1)}`)
  return { clientId: form.get("a") ?? "", secret: form.get("b") ?? "" }
}
