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
// arithmetic (BoundedCounters), answers from a cache of lists known not to exist (no upstream call, as the
// service's not-found cache), with the service's headers and X-Request-ID, and logs by ACCESS_LOG:
// - "line" (default): the service's access-log line (LogLine.formatLine) with console.log, as its logger does;
// - "batched": the same fields in a line built by hand, the timestamp reused within a millisecond, the lines
//   of one event-loop turn written at once (a line may be lost in a crash);
// - "none": no line.
// It measures what the target leaves for everything else; it is not a design for the service.

const port = Number(process.env.PORT ?? "0")
const keys = ApiKeys.make([{ name: "bench", role: "admin", key: Redacted.make(process.env.API_KEY ?? "") }])
const accessLog = process.env.ACCESS_LOG ?? "line"
const counters = new BoundedCounters()
const PER_MINUTE = 100_000_000
const PREFIX = "/api/dl/"
// filled by the first lookup of each name, as a cache of "not found" would be
const notFound = new Map<string, string>()

let stampedAt = -1
let stamp = ""
const pending: Array<string> = []
const flush = () => {
  process.stdout.write(pending.join("\n") + "\n")
  pending.length = 0
}
const batched = (line: string) => {
  if (pending.push(line) === 1) setImmediate(flush)
}

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
  if (accessLog === "batched") {
    const now = Date.now()
    if (now !== stampedAt) {
      stampedAt = now
      stamp = new Date(now).toISOString().replace("T", " ").replace(".", ",").slice(0, 23)
    }
    batched(`${stamp} - INFO - [${requestId}] - HTTP request method=${request.method} path=${path} status=${status} durationMs=${now - start}`)
  } else if (accessLog === "line") {
    globalThis.console.log(formatLine({
      date: new Date(),
      level: "Info",
      message: "HTTP request",
      annotations: { requestId, method: request.method, path, status, durationMs: Date.now() - start }
    }))
  }
}).listen(port, "127.0.0.1")
