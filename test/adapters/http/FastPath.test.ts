import { assert, describe, it } from "@effect/vitest"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { connect, type AddressInfo } from "node:net"
import { EventEmitter } from "node:events"
import { HttpServerResponse } from "effect/http"
import * as FastPath from "../../../src/adapters/http/FastPath.ts"
import { secureResponse } from "../../../src/adapters/http/auth/Hygiene.ts"
import { type NotFoundAnswer, NotFoundCache } from "../../../src/adapters/http/NotFoundCache.ts"

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

  // a real server and socket: what is tested is how Node's own parser failure reaches the caller
  const rawExchange = (bytes: Buffer, accessLog?: FastPath.AccessLog) =>
    new Promise<string>((resolve, reject) => {
      const server = FastPath.installNode(createServer(() => reject(new Error("the router was reached"))), accessLog)
      server.listen(0, "127.0.0.1", () => {
        const socket = connect((server.address() as AddressInfo).port, "127.0.0.1")
        const chunks: Array<Buffer> = []
        socket.on("data", (chunk) => chunks.push(chunk))
        socket.on("close", () => server.close(() => resolve(Buffer.concat(chunks).toString("latin1"))))
        socket.on("error", reject)
        socket.write(bytes)
      })
    })

  it("a request Node cannot parse gets the standard error body and a request id, not a bare status", async () => {
    const answer = await rawExchange(Buffer.concat([Buffer.from("GET /api/dl/"), Buffer.from([0xc3, 0xa9]), Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")]))
    const [head, body] = answer.split("\r\n\r\n")
    assert.match(head!, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(head!, /\r\nx-request-id: [0-9a-f-]{36}(\r\n|$)/)
    assert.match(head!, /\r\nx-content-type-options: nosniff(\r\n|$)/)
    const json = JSON.parse(body!)
    assert.deepStrictEqual(Object.keys(json), ["error", "details"])
    assert.strictEqual(json.error, "Bad Request")
  })

  it("headers over Node's limit are a 431 in the same shape, with an access-log line naming its request id", async () => {
    const lines: Array<Parameters<FastPath.AccessLog>[0]> = []
    const answer = await rawExchange(Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`), (line) => lines.push(line))
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
    assert.strictEqual(JSON.parse(answer.split("\r\n\r\n")[1]!).error, "Request Header Fields Too Large")
    const id = /\r\nx-request-id: ([0-9a-f-]{36})/.exec(answer)?.[1]
    assert.deepStrictEqual(lines, [{ requestId: id!, status: 431, reason: "HPE_HEADER_OVERFLOW" }])
  })

  it("a shutdown during pipelined requests answers every request already taken", async () => {
    const held: Array<ServerResponse> = []
    let taken: () => void = () => {}
    const bothTaken = new Promise<void>((resolve) => (taken = resolve))
    const server = FastPath.installNode(createServer((_request, response) => {
      held.push(response)
      if (held.length === 2) taken()
    }))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    const closed = new Promise<void>((resolve) => socket.on("close", resolve))
    socket.write("POST /api/dl/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /api/dl/b HTTP/1.1\r\nHost: x\r\n\r\n")
    await bothTaken
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const [i, response] of held.entries()) response.end(`answer ${i + 1}`)
    await closed
    await serverClosed
    const answers = Buffer.concat(chunks).toString("latin1")
    assert.include(answers, "answer 1")
    assert.include(answers, "answer 2")
    // only the last answer on the connection says it closes
    assert.strictEqual(answers.match(/connection: close/gi)?.length, 1)
    assert.isAbove(answers.indexOf("answer 2"), answers.toLowerCase().indexOf("connection: close"))
  })

  it("a request Node cannot parse behind a pipelined one: that one gets its own answer, then the connection closes", async () => {
    let answer: (response: ServerResponse) => void = () => {}
    const server = FastPath.installNode(createServer((_request, response) => answer(response)))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const taken = new Promise<ServerResponse>((resolve) => (answer = resolve))
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    const closed = new Promise<void>((resolve) => socket.on("close", resolve))
    socket.write(Buffer.concat([
      Buffer.from("PATCH /api/dl/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /api/dl/"),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")
    ]))
    const response = await taken
    // the parser has met the second request before the first is answered
    await new Promise<void>((resolve) => setImmediate(resolve))
    response.end("the PATCH's own answer")
    await closed
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const text = Buffer.concat(chunks).toString("latin1")
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
    assert.include(text, "the PATCH's own answer")
    assert.notInclude(text, "400 Bad Request")
  })
})

describe("FastPath.Lookups", () => {
  const kept: NotFoundAnswer = {
    headers: ["content-type", "application/json", "content-length", "2", "x-request-id", "", "cache-control", "no-store"],
    requestIdAt: 5,
    body: "{}"
  }
  const setup = (admit: (key: string, now: number) => boolean = () => true) => {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    cache.keep("/api/dl/gone", cache.lookupStarts(), kept, Date.now())
    const logged: Array<{ requestId: string; path: string }> = []
    const lookups = new FastPath.Lookups(cache, ({ path, requestId }) => void logged.push({ path, requestId }))
    lookups.arm(admit)
    return { cache, logged, lookups }
  }
  const key = { "x-api-key": "reader-key-0123456789" }

  it("sends the kept answer with this request's id in its place, and logs it", () => {
    const { logged, lookups } = setup()
    const { request, response, written } = fakeNode("GET", "/api/dl/gone", { ...key, "x-request-id": "poll-7" })
    assert.isTrue(lookups.answer(request, response))
    assert.strictEqual(written.status, 404)
    assert.deepStrictEqual(written.headers as unknown, [
      "content-type", "application/json", "content-length", "2", "x-request-id", "poll-7", "cache-control", "no-store"
    ])
    assert.strictEqual(written.body, "{}")
    assert.deepStrictEqual(logged, [{ path: "/api/dl/gone", requestId: "poll-7" }])
    assert.strictEqual(kept.headers[5], "", "the kept answer is not changed")
  })

  it("leaves the request alone when the gate refuses it, the list is not kept, or it is not armed", () => {
    const refused = setup(() => false)
    const a = fakeNode("GET", "/api/dl/gone", key)
    assert.isFalse(refused.lookups.answer(a.request, a.response))
    assert.isUndefined(a.written.status)
    const { lookups } = setup()
    const b = fakeNode("GET", "/api/dl/other", key)
    assert.isFalse(lookups.answer(b.request, b.response))
    const c = fakeNode("GET", "/api/dl/gone", { ...key, authorization: "Bearer x" })
    assert.isFalse(lookups.answer(c.request, c.response))
    const filled = new NotFoundCache({ ttlMillis: 60_000 })
    filled.keep("/api/dl/gone", filled.lookupStarts(), kept, Date.now())
    const unarmed = new FastPath.Lookups(filled, () => {})
    const d = fakeNode("GET", "/api/dl/gone", { "x-api-key": "not-checked-by-anyone" })
    assert.isFalse(unarmed.answer(d.request, d.response))
    assert.deepStrictEqual(refused.logged, [])
  })

  it("passes the gate the caller's key", () => {
    const seen: Array<string> = []
    const { lookups } = setup((apiKey) => seen.push(apiKey) > 0)
    const { request, response } = fakeNode("GET", "/api/dl/gone", key)
    lookups.answer(request, response)
    assert.deepStrictEqual(seen, ["reader-key-0123456789"])
  })
})
