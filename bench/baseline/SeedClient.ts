import type { HttpRequest, HttpResponse } from "../lib/HttpClient.ts"

/**
 * The seed's API-client layer rebuilt on the wire: an MSAL-like token cache (client credentials,
 * refreshed 5 minutes early), Graph v1.0 and the Exchange admin REST InvokeCommand with paging.
 * spec: graph-and-identity.md §1, §2, §6; exchange-admin-rest.md §2.2, §3, §5.
 */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>

export interface SeedEndpoints {
  readonly authorityHost: string
  readonly graphBaseUrl: string
  readonly exchangeBaseUrl: string
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
}

export class UpstreamNotFound extends Error {}
export class UpstreamTransient extends Error {}
export class MemberAlreadyPresent extends Error {}
export class MemberAbsent extends Error {}
export class UpstreamFailed extends Error {
  readonly status: number
  constructor(message: string, status: number) {
    super(message)
    this.status = status
  }
}

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default"
export const EXCHANGE_SCOPE = "https://outlook.office365.com/.default"

const TRANSIENT_NAMES = ["DCOverloadedException", "SuitabilityDirectoryException", "ServerInMMException", "ADServerSettingsChangedException", "StorageTransientException"]

/** Maps an Exchange error answer to the seed's exception kinds. spec: exchange-admin-rest.md §5.2 */
export const classifyExchangeError = (status: number, text: string): Error => {
  let detail = ""
  try {
    const body = JSON.parse(text) as { error?: { details?: Array<{ message?: string }>; innererror?: { internalexception?: { message?: string } } } }
    detail = body.error?.details?.[0]?.message ?? body.error?.innererror?.internalexception?.message ?? ""
  } catch {
    detail = text.slice(0, 200)
  }
  if (status === 429 || status === 503 || status === 504 || TRANSIENT_NAMES.some((n) => detail.includes(n))) {
    return new UpstreamTransient(`Exchange ${status}`)
  }
  if (detail.includes("MemberAlreadyExistsException")) return new MemberAlreadyPresent(detail)
  if (detail.includes("MemberNotFoundException")) return new MemberAbsent(detail)
  if (status === 404 || detail.includes("ManagementObjectNotFoundException")) return new UpstreamNotFound(detail || `Exchange ${status}`)
  return new UpstreamFailed(`Exchange ${status}: ${detail.slice(0, 200)}`, status)
}

/** The nextLink names the host the service thinks it is; keep its path and query on our base URL. */
export const rebase = (link: string | undefined, base: string): string | undefined => {
  if (link === undefined || link === null || link === "") return undefined
  const u = new URL(link, base)
  return new URL(base).origin + u.pathname + u.search
}

export interface ExchangeResult {
  readonly value: ReadonlyArray<Record<string, unknown>>
}

export class SeedClient {
  private readonly tokens = new Map<string, { token: string; refreshAt: number }>()
  private readonly endpoints: SeedEndpoints
  private readonly transport: Transport
  private readonly now: () => number
  constructor(endpoints: SeedEndpoints, transport: Transport, now: () => number = () => performance.now()) {
    this.endpoints = endpoints
    this.transport = transport
    this.now = now
  }

  async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope)
    if (cached !== undefined && cached.refreshAt > this.now()) return cached.token
    const e = this.endpoints
    const res = await this.transport({
      method: "POST",
      url: `${e.authorityHost}/${e.tenantId}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: e.clientId, scope, client_secret: e.clientSecret, grant_type: "client_credentials" }).toString()
    })
    if (res.status === 429 || res.status >= 500) throw new UpstreamTransient(`token ${res.status}`)
    if (res.status !== 200) throw new UpstreamFailed(`token endpoint answered ${res.status}`, res.status)
    const body = JSON.parse(res.text) as { access_token: string; expires_in: number | string }
    const lifetimeMs = Number(body.expires_in) * 1000
    this.tokens.set(scope, { token: body.access_token, refreshAt: this.now() + Math.max(lifetimeMs - 300_000, 0) })
    return body.access_token
  }

  /** `GET /v1.0/users/{upn}`: true when found, false on 404. spec: graph-and-identity.md §1.1 */
  async userExists(upn: string): Promise<boolean> {
    const token = await this.token(GRAPH_SCOPE)
    const res = await this.transport({
      method: "GET",
      url: `${this.endpoints.graphBaseUrl}/users/${encodeURIComponent(upn)}`,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" }
    })
    if (res.status === 200) return true
    if (res.status === 404) return false
    if (res.status === 429 || res.status === 503 || res.status === 504) throw new UpstreamTransient(`Graph ${res.status}`)
    throw new UpstreamFailed(`Graph ${res.status}`, res.status)
  }

  /** Resolves directory ids (or addresses) to addresses with Graph `$batch`, 20 per call. spec: graph-and-identity.md §2 */
  async resolveUsers(ids: ReadonlyArray<string>): Promise<ReadonlyArray<string>> {
    const out: Array<string> = []
    for (let i = 0; i < ids.length; i += 20) {
      const chunk = ids.slice(i, i + 20)
      const token = await this.token(GRAPH_SCOPE)
      const res = await this.transport({
        method: "POST",
        url: `${this.endpoints.graphBaseUrl}/$batch`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          requests: chunk.map((id, n) => ({ id: String(n + 1), method: "GET", url: `/users/${encodeURIComponent(id)}?$select=userPrincipalName,mail` }))
        })
      })
      if (res.status === 429 || res.status >= 500) throw new UpstreamTransient(`Graph $batch ${res.status}`)
      if (res.status !== 200) throw new UpstreamFailed(`Graph $batch ${res.status}`, res.status)
      const body = JSON.parse(res.text) as { responses: Array<{ id: string; status: number; body?: { mail?: string | null; userPrincipalName?: string } }> }
      for (const [n, id] of chunk.entries()) {
        const r = body.responses.find((x) => x.id === String(n + 1))
        out.push(r?.status === 200 ? (r.body?.mail ?? r.body?.userPrincipalName ?? id) : id)
      }
    }
    return out
  }

  /** One cmdlet through InvokeCommand, following `@odata.nextLink` by re-POSTing the same body. spec: exchange-admin-rest.md §3.3 */
  async invoke(cmdlet: string, parameters: Record<string, unknown>, anchor: string, maxPages = 1000): Promise<ExchangeResult> {
    const e = this.endpoints
    const body = JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } })
    const value: Array<Record<string, unknown>> = []
    let url: string | undefined = `${e.exchangeBaseUrl}/adminapi/beta/${e.tenantId}/InvokeCommand`
    for (let page = 0; url !== undefined && page < maxPages; page++) {
      const token = await this.token(EXCHANGE_SCOPE)
      const res: HttpResponse = await this.transport({
        method: "POST",
        url,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
          "x-anchormailbox": `SMTP:${anchor}`,
          prefer: "odata.maxpagesize=1000",
          "x-cmdletname": cmdlet
        },
        body
      })
      if (res.status !== 200) throw classifyExchangeError(res.status, res.text)
      const parsed = (res.text === "" ? {} : JSON.parse(res.text)) as { value?: Array<Record<string, unknown>> | null; "@odata.nextLink"?: string }
      if (Array.isArray(parsed.value)) for (const v of parsed.value) value.push(v)
      url = rebase(parsed["@odata.nextLink"], e.exchangeBaseUrl)
    }
    return { value }
  }
}
