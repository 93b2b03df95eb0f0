import { Effect } from "effect"
import { newGuid } from "../identity/RequestInfo.ts"
import { type GraphCall, type GraphDeps, dispatch } from "./GraphDispatch.ts"
import type { GraphRequest } from "./GraphQuery.ts"
import { badRequest, graphError, type GraphResponse, ok } from "./GraphResponse.ts"

interface BatchEntry {
  readonly id: string
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  readonly dependsOn: ReadonlyArray<string>
}

// spec §2: "up to 20 requests"; the message is a user's capture, the status and code are UNVERIFIED.
const maxRequests = 20

type Parsed = ReadonlyArray<BatchEntry> | string

const parse = (body: unknown): Parsed => {
  const requests = (body as { requests?: unknown } | undefined)?.requests
  if (!Array.isArray(requests) || requests.length === 0) return "Invalid batch payload format."
  if (requests.length > maxRequests) return "Number of requests inside batch exceeds the limit."
  const entries: Array<BatchEntry> = []
  const seen = new Set<string>()
  for (const raw of requests as Array<Record<string, unknown>>) {
    const { id, method, url, headers, body, dependsOn } = raw ?? {}
    if (typeof id !== "string" && typeof id !== "number") return "Invalid batch payload format."
    if (typeof method !== "string" || typeof url !== "string") return "Invalid batch payload format."
    const key = String(id).toLowerCase()
    // spec §2: ids are not case-sensitive and must be unique, otherwise the batch fails with a 400.
    if (seen.has(key)) return `Batch request contains duplicate request id '${id}'.`
    seen.add(key)
    entries.push({
      id: String(id),
      method,
      url,
      headers: Object.fromEntries(
        Object.entries((headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)])
      ),
      body,
      dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : []
    })
  }
  for (const entry of entries) {
    // UNVERIFIED: the error for a dependsOn that names no request of the batch.
    const missing = entry.dependsOn.find((d) => !seen.has(d.toLowerCase()))
    if (missing !== undefined) return `Request '${entry.id}' depends on unknown request id '${missing}'.`
  }
  return entries
}

/**
 * Inner URLs are relative (`/users`, `users?$select=…`: spec §2); msgraph-client's BatchRequestContent
 * keeps the version segment (`/v1.0/users`), which the service accepts too.
 */
const toRequest = (entry: BatchEntry): GraphRequest | undefined => {
  if (/^[a-z]+:\/\//i.test(entry.url)) return undefined
  const relative = `/${entry.url.replace(/^\/+/, "")}`.replace(/^\/v1\.0(?=\/|$|\?)/i, "")
  const q = relative.indexOf("?")
  return {
    method: entry.method,
    path: q < 0 ? relative : relative.slice(0, q),
    query: new URLSearchParams(q < 0 ? "" : relative.slice(q + 1)),
    target: relative,
    headers: entry.headers,
    body: entry.body
  }
}

const succeeded = (status: number) => status >= 200 && status < 300

/**
 * `POST /$batch` (spec §2): each request evaluated on its own (throttling included: inner 429s carry
 * `Retry-After` in their `headers`), independent ones concurrently, `dependsOn` honoured with 424 when a
 * dependency failed. The batch answers 200 even when entries failed (json-batching.md; throttling.md's
 * "the batch itself fails with 424" is UNVERIFIED and contradicts it). Responses follow request order.
 */
export const batch = Effect.fnUntraced(function*(deps: GraphDeps, body: unknown, call: Omit<GraphCall, "batched">) {
  const entries = parse(body)
  if (typeof entries === "string") return badRequest(entries, call.ids, "BadRequest")
  const done = new Map<string, GraphResponse>()
  let pending = [...entries]
  while (pending.length > 0) {
    const ready = pending.filter((e) => e.dependsOn.every((d) => done.has(d.toLowerCase())))
    if (ready.length === 0) return badRequest("The batch contains a circular dependency.", call.ids, "BadRequest")
    const results = yield* Effect.forEach(ready, (entry) => Effect.gen(function*() {
      // spec §2 sample: each inner response has its own request-id. UNVERIFIED: its client-request-id is the
      // entry's own header, else the batch's.
      const ids = {
        ...call.ids,
        requestId: yield* newGuid,
        clientRequestId: entry.headers["client-request-id"] ?? call.ids.clientRequestId
      }
      const failedDependency = entry.dependsOn.some((d) => !succeeded(done.get(d.toLowerCase())!.status))
      // UNVERIFIED: the 424 body.
      if (failedDependency) {
        return graphError(424, "FailedDependency", "The request depends on a request that failed.", ids)
      }
      const request = toRequest(entry)
      if (request === undefined) return badRequest("Invalid request URI: the URL must be relative.", ids, "BadRequest")
      return yield* dispatch(deps, request, { ...call, ids, batched: true })
    }), { concurrency: "unbounded" })
    ready.forEach((entry, i) => done.set(entry.id.toLowerCase(), results[i]!))
    pending = pending.filter((e) => !ready.includes(e))
  }
  return ok({
    responses: entries.map((entry) => {
      const response = done.get(entry.id.toLowerCase())!
      return { id: entry.id, status: response.status, headers: response.headers, body: response.body }
    })
  })
})
