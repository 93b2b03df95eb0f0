import { Effect, Option } from "effect"
import * as Jose from "jose"
import { type AadError, AadErrors } from "./AadErrors.ts"
import type { RegisteredApp, RegisteredCertificate } from "./RegisteredApps.ts"

export const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Same 5-minute skew the identity platform grants elsewhere (assertions are reused until exp: spec §6.1).
const skewSeconds = 300

// Hosts a real token endpoint lives on, plus regional `<region>.login.microsoft.com` (spec §7.1, P:R1).
const loginHosts = /^(login\.microsoftonline\.com|login\.windows\.net|login\.microsoft\.com|sts\.windows\.net|[a-z0-9-]+\.login\.microsoft\.com)$/i

export interface AssertionInput {
  readonly assertion: string
  readonly clientId: string
  readonly app: RegisteredApp
  /** The `Host` the request reached; msal's `aud` is the token endpoint it resolved (spec §6.1, §7.4 config B). */
  readonly requestHost: string
  readonly isTenant: (segment: string) => boolean
  readonly now: number
}

/**
 * Checks a certificate client assertion as msal-node builds it (spec: graph-and-identity.md §6.1):
 * PS256 with `x5t#S256` or RS256 with `x5t`, signed by a certificate registered on the app,
 * `iss` = `sub` = client id, `aud` = this tenant's token endpoint, within nbf/exp.
 */
export const verifyClientAssertion = Effect.fnUntraced(function*(input: AssertionInput) {
  const decoded = yield* Effect.option(Effect.try(() => Jose.decodeProtectedHeader(input.assertion)))
  if (Option.isNone(decoded)) return AadErrors.malformedAssertion("The token is not a JWT.")
  const header = decoded.value
  const { alg } = header
  if (alg !== "PS256" && alg !== "RS256") return AadErrors.malformedAssertion(`Unsupported algorithm '${String(alg)}'.`)
  const presented = presentedThumbprint(header)
  const certificate = input.app.certificates.find((c) => matches(c, header))
  if (certificate === undefined) return AadErrors.assertionKeyNotFound(input.clientId, presented)

  const verified = yield* Effect.promise(() =>
    Jose.importX509(certificate.pem, alg)
      .then((key) => Jose.compactVerify(input.assertion, key, { algorithms: [alg] }))
      .then((result) => result.payload, () => undefined)
  )
  if (verified === undefined) return AadErrors.assertionBadSignature(input.clientId, presented)
  const claims = yield* Effect.option(Effect.try(() => JSON.parse(new TextDecoder().decode(verified)) as unknown))
  if (Option.isNone(claims) || typeof claims.value !== "object" || claims.value === null) {
    return AadErrors.malformedAssertion("The token payload is not JSON.")
  }
  return checkClaims(claims.value as Record<string, unknown>, input)
})

const checkClaims = (claims: Record<string, unknown>, input: AssertionInput): AadError | undefined => {
  const { iss, sub, aud, exp, nbf } = claims
  const clientId = input.clientId.toLowerCase()
  if (typeof iss !== "string" || typeof sub !== "string" || iss.toLowerCase() !== clientId || sub.toLowerCase() !== clientId) {
    return AadErrors.assertionWrongClient()
  }
  if (!(typeof aud === "string" && isTokenEndpoint(aud, input)) && !(Array.isArray(aud) && aud.some((a) => typeof a === "string" && isTokenEndpoint(a, input)))) {
    // UNVERIFIED: the code and text for an assertion addressed to another token endpoint.
    return AadErrors.malformedAssertion("The audience claim is not the token endpoint of this tenant.")
  }
  const nowSeconds = input.now / 1000
  const notBefore = typeof nbf === "number" ? nbf : 0
  if (typeof exp !== "number" || nowSeconds > exp + skewSeconds || nowSeconds < notBefore - skewSeconds) {
    return AadErrors.assertionOutOfTime(input.now, notBefore * 1000, (typeof exp === "number" ? exp : 0) * 1000)
  }
  return undefined
}

/** `…/{tenant}/oauth2/v2.0/token` (or the v1 `…/{tenant}/oauth2/token`), trailing slash allowed. */
const isTokenEndpoint = (aud: string, input: AssertionInput): boolean => {
  if (!URL.canParse(aud)) return false
  const { host, hostname, pathname } = new URL(aud)
  if (host.toLowerCase() !== input.requestHost.toLowerCase() && !loginHosts.test(hostname)) return false
  const match = /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?token\/?$/i.exec(pathname)
  return match !== null && input.isTenant(match[1]!)
}

const matches = (certificate: RegisteredCertificate, header: Jose.ProtectedHeaderParameters): boolean =>
  header["x5t#S256"] === certificate.thumbprints.x5tS256 || header.x5t === certificate.thumbprints.x5t

/** The thumbprint the client sent, in the upper-case hex Entra prints in its messages. */
const presentedThumbprint = (header: Jose.ProtectedHeaderParameters): string => {
  const value = header["x5t#S256"] ?? header.x5t
  if (typeof value !== "string") return ""
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return value
  return [...Jose.base64url.decode(value)].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase()
}
