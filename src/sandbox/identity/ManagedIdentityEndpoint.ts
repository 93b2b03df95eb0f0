import { Effect } from "effect"
import { AccessTokens } from "./AccessTokens.ts"
import { RegisteredApps } from "./RegisteredApps.ts"
import { resolveResource } from "./Resources.ts"

/** What an Azure VM's Instance Metadata Service answers on `GET /metadata/identity/oauth2/token`. */
export interface ImdsTokenResponse {
  readonly access_token: string
  readonly client_id: string
  // IMDS renders every number as a string (how-to-use-vm-token sample response).
  readonly expires_in: string
  readonly expires_on: string
  readonly ext_expires_in: string
  readonly not_before: string
  readonly resource: string
  readonly token_type: "Bearer"
}

/** An IMDS refusal: a status and `{"error","error_description"}` (no AADSTS fields, unlike the STS). */
export interface ImdsError {
  readonly status: number
  readonly error: string
  readonly error_description: string
}

export interface ImdsRequest {
  readonly metadataHeader: string | undefined
  readonly query: URLSearchParams
}

// Managed identity tokens live about 24 hours (IMDS hands out a cached token, so in reality the
// remaining lifetime varies); msal sets refresh_in = expires_in / 2 above 2 h (spec G&I §9).
const lifetimeSeconds = 86_399

/** The identity's ARM resource id (`msi_res_id`, and the token's `xms_mirid`); the subscription is made up. */
export const managedIdentityResourceId = (displayName: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/sandbox/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${
    encodeURIComponent(displayName)
  }`

const refuse = (status: number, error: string, error_description: string): ImdsError => ({ status, error, error_description })

/**
 * The IMDS token endpoint (spec: graph-and-identity.md §9, source 6). Model: the sandbox "VM" has
 * exactly one managed identity, and it is the registered service app (same client id, service
 * principal and roles), so a deployment using managed identity gets the same permissions as one
 * using the secret. It can be asked for without an id (as IMDS serves the only identity assigned)
 * or by `client_id` / `object_id` (the service principal id) / `msi_res_id`; any other id is
 * "Identity not found", as IMDS answers for an identity not assigned to the VM.
 */
export const managedIdentityToken = Effect.fn("ManagedIdentityEndpoint.token")(function*(input: ImdsRequest) {
  // The header must be exactly "true": IMDS's SSRF guard (how-to-use-vm-token, "Metadata" parameter).
  // UNVERIFIED: IMDS's exact error code and text for a missing header.
  if (input.metadataHeader !== "true") {
    return yield* Effect.fail(refuse(400, "bad_request_102", "Required metadata header not specified"))
  }
  const apiVersion = input.query.get("api-version")
  if (apiVersion === null || apiVersion === "") {
    // UNVERIFIED text.
    return yield* Effect.fail(refuse(400, "invalid_request", "Required query variable 'api-version' is missing"))
  }
  const resourceParam = input.query.get("resource")
  if (resourceParam === null || resourceParam.trim() === "") {
    return yield* Effect.fail(refuse(400, "invalid_request", "Required audience not specified")) // UNVERIFIED text
  }
  const apps = yield* RegisteredApps
  const app = apps.serviceApp
  const clientId = input.query.get("client_id")
  const objectId = input.query.get("object_id")
  const resourceId = input.query.get("msi_res_id") ?? input.query.get("mi_res_id")
  const named = (clientId !== null && clientId.toLowerCase() !== app.clientId) ||
    (objectId !== null && objectId.toLowerCase() !== app.servicePrincipalId.toLowerCase()) ||
    (resourceId !== null && resourceId.toLowerCase() !== managedIdentityResourceId(app.displayName).toLowerCase())
  // Verified body: {"error":"invalid_request","error_description":"Identity not found"} (aad-pod-identity#1054).
  if (named) return yield* Effect.fail(refuse(400, "invalid_request", "Identity not found"))

  // msal strips "/.default"; other clients may send it (G&I §9 config notes).
  const target = resolveResource(resourceParam.trim().replace(/\/\.default$/i, ""))
  if (target === undefined) {
    // UNVERIFIED wording; IMDS relays the STS's AADSTS500011 for an unknown resource.
    return yield* Effect.fail(refuse(
      400,
      "invalid_resource",
      `AADSTS500011: The resource principal named ${resourceParam} was not found in the tenant named ${apps.tenantId}.`
    ))
  }
  const tokens = yield* AccessTokens
  const { claims, token } = yield* tokens.issue({
    aud: target.aud,
    appid: app.clientId,
    roles: app.roles[target.resource.name],
    oid: app.servicePrincipalId,
    expiresInSeconds: lifetimeSeconds,
    extra: {
      app_displayname: app.displayName,
      // Managed identity tokens carry appidacr 2 (a certificate-backed credential) and xms_mirid.
      appidacr: "2",
      idp: tokens.v1Issuer,
      idtyp: "app",
      xms_mirid: managedIdentityResourceId(app.displayName)
    }
  })
  const response: ImdsTokenResponse = {
    access_token: token,
    client_id: app.clientId,
    expires_in: String(claims.exp - claims.iat),
    expires_on: String(claims.exp),
    ext_expires_in: String(claims.exp - claims.iat),
    not_before: String(claims.nbf),
    resource: resourceParam,
    token_type: "Bearer"
  }
  return response
})
