import { Redacted } from "effect"
import * as http from "node:http"
import * as ApiKeys from "../src/adapters/http/auth/ApiKeys.ts"
import { BoundedCounters } from "../src/adapters/http/auth/BoundedMemoryStore.ts"
import { jsonSecurityHeaders } from "../src/adapters/http/auth/Hygiene.ts"
import { requestIdOf } from "../src/adapters/http/Middleware.ts"
import { formatLine } from "../src/adapters/logging/LogLine.ts"

// A third reference for the 404-lookup overhead row: the least any service could do for it with this
// service's duties and no framework at all. A node:http handler checks the API key as the service does
// (ApiKeys: SHA-256, constant-time compare), counts the caller's request with the service's limiter
// arithmetic (BoundedCounters), answers from a cache of lists known not to exist (no upstream call: the
// service has no such cache), with the service's headers and X-Request-ID, and, unless ACCESS_LOG=0,
// writes the service's access-log line with console.log as the service's logger does.
// It measures what the target leaves for everything else; it is not a design for the service.

const port = Number(process.env.PORT ?? "0")
const keys = ApiKeys.make([{ name: "bench", role: "admin", key: Redacted.make(process.env.API_KEY ?? "") }])
const accessLog = process.env.ACCESS_LOG !== "0"
const counters = new BoundedCounters()
const PER_MINUTE = 100_000_000
const PREFIX = "/api/dl/"
// filled by the first lookup of each name, as a cache of "not found" would be
const notFound = new Map<string, string>()

const answer = (response: http.ServerResponse, status: number, body: string, requestId: string) => {
  response.writeHead(status, {
    ...jsonSecurityHeaders,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId
  })
  response.end(body)
}

http.createServer((request, response) => {
  const start = Date.now()
  const header = request.headers["x-request-id"]
  const requestId = requestIdOf(Array.isArray(header) ? header[0] : header)
  const url = request.url ?? "/"
  const path = url.split("?")[0]!
  let status = 404
  let body = "{\"error\":\"Not Found\"}"
  const key = request.headers["x-api-key"]
  const caller = typeof key === "string" ? keys.authenticate(Redacted.make(key)) : undefined
  if (caller === undefined || caller._tag === "None") {
    status = 401
    body = "{\"error\":\"Unauthorized\"}"
  } else if (request.method === "GET" && path.startsWith(PREFIX)) {
    counters.consume(`apiKey:${caller.value.name}`, 1, 60_000 / PER_MINUTE, PER_MINUTE, start)
    const dlId = decodeURIComponent(path.slice(PREFIX.length))
    let cached = notFound.get(dlId.toLowerCase())
    if (cached === undefined) {
      cached = JSON.stringify({ error: "Distribution List not found", details: `Distribution List '${dlId}' not found.` })
      notFound.set(dlId.toLowerCase(), cached)
    }
    body = cached
  }
  answer(response, status, body, requestId)
  if (accessLog) {
    globalThis.console.log(formatLine({
      date: new Date(),
      level: "Info",
      message: "HTTP request",
      annotations: { requestId, method: request.method, path, status, durationMs: Date.now() - start }
    }))
  }
}).listen(port, "127.0.0.1")
