import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { jsonSecurityHeaders } from "./auth/Hygiene.ts"
import { requestIdOf } from "./Middleware.ts"
import { lookupKey, type NotFoundAnswer, type NotFoundCache } from "./NotFoundCache.ts"

// Liveness probes arrive often and need none of the routing, decoding or logging, so the server may
// answer them before the Effect pipeline (issue 5 measures the service's overhead on GET /healthz).
// Same status, body and X-Request-ID as the `/healthz` route; probes are not access-logged.

const BODY = "{\"status\":\"ok\"}"

const isHealthz = (method: string | undefined, url: string | undefined): boolean =>
  method === "GET" && url !== undefined && (url === "/healthz" || url.startsWith("/healthz?"))

/** Answers `GET /healthz` on a `node:http` request and returns true; false for anything else. */
export const handleNode = (request: IncomingMessage, response: ServerResponse): boolean => {
  if (!isHealthz(request.method, request.url)) return false
  const header = request.headers["x-request-id"]
  response.writeHead(200, {
    ...jsonSecurityHeaders,
    "content-type": "application/json",
    "content-length": BODY.length,
    "x-request-id": requestIdOf(Array.isArray(header) ? header[0] : header)
  })
  response.end(BODY)
  return true
}

/** The access-log line of a lookup answered from the not-found cache. */
export type LookupLog = (line: {
  readonly requestId: string
  readonly path: string
  readonly durationMs: number
  readonly answer: NotFoundAnswer
}) => void

/**
 * Repeated lookups of a missing list, answered from the not-found cache without the Effect pipeline, once
 * `arm`ed with the read gate (`auth/ReadGate.ts`): the key is checked and the request counted as the
 * pipeline would, and the 404 the pipeline gave is sent again with this request's `X-Request-ID` (issue 5
 * measures the service's overhead on a 404 lookup). A request the gate does not admit, or one not in the
 * cache, goes the usual way.
 */
export class Lookups {
  private admit: ((apiKey: string, nowMillis: number) => boolean) | undefined
  private readonly cache: NotFoundCache
  private readonly log: LookupLog

  constructor(cache: NotFoundCache, log: LookupLog) {
    this.cache = cache
    this.log = log
  }

  arm(admit: (apiKey: string, nowMillis: number) => boolean): void {
    this.admit = admit
  }

  /** Answers the request and returns true, or returns false having done nothing. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.admit === undefined || !this.cache.enabled) return false
    const key = lookupKey(request.method, request.url, request.headers)
    if (key === undefined) return false
    const start = Date.now()
    const answer = this.cache.answerFor(key, start)
    if (answer === undefined || !this.admit(request.headers["x-api-key"] as string, start)) return false
    const header = request.headers["x-request-id"]
    const requestId = requestIdOf(Array.isArray(header) ? header[0] : header)
    const headers = answer.headers.slice()
    headers[answer.requestIdAt] = requestId
    response.writeHead(404, headers)
    response.end(answer.body)
    this.log({ requestId, path: key, durationMs: Date.now() - start, answer })
    return true
  }
}

/**
 * Puts `handleNode` in front of every other `request` listener of `server` (e.g. Effect's), and holds the
 * requests that arrive before there is one. Effect's server listens first and attaches its handler only
 * when the app is served, once the remaining layers are built: a request in between had no listener and
 * was never answered (a create sent as soon as `/healthz` answered hung about one time in eight). So
 * `/healthz` too answers only once the service can take requests.
 */
/** The access-log line of a request answered here (the Effect pipeline never saw it). */
export type AccessLog = (line: { readonly requestId: string; readonly status: number; readonly reason: string }) => void

export const installNode = <S extends Server>(server: S, accessLog: AccessLog = () => {}, lookups?: Lookups): S => {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: Array<unknown>) => boolean
  const held: Array<[IncomingMessage, ServerResponse]> = []
  // Shutting down (after `close`): requests already taken finish, on connections that close after them;
  // a new request on a kept-alive connection is refused instead of started (a change begun then could be
  // cut at the shutdown deadline, half applied), and idle connections do not hold the exit for 5 s.
  let closing = false
  server.on("clientError", (error: Error & { readonly code?: string }, socket: Duplex) => {
    const answered = answerUnparsable(error, socket)
    if (answered !== undefined) accessLog(answered)
  })
  // each answer under way, with the connection of its request (a queued pipelined answer has none yet)
  const inFlight = new Map<ServerResponse, unknown>()
  const close = server.close.bind(server)
  ;(server as Server).close = (callback?: (error?: Error) => void) => {
    closing = true
    // the last answer on each connection says it closes: one before it would close the connection on the
    // pipelined requests behind it, taken and run but never answered
    const lastOnConnection = new Map<unknown, ServerResponse>()
    for (const [response, connection] of inFlight) lastOnConnection.set(connection, response)
    for (const response of lastOnConnection.values()) if (!response.headersSent) response.setHeader("connection", "close")
    close(callback)
    server.closeIdleConnections()
    return server
  }
  const dispatch = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (closing) return refuse(request, response)
    inFlight.set(response, request.socket)
    // "close", not "finish": it also comes when the caller goes away before the answer
    response.once("close", () => {
      inFlight.delete(response)
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
    return handleNode(request, response) || lookups?.answer(request, response) === true || emit("request", request, response)
  }
  server.on("newListener", (event: string | symbol) => {
    // called before the listener is added: replay once it is there
    if (event === "request" && held.length > 0) {
      process.nextTick(() => {
        for (const [request, response] of held.splice(0)) dispatch(request, response)
      })
    }
  })
  server.emit = ((event: string | symbol, ...args: Array<unknown>) => {
    if (event !== "request") return emit(event, ...args)
    const [request, response] = args as [IncomingMessage, ServerResponse]
    if (server.listenerCount("request") === 0) {
      held.push([request, response])
      return true
    }
    return dispatch(request, response)
  }) as S["emit"]
  return server
}

/** What a request the HTTP parser refused gets, by the parser's code (Node's own default is a bare status). */
const unparsable = (code: string | undefined) =>
  code === "HPE_HEADER_OVERFLOW"
    ? { status: "431 Request Header Fields Too Large", details: "The request's headers are too large." }
    : code === "ERR_HTTP_REQUEST_TIMEOUT"
    ? { status: "408 Request Timeout", details: "The request was not received in time." }
    : {
      status: "400 Bad Request",
      details: "The request is not valid HTTP/1.1 (characters outside ASCII in the URL or a header must be percent-encoded)."
    }

/**
 * Answers a request Node's parser refused in the standard error body, as every other error is answered;
 * returns what to log, or undefined when nothing was answered.
 */
const answerUnparsable = (
  error: Error & { readonly code?: string },
  socket: Duplex
): Parameters<AccessLog>[0] | undefined => {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy()
    return undefined
  }
  // An earlier request on the connection still awaits its answer (pipelined): an answer now would be taken
  // for its; it gets its own, and the connection closes after it.
  const pending = (socket as { _httpMessage?: ServerResponse | null })._httpMessage
  if (pending !== undefined && pending !== null) {
    if (!pending.headersSent) pending.setHeader("connection", "close")
    pending.once("finish", () => socket.end())
    return undefined
  }
  const { status, details } = unparsable(error.code)
  const requestId = requestIdOf(undefined)
  const body = JSON.stringify({ error: status.slice(4), details })
  const headers = {
    ...jsonSecurityHeaders,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId,
    connection: "close"
  }
  socket.end(`HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body}`)
  return { requestId, status: Number(status.slice(0, 3)), reason: error.code ?? "unparsable" }
}

const SHUTTING_DOWN = JSON.stringify({
  error: "Service Unavailable",
  details: "The service is shutting down; send the request again."
})

/** 503 with `Connection: close` and `Retry-After: 1`: the request was not started. */
const refuse = (request: IncomingMessage, response: ServerResponse): boolean => {
  const header = request.headers["x-request-id"]
  response.writeHead(503, {
    ...jsonSecurityHeaders,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(SHUTTING_DOWN),
    "retry-after": "1",
    connection: "close",
    "x-request-id": requestIdOf(Array.isArray(header) ? header[0] : header)
  })
  response.end(SHUTTING_DOWN)
  return true
}

/** The same for a web-standard handler (Deno.serve): a response for `GET /healthz`, else undefined. */
export const handleWeb = (request: Request): Response | undefined => {
  if (request.method !== "GET") return undefined
  const url = new URL(request.url)
  if (url.pathname !== "/healthz") return undefined
  return new Response(BODY, {
    status: 200,
    headers: {
      ...jsonSecurityHeaders,
      "content-type": "application/json",
      "x-request-id": requestIdOf(request.headers.get("x-request-id") ?? undefined)
    }
  })
}
