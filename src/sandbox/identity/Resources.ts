/** The resources (APIs) the sandbox tenant issues tokens for, and how each may be named. */
export interface Resource {
  readonly name: "graph" | "exchange"
  /** The resource's well-known first-party app id. */
  readonly appId: string
  /** Its App ID URIs (the first one is canonical). */
  readonly uris: ReadonlyArray<string>
}

export const graph: Resource = {
  name: "graph",
  appId: "00000003-0000-0000-c000-000000000000",
  uris: ["https://graph.microsoft.com"]
}

// spec: exchange-admin-rest.md §1.2 (resource 00000002-0000-0ff1-ce00-000000000000, aud https://outlook.office365.com);
// outlook.office.com answers the admin API too (§1.1), so its tokens are accepted.
export const exchange: Resource = {
  name: "exchange",
  appId: "00000002-0000-0ff1-ce00-000000000000",
  uris: ["https://outlook.office365.com", "https://outlook.office.com"]
}

export const resources: ReadonlyArray<Resource> = [graph, exchange]

/**
 * Every `aud` a token for the resource may carry. A v1 token's `aud` is the resource identifier the
 * client asked for (App ID URI or app id); a trailing slash is tolerated as resource servers do.
 */
export const audiencesOf = (resource: Resource): ReadonlyArray<string> => [
  ...resource.uris,
  ...resource.uris.map((uri) => `${uri}/`),
  resource.appId
]

export const graphAudiences = audiencesOf(graph)
export const exchangeAudiences = audiencesOf(exchange)

/** The resource a scope's resource part names (case-insensitive), and the `aud` its token gets. */
export const resolveResource = (identifier: string): { readonly resource: Resource; readonly aud: string } | undefined => {
  const id = identifier.replace(/\/+$/, "").toLowerCase()
  for (const resource of resources) {
    if (resource.appId === id) return { resource, aud: resource.appId }
    const uri = resource.uris.find((u) => u.toLowerCase() === id)
    // UNVERIFIED: the token's aud echoes the URI as requested; we use its canonical spelling.
    if (uri !== undefined) return { resource, aud: uri }
  }
  return undefined
}
