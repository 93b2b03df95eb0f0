/**
 * The identity platform's error catalogue, in Microsoft's JSON shape (spec: graph-and-identity.md §6.3):
 * `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`, the
 * description being `AADSTS<code>: <text>\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …`.
 */
export interface AadError {
  readonly status: number
  readonly error: string
  readonly code: number
  readonly text: string
}

const make = (status: number, error: string, code: number, text: string): AadError => ({ status, error, code, text })

const certDocs = "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."

export const AadErrors = {
  // spec §6.3: verbatim wire sample (401 invalid_client).
  invalidSecret: (clientId: string) =>
    make(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`
    ),
  // spec §6.3: text and error verified; the 400 status is UNVERIFIED ("400 believed").
  unknownClient: (clientId: string, tenant: string) =>
    make(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
    ),
  // spec §6.3: verbatim wire sample; the 400 status is UNVERIFIED ("400 believed").
  unknownTenant: (tenant: string) =>
    make(
      400,
      "invalid_tenant",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`
    ),
  // spec §6.3: the client-credentials page's doc sample (400 invalid_scope).
  invalidScope: (scope: string) =>
    make(400, "invalid_scope", 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  // UNVERIFIED (not in the spec): the text Entra returns when a client-credentials scope lacks `/.default`.
  notDefaultScope: (scope: string) =>
    make(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
    ),
  // UNVERIFIED (not in the spec): Entra's well-known text for a missing body parameter.
  missingParameter: (name: string) =>
    make(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  // UNVERIFIED (not in the spec).
  unsupportedGrant: (grantType: string) =>
    make(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`),
  // UNVERIFIED (not in the spec): no secret and no assertion.
  missingCredential: () =>
    make(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  // UNVERIFIED (not in the spec): an assertion that is not a JWT, or whose audience is not this token endpoint.
  malformedAssertion: (reason: string) =>
    make(400, "invalid_request", 50027, `JWT token is invalid or malformed. [Reason - ${reason}]`),
  // Wording from public captures of AADSTS700027 (not in the spec); 401 invalid_client.
  assertionKeyNotFound: (clientId: string, thumbprint: string) =>
    make(
      401,
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${clientId}']. ${certDocs}`
    ),
  assertionBadSignature: (clientId: string, thumbprint: string) =>
    make(
      401,
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}']. ${certDocs}`
    ),
  // Wording from public captures of AADSTS700024 (not in the spec); 401 invalid_client.
  assertionOutOfTime: (now: number, nbf: number, exp: number) =>
    make(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${ticks(now)}, assertion valid from ${ticks(nbf)}, expiry time of assertion ${ticks(exp)}. ${certDocs}`
    ),
  // UNVERIFIED (not in the spec).
  assertionWrongClient: () =>
    make(401, "invalid_client", 700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${certDocs}`)
} as const

/** `2024-10-02T22:05:03.6755165Z`: .NET's round-trip format, as AADSTS700024 prints times. */
const ticks = (millis: number) => new Date(millis).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z")

/** `2023-05-06 06:03:00Z`, the identity platform's `timestamp` format. */
export const aadTimestamp = (millis: number): string =>
  new Date(millis).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z")

export interface AadErrorContext {
  readonly traceId: string
  readonly correlationId: string
  readonly now: number
}

export const aadErrorBody = (error: AadError, context: AadErrorContext) => {
  const timestamp = aadTimestamp(context.now)
  return {
    error: error.error,
    error_description:
      `AADSTS${error.code}: ${error.text}\r\nTrace ID: ${context.traceId}\r\nCorrelation ID: ${context.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: context.traceId,
    correlation_id: context.correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`
  }
}
