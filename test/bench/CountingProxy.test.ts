import { assert, describe, it } from "@effect/vitest"
import * as http from "node:http"
import { startProxy, surfaceOf } from "../../bench/lib/CountingProxy.ts"
import { request } from "../../bench/lib/HttpClient.ts"

describe("surfaceOf", () => {
  it("classifies the sandbox's faces by path", () => {
    assert.strictEqual(surfaceOf("/t/oauth2/v2.0/token"), "identity")
    assert.strictEqual(surfaceOf("/v1.0/$batch"), "graph")
    assert.strictEqual(surfaceOf("/adminapi/beta/t/InvokeCommand?$skiptoken=x"), "exchange")
    assert.isUndefined(surfaceOf("/_sandbox/stats"))
  })
})

describe("startProxy", () => {
  it("forwards requests with their Host, counts them per surface and counts 429s", async () => {
    const seen: Array<string> = []
    const upstream = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host}`)
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        res.writeHead(req.url === "/v1.0/busy" ? 429 : 200, { "content-type": "text/plain" })
        res.end(`echo:${body}`)
      })
    })
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()))
    const port = (upstream.address() as { port: number }).port
    const proxy = await startProxy(`http://127.0.0.1:${port}`)
    try {
      const a = await request({ method: "POST", url: `${proxy.url}/adminapi/beta/t/InvokeCommand`, body: "x" })
      const b = await request({ method: "GET", url: `${proxy.url}/v1.0/busy` })
      await request({ method: "GET", url: `${proxy.url}/_sandbox/stats` })
      assert.strictEqual(a.text, "echo:x")
      assert.strictEqual(b.status, 429)
      const counts = proxy.snapshot()
      assert.deepStrictEqual(counts.requests, { identity: 0, graph: 1, exchange: 1 })
      assert.deepStrictEqual(counts.throttled, { identity: 0, graph: 1, exchange: 0 })
      assert.isAbove(counts.busyMs, 0)
      assert.isAtLeast(counts.durationMs, counts.busyMs)
      assert.strictEqual(seen[0], `POST /adminapi/beta/t/InvokeCommand ${new URL(proxy.url).host}`)
    } finally {
      await proxy.close()
      upstream.close()
    }
  })
})
