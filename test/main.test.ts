import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Context, Deferred, Effect, Exit, Layer, Redacted } from "effect"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { App, teardown } from "../src/main.ts"
import * as Sandbox from "../src/sandbox/Server.ts"
import { SandboxStats } from "../src/sandbox/Stats.ts"

// The composition root as deployed (TENANT_ID set), against the sandbox on a loopback port, with Exchange
// reached through a recording proxy: what main.ts wires, checked from the outside.

let exchangeSeen: Array<IncomingHttpHeaders> = []
let onExchange: (() => void) | undefined
let target = ""
let proxy: Server
let proxyUrl = ""

beforeAll(async () => {
  proxy = createServer((req, res) => {
    exchangeSeen.push(req.headers)
    onExchange?.()
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => name !== "host" && name !== "content-length" && name !== "connection")
      ) as Record<string, string>
      const answer = await fetch(`${target}${req.url}`, { method: req.method ?? "POST", headers, body: Buffer.concat(chunks) })
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
      res.end(Buffer.from(await answer.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())))

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as AddressInfo).port
      probe.close(() => resolve(port))
    })
  })

describe("main.ts (the composition root)", () => {
  it.live("starts by fetching both tokens and probing Graph and Exchange, and sends no trace headers", () =>
    Effect.gen(function*() {
      exchangeSeen = []
      const sandbox = yield* Layer.build(Sandbox.layerWith(Sandbox.layerServicesTest()))
      const info = Context.get(sandbox, Sandbox.Sandbox)
      target = info.baseUrl
      const probed = yield* Deferred.make<void>()
      onExchange = () => Deferred.doneUnsafe(probed, Effect.void)
      const port = yield* Effect.promise(freePort)
      const env = {
        PORT: String(port),
        TENANT_ID: info.tenantId,
        CLIENT_ID: info.clientId,
        CLIENT_SECRET: Redacted.value(info.clientSecret),
        AUTHORITY_HOST: info.baseUrl,
        GRAPH_BASE_URL: `${info.baseUrl}/v1.0`,
        EXCHANGE_BASE_URL: proxyUrl,
        CUSTOM_DOMAIN: "contoso.example",
        API_KEYS: "test:admin:main-test-key-0123456789",
        LOG_LEVEL: "Error"
      }
      yield* Effect.forkScoped(Layer.launch(App.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))))
      // no request made yet: the startup readiness probe reaches Exchange by itself
      yield* Deferred.await(probed)
      const ready = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json()))
      assert.deepStrictEqual(ready, { status: "ready" })
      const first = exchangeSeen[0]!
      assert.strictEqual(first["x-cmdletname"], "Get-DistributionGroup")
      assert.isUndefined(first["traceparent"])
      assert.isUndefined(first["b3"])
      const stats = yield* Effect.flatMap(Context.get(sandbox, SandboxStats).snapshot, (s) => Effect.succeed(s.surfaces))
      // one token per resource for everything so far (the warm-up's, shared with the probe)
      assert.deepStrictEqual(stats.identity.operations, { token: 2 })
      assert.strictEqual(stats.graph.total, 1)
    }).pipe(Effect.scoped))
})

describe("main.ts exit codes", () => {
  const codeOf = (exit: Exit.Exit<unknown, unknown>) => {
    let code: number | undefined
    teardown(exit, (c) => (code = c))
    return code
  }

  it("a completed shutdown on a signal (an interruption only) exits 0; a failure does not", () => {
    assert.strictEqual(codeOf(Exit.failCause(Cause.interrupt(1))), 0)
    assert.strictEqual(codeOf(Exit.fail(new Error("port in use"))), 1)
    assert.strictEqual(codeOf(Exit.failCause(Cause.combine(Cause.interrupt(1), Cause.die(new Error("stuck"))))), 1)
  })
})
