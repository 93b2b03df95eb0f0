import {
  type AuthenticationResult,
  AuthError,
  ConfidentialClientApplication,
  type Configuration,
  LogLevel,
  ManagedIdentityApplication,
  ServerError
} from "@azure/msal-node"
import { Duration, Effect, Redacted } from "effect"
import { ACQUIRE_TOKEN, Failed, Forbidden, Transient, UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { CloudSettings } from "./Cloud.ts"
import type { Credential } from "./Credentials.ts"

/** An app-only access token and when it stops being usable (epoch milliseconds). */
export interface AccessToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresOnMillis: number
  /** When the identity platform asks for an early refresh (`refresh_in`), if it did. */
  readonly refreshOnMillis?: number | undefined
}

/** Acquires a fresh app-only token for one scope (`https://<resource>/.default`). */
export interface TokenSource {
  readonly acquire: (scope: string) => Effect.Effect<AccessToken, UpstreamError>
}

/**
 * How long one managed-identity token request may take. msal sends no timeout of its own and, on
 * IMDS, retries 404/429/5xx for seconds and 410 for up to 70 s (spec graph-and-identity.md §9); an
 * unroutable 169.254.169.254 (not on Azure) would otherwise hang until the OS gives up on the connect.
 */
export const MANAGED_IDENTITY_TIMEOUT = Duration.seconds(20)

/**
 * How long one client-credential token request may take. msal sends no timeout of its own: a token
 * endpoint that accepts the connection and never answers would otherwise hold every request that waits
 * for the token. Treated like a gateway timeout (504): transient, so the request's retries apply.
 */
export const TOKEN_TIMEOUT = Duration.seconds(30)

const quietLogger = { loggerCallback: () => {}, piiLoggingEnabled: false, logLevel: LogLevel.Error }

/**
 * The identity platform is always described to msal through `authorityMetadata` plus
 * `knownAuthorities` (spec graph-and-identity.md §7.3, §7.4 config B): for the real clouds this is
 * the metadata msal hardcodes anyway, and for a loopback `http://` AUTHORITY_HOST (the sandbox) it
 * is the only way, since msal refuses a non-https authority (§7.1 step 2) but not http endpoints.
 * Either way msal makes exactly one call per token: `POST {AUTHORITY_HOST}/{tenant}/oauth2/v2.0/token`.
 */
export const msalAuthority = (cloud: CloudSettings) => {
  const host = new URL(cloud.authorityHost).host
  const base = `${cloud.authorityHost}/${cloud.tenantId}`
  return {
    authority: `https://${host}/${cloud.tenantId}`,
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`
    })
  }
}

const toAccessToken = (result: AuthenticationResult | null, operation: string): Effect.Effect<AccessToken, UpstreamError> =>
  result === null || result.accessToken === "" || result.expiresOn === null
    ? Effect.fail(new UpstreamError({ operation, reason: new Failed({ detail: "the identity platform returned no token" }) }))
    : Effect.succeed({
      token: Redacted.make(result.accessToken),
      expiresOnMillis: result.expiresOn.getTime(),
      refreshOnMillis: result.refreshOn?.getTime()
    })

/** One msal client for the process: a confidential client, or a managed identity. */
export const make = (cloud: CloudSettings, credential: Credential): TokenSource => {
  const operation = ACQUIRE_TOKEN
  if (credential._tag === "ManagedIdentity") {
    const app = new ManagedIdentityApplication({
      ...(credential.userAssignedClientId === undefined
        ? {}
        : { managedIdentityIdParams: { userAssignedClientId: credential.userAssignedClientId } }),
      system: { loggerOptions: quietLogger }
    })
    return {
      acquire: (scope) =>
        Effect.tryPromise({
          // Our own cache decides when to refresh, so msal's is bypassed (spec §8).
          try: () => app.acquireToken({ resource: scope.replace(/\/\.default$/, ""), forceRefresh: true }),
          catch: (cause) => managedIdentityError(cause, cloud, credential)
        }).pipe(
          Effect.timeoutOrElse({
            duration: MANAGED_IDENTITY_TIMEOUT,
            orElse: () =>
              Effect.fail(
                new UpstreamError({
                  operation,
                  reason: new Failed({
                    detail: `no answer from the managed identity endpoint within ${
                      Duration.format(MANAGED_IDENTITY_TIMEOUT)
                    }: ${managedIdentityAdvice}`
                  })
                })
              )
          }),
          Effect.flatMap((result) => toAccessToken(result, operation))
        )
    }
  }
  const auth: Configuration["auth"] = {
    clientId: credential.clientId,
    ...msalAuthority(cloud),
    ...(credential._tag === "ClientSecret"
      ? { clientSecret: Redacted.value(credential.secret) }
      : {
        clientCertificate: {
          thumbprintSha256: credential.thumbprintSha256,
          privateKey: Redacted.value(credential.privateKey)
        }
      })
  }
  const app = new ConfidentialClientApplication({ auth, system: { loggerOptions: quietLogger } })
  return {
    acquire: (scope) =>
      Effect.tryPromise({
        // skipCache: our cache refreshes 5 minutes early, exactly when msal's cache would also
        // call the token as expired (spec §8: now + 300 s > expiresOn); skipping avoids an off-by-a-tick
        // where msal hands back the token we are replacing.
        try: () => app.acquireTokenByClientCredential({ scopes: [scope], skipCache: true }),
        catch: (cause) => toUpstreamError(cause, cloud, credential)
      }).pipe(
        Effect.timeoutOrElse({
          duration: TOKEN_TIMEOUT,
          orElse: () => Effect.fail(new UpstreamError({ operation, reason: new Transient({ throttled: false, status: 504 }) }))
        }),
        Effect.flatMap((result) => toAccessToken(result, operation))
      )
  }
}

const credentialVariable = (credential: Credential) =>
  credential._tag === "ClientSecret"
    ? "CLIENT_SECRET"
    : credential._tag === "Certificate"
    ? "CLIENT_CERTIFICATE_PATH"
    : "MANAGED_IDENTITY_CLIENT_ID"

/**
 * Hints for the AADSTS codes an operator can fix. Only codes, ids we were configured with and our
 * variable names go into the text: never the secret, the assertion or msal's message.
 */
const hintFor = (code: string, cloud: CloudSettings, credential: Credential): string | undefined => {
  const clientId = credential._tag === "ManagedIdentity" ? credential.userAssignedClientId ?? "(system-assigned)" : credential.clientId
  switch (code) {
    case "7000215":
      return `AADSTS7000215: invalid client secret for CLIENT_ID ${clientId}: check CLIENT_SECRET (the secret's value, not its id)`
    case "7000222":
      return `AADSTS7000222: the client secret of CLIENT_ID ${clientId} has expired: create a new one and update CLIENT_SECRET`
    case "700016":
      return `AADSTS700016: application CLIENT_ID ${clientId} was not found in tenant TENANT_ID ${cloud.tenantId}: check both, and CLOUD`
    case "90002":
      return `AADSTS90002: tenant TENANT_ID ${cloud.tenantId} was not found: check TENANT_ID and CLOUD`
    case "700027":
    case "700024":
      return `AADSTS${code}: the certificate assertion was refused: check that the certificate in CLIENT_CERTIFICATE_PATH is registered on app ${clientId}`
    case "7000229":
      return `AADSTS7000229: app ${clientId} has no service principal in tenant ${cloud.tenantId}: grant admin consent`
    case "70011":
      return `AADSTS70011: invalid scope for app ${clientId}: check CLOUD and the API permissions`
    default:
      return undefined
  }
}

const managedIdentityAdvice =
  "USE_MANAGED_IDENTITY=true needs a host with a managed identity (IMDS at 169.254.169.254, or the endpoint in AZURE_POD_IDENTITY_AUTHORITY_HOST, IDENTITY_ENDPOINT or MSI_ENDPOINT)"

/**
 * Managed identity failures: an endpoint that cannot be reached is a deployment problem, not a blip
 * (msal already retried what IMDS calls retryable), so it fails with advice instead of "transient".
 */
const managedIdentityError = (cause: unknown, cloud: CloudSettings, credential: Credential): UpstreamError => {
  const operation = ACQUIRE_TOKEN
  if (cause instanceof ServerError || !(cause instanceof AuthError)) return toUpstreamError(cause, cloud, credential)
  const detail = cause.errorCode === "network_error"
    ? `cannot reach the managed identity endpoint: ${managedIdentityAdvice}`
    : `managed identity token acquisition failed (${cause.errorCode}): ${managedIdentityAdvice}`
  return new UpstreamError({ operation, reason: new Failed({ detail }) })
}

const toUpstreamError = (cause: unknown, cloud: CloudSettings, credential: Credential): UpstreamError => {
  const operation = ACQUIRE_TOKEN
  if (cause instanceof ServerError) {
    const status = cause.status
    // errorNo is typed string but holds the JSON number of `error_codes[0]` (spec §7.5).
    const code = cause.errorNo === undefined || cause.errorNo === null ? "" : String(cause.errorNo)
    // No status and no AADSTS number: msal's own throttle cache refused locally after a 429/5xx (spec §7.5).
    if (status === undefined ? cause.errorNo === undefined : status === 429 || status >= 500) {
      return new UpstreamError({ operation, reason: new Transient({ throttled: status === 429, status }) })
    }
    const hint = hintFor(code, cloud, credential) ?? (credential._tag === "ManagedIdentity"
      // IMDS answers 400 invalid_request "Identity not found" for an id not assigned to the host.
      ? `the managed identity endpoint refused the request (${cause.errorCode}${status === undefined ? "" : `, ${status}`}): ${
        credential.userAssignedClientId === undefined
          ? "check that this host has a system-assigned identity, or set MANAGED_IDENTITY_CLIENT_ID"
          : `check that the identity MANAGED_IDENTITY_CLIENT_ID ${credential.userAssignedClientId} is assigned to this host`
      }`
      : `the identity platform refused the credential (${cause.errorCode}${code === "" ? "" : `, AADSTS${code}`}): check CLIENT_ID and ${credentialVariable(credential)}`)
    return new UpstreamError({ operation, reason: new Forbidden({ hint }) })
  }
  if (cause instanceof AuthError && cause.errorCode === "network_error") {
    return new UpstreamError({ operation, reason: new Transient({ throttled: false }) })
  }
  const code = cause instanceof AuthError ? cause.errorCode : "unexpected error"
  return new UpstreamError({ operation, reason: new Failed({ detail: `token acquisition failed: ${code}` }) })
}
