import { type HttpResponse, parseJson, request } from "./lib/HttpClient.ts"

/** Our REST API as a caller sees it (the seed's contract), with the bench's API key on every request. */
export class Ours {
  readonly baseUrl: string
  readonly apiKey: string
  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl
    this.apiKey = apiKey
  }

  private call(method: string, path: string, body?: unknown, timeoutMs = 300_000): Promise<HttpResponse> {
    return request({
      method,
      url: `${this.baseUrl}${path}`,
      headers: { "x-api-key": this.apiKey, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs
    })
  }

  create(name: string, ownerEmails: ReadonlyArray<string>, memberEmails: ReadonlyArray<string>) {
    return this.call("POST", "/api/dl", { name, ownerEmails, memberEmails, allowExternalSenders: false })
  }

  get(dlId: string) {
    return this.call("GET", `/api/dl/${encodeURIComponent(dlId)}`)
  }

  syncMembers(dlId: string, memberEmails: ReadonlyArray<string>) {
    return this.call("PATCH", `/api/dl/${encodeURIComponent(dlId)}`, { memberEmails })
  }

  addMembers(dlId: string, memberEmails: ReadonlyArray<string>) {
    return this.call("POST", `/api/dl/${encodeURIComponent(dlId)}/members`, { memberEmails })
  }

  delete(dlId: string) {
    return this.call("DELETE", `/api/dl/${encodeURIComponent(dlId)}`)
  }
}

/** A short, secret-free description of an answer for the report (status and the error summary, if any). */
export const describe = (res: HttpResponse): string => {
  const body = parseJson(res) as { error?: unknown; details?: unknown; failedMembers?: Array<unknown>; failed?: Array<unknown> } | undefined
  const failed = body?.failedMembers ?? body?.failed
  if (res.status < 300) return failed !== undefined && failed.length > 0 ? `${res.status} (${failed.length} failed)` : String(res.status)
  const first = Array.isArray(body?.details) ? (body.details[0] as { msg?: unknown } | undefined)?.msg : body?.details
  const detail = typeof first === "string" ? `: ${first.slice(0, 80)}` : ""
  return `${res.status} ${typeof body?.error === "string" ? body.error.slice(0, 60) : ""}${detail}`.trim()
}
