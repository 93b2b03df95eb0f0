import { assert, describe, it } from "@effect/vitest"
import { parseResponse, requestBytes } from "../../bench/lib/RawHttp.ts"

const b = (s: string) => Buffer.from(s, "latin1")

describe("parseResponse", () => {
  it("frames a Content-Length response and leaves the next one in the buffer", () => {
    const one = "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}"
    const parsed = parseResponse(b(one + "HTTP/1.1 404 Not"))
    assert.deepStrictEqual(parsed, { consumed: one.length, status: 200 })
  })

  it("waits for the whole body", () => {
    assert.strictEqual(parseResponse(b("HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n{\"sta")).consumed, 0)
    assert.strictEqual(parseResponse(b("HTTP/1.1 200 OK\r\ncontent-le")).consumed, 0)
  })

  it("frames chunked bodies, including one split across reads", () => {
    const full = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    assert.deepStrictEqual(parseResponse(b(full)), { consumed: full.length, status: 404 })
    assert.strictEqual(parseResponse(b(full.slice(0, full.length - 3))).consumed, 0)
  })

  it("treats a response without framing headers as bodyless", () => {
    const res = "HTTP/1.1 204 No Content\r\nX: y\r\n\r\n"
    assert.deepStrictEqual(parseResponse(b(res)), { consumed: res.length, status: 204 })
  })
})

describe("requestBytes", () => {
  it("builds a keep-alive GET with the extra headers", () => {
    assert.strictEqual(requestBytes("127.0.0.1:9", "/healthz", { "x-api-key": "k" }).toString("latin1"),
      "GET /healthz HTTP/1.1\r\nhost: 127.0.0.1:9\r\nconnection: keep-alive\r\nx-api-key: k\r\n\r\n")
  })
})
