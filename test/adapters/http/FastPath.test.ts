import { assert, describe, it } from "@effect/vitest"
import type { IncomingMessage, ServerResponse } from "node:http"
import { EventEmitter } from "node:events"
import { HttpServerResponse } from "effect/http"
import * as FastPath from "../../../src/adapters/http/FastPath.ts"
import { secureResponse } from "../../../src/adapters/http/auth/Hygiene.ts"

const fakeNode = (method: string, url: string, headers: Record<string, string> = {}) => {
  const written: { status?: number; headers?: Record<string, unknown>; body?: string; set: Record<string, unknown> } = { set: {} }
  const request = { method, url, headers } as unknown as IncomingMessage
  const response = Object.assign(new EventEmitter(), {
    headersSent: false,
    setHeader: (name: string, value: unknown) => Object.assign(written.set, { [name]: value }),
    writeHead: (status: number, head: Record<string, unknown>) => {
      response.headersSent = true
      return Object.assign(written, { status, headers: head })
    },
    end: (body?: string) => {
      Object.assign(written, { body })
      response.emit("finish")
      response.emit("close")
    }
  })
  return { request, response: response as unknown as ServerResponse, written }
}

/** A server as installNode sees it: events, `close` and `closeIdleConnections` (counted). */
const fakeServer = () => {
  const server = new EventEmitter() as any
  server.closed = 0
  server.idleClosed = 0
  server.close = () => {
    server.closed++
    return server
  }
  server.closeIdleConnections = () => server.idleClosed++
  return server
}

describe("FastPath", () => {
  it("answers GET /healthz like the route, echoing a sane request id", () => {
    const { request, response, written } = fakeNode("GET", "/healthz", { "x-request-id": "probe-1" })
    assert.isTrue(FastPath.handleNode(request, response))
    assert.strictEqual(written.status, 200)
    assert.deepStrictEqual(JSON.parse(written.body!), { status: "ok" })
    assert.strictEqual(written.headers!["x-request-id"], "probe-1")
  })

  it("carries the same security headers as the routed /healthz", () => {
    const { request, response, written } = fakeNode("GET", "/healthz")
    FastPath.handleNode(request, response)
    const routed = secureResponse(HttpServerResponse.jsonUnsafe({ status: "ok" })).headers
    for (const name of ["x-content-type-options", "x-frame-options", "referrer-policy", "cache-control", "content-security-policy"]) {
      assert.strictEqual(written.headers![name], routed[name], name)
    }
  })

  it("leaves every other request to the router", () => {
    for (const [method, url] of [["POST", "/healthz"], ["GET", "/healthz/x"], ["GET", "/readyz"], ["GET", "/api/dl/a"]]) {
      const { request, response, written } = fakeNode(method!, url!)
      assert.isFalse(FastPath.handleNode(request, response))
      assert.isUndefined(written.status)
    }
  })

  it("sits in front of the server's own request listeners", () => {
    const server = fakeServer()
    const seen: Array<string> = []
    server.on("request", (req: IncomingMessage) => seen.push(req.url!))
    FastPath.installNode(server)
    const probe = fakeNode("GET", "/healthz?verbose=1")
    server.emit("request", probe.request, probe.response)
    server.emit("request", fakeNode("GET", "/api/dl/a").request, fakeNode("GET", "/api/dl/a").response)
    assert.strictEqual(probe.written.status, 200)
    assert.deepStrictEqual(seen, ["/api/dl/a"])
  })

  it("holds requests, /healthz included, until the service's request listener is attached", async () => {
    const server = fakeServer()
    FastPath.installNode(server)
    const early = fakeNode("GET", "/api/dl/a")
    const probe = fakeNode("GET", "/healthz")
    assert.isTrue(server.emit("request", early.request, early.response))
    assert.isTrue(server.emit("request", probe.request, probe.response))
    assert.isUndefined(probe.written.status)
    const seen: Array<string> = []
    server.on("request", (req: IncomingMessage) => seen.push(req.url!))
    await new Promise((resolve) => process.nextTick(resolve))
    assert.deepStrictEqual(seen, ["/api/dl/a"])
    assert.strictEqual(probe.written.status, 200)
    const later = fakeNode("GET", "/api/dl/b")
    server.emit("request", later.request, later.response)
    assert.deepStrictEqual(seen, ["/api/dl/a", "/api/dl/b"])
  })

  it("after close, refuses new requests with 503 + Connection: close, and closes the ones in flight after them", () => {
    const server = fakeServer()
    const taken: Array<ServerResponse> = []
    server.on("request", (_req: IncomingMessage, res: ServerResponse) => taken.push(res))
    FastPath.installNode(server)
    const inFlight = fakeNode("POST", "/api/dl")
    server.emit("request", inFlight.request, inFlight.response)
    server.close()
    assert.strictEqual(server.closed, 1)
    assert.strictEqual(inFlight.written.set["connection"], "close")
    const late = fakeNode("POST", "/api/dl", { "x-request-id": "late-1" })
    server.emit("request", late.request, late.response)
    assert.strictEqual(taken.length, 1)
    assert.strictEqual(late.written.status, 503)
    assert.strictEqual(late.written.headers!["connection"], "close")
    assert.strictEqual(late.written.headers!["retry-after"], "1")
    assert.strictEqual(late.written.headers!["x-request-id"], "late-1")
    assert.deepStrictEqual(JSON.parse(late.written.body!), {
      error: "Service Unavailable",
      details: "The service is shutting down; send the request again."
    })
    const idleBefore = server.idleClosed
    taken[0]!.end()
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        assert.isAbove(server.idleClosed, idleBefore)
        resolve()
      })
    )
  })

  it("forgets an answer whose caller went away before it was sent", () => {
    const server = fakeServer()
    server.on("request", () => {})
    FastPath.installNode(server)
    const gone = fakeNode("POST", "/api/dl")
    server.emit("request", gone.request, gone.response)
    ;(gone.response as unknown as EventEmitter).emit("close")
    server.close()
    assert.isUndefined(gone.written.set["connection"])
  })

  it("has a web-standard variant for Deno.serve", async () => {
    const response = FastPath.handleWeb(new Request("http://localhost/healthz"))
    assert.strictEqual(response?.status, 200)
    assert.deepStrictEqual(await response!.json(), { status: "ok" })
    assert.match(response!.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/)
    assert.isUndefined(FastPath.handleWeb(new Request("http://localhost/api/dl/a")))
  })
})
