/** The identity platform's metadata documents, pointing at the sandbox's own base URL. */

/** Authority segments that are not a tenant but are valid for metadata (spec §6.4). */
export const multiTenantSegments = new Set(["common", "organizations", "consumers"])

/** spec: graph-and-identity.md §6.4, the real document with every URL moved to `base`. */
export const openIdConfiguration = (base: string, tenant: string) => {
  const t = `${base}/${tenant}`
  const issuerTenant = multiTenantSegments.has(tenant) ? "{tenantid}" : tenant
  return {
    token_endpoint: `${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${t}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${t}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud",
      "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"
    ],
    kerberos_endpoint: `${t}/kerberos`,
    tenant_region_scope: "WW",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net"
  }
}

/** spec §6.5: the real cloud list (verbatim). */
const clouds = [
  {
    preferred_network: "login.microsoftonline.com",
    preferred_cache: "login.windows.net",
    aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]
  },
  {
    preferred_network: "login.partner.microsoftonline.cn",
    preferred_cache: "login.partner.microsoftonline.cn",
    aliases: ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]
  },
  { preferred_network: "login.microsoftonline.de", preferred_cache: "login.microsoftonline.de", aliases: ["login.microsoftonline.de"] },
  {
    preferred_network: "login.microsoftonline.us",
    preferred_cache: "login.microsoftonline.us",
    aliases: ["login.microsoftonline.us", "login.usgovcloudapi.net"]
  },
  { preferred_network: "login-us.microsoftonline.com", preferred_cache: "login-us.microsoftonline.com", aliases: ["login-us.microsoftonline.com"] }
]

/**
 * spec §6.5: `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=<url, not encoded>`.
 * The real service answers `invalid_instance` for hosts it does not know; the sandbox knows its own
 * host (and any host a client rewrites to it), so it always answers with the tenant's discovery
 * endpoint on the authority's origin. msal adds an alias entry for a host missing from `metadata`.
 */
export const instanceDiscovery = (base: string, authorizationEndpoint: string | undefined) => {
  let origin = base
  let tenant = "common"
  if (authorizationEndpoint !== undefined && URL.canParse(authorizationEndpoint)) {
    const url = new URL(authorizationEndpoint)
    origin = url.origin
    tenant = url.pathname.split("/").filter((s) => s !== "")[0] ?? "common"
  }
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: clouds
  }
}
