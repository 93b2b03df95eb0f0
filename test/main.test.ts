import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Context, Deferred, Effect, Exit, Layer, Redacted } from "effect"
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { App, teardown } from "../src/main.ts"
import * as Sandbox from "../src/sandbox/Server.ts"
import { redisUrl } from "./adapters/http/auth/RedisFixtures.ts"
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

const KEY = "main-test-key-0123456789"

/** The environment of a deployment on `sandbox` (Exchange through the recording proxy unless `extra` says otherwise). */
const deployedEnv = (info: Sandbox.SandboxInfo, port: number, extra: Record<string, string> = {}) => ({
  PORT: String(port),
  TENANT_ID: info.tenantId,
  CLIENT_ID: info.clientId,
  CLIENT_SECRET: Redacted.value(info.clientSecret),
  AUTHORITY_HOST: info.baseUrl,
  GRAPH_BASE_URL: `${info.baseUrl}/v1.0`,
  EXCHANGE_BASE_URL: proxyUrl,
  CUSTOM_DOMAIN: "contoso.example",
  API_KEYS: `test:admin:${KEY}`,
  LOG_LEVEL: "Error",
  ...extra
})

const launch = (env: Record<string, string>) =>
  Effect.forkScoped(Layer.launch(App.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))))

/** Until `/readyz` answers 200 (at most 10 s). */
const ready = (port: number) =>
  Effect.promise(async () => {
    for (let i = 0; i < 500; i++) {
      if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0) === 200) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
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
      yield* launch(deployedEnv(info, port))
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

/** One request over node:http: the status, the headers in the order they came, the body. */
const call = (port: number, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  new Promise<{ status: number; raw: Array<string>; body: string }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request({
      host: "127.0.0.1",
      port,
      method,
      path,
      headers: payload === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders, body: Buffer.concat(chunks).toString() }))
    })
    req.on("error", reject)
    req.end(payload)
  })

/** The headers but those that differ between any two answers (date, request id). */
const stable = (raw: ReadonlyArray<string>) => {
  const out: Array<string> = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    out.push(`${name}: ${name === "date" ? "<date>" : name === "x-request-id" ? "<id>" : raw[i + 1]}`)
  }
  return out
}

describe("main.ts: lookups of a missing list", () => {
  it.live("are answered again from the not-found cache as the routes answered them, counted, until a change", () =>
    Effect.gen(function*() {
      const sandbox = yield* Layer.build(Sandbox.layerWith(Sandbox.layerServicesTest()))
      const info = Context.get(sandbox, Sandbox.Sandbox)
      target = info.baseUrl
      const port = yield* Effect.promise(freePort)
      const key = KEY
      yield* launch(deployedEnv(info, port, { RATE_LIMIT_PER_MINUTE: "7", NOT_FOUND_CACHE_TTL_S: "60" }))
      yield* ready(port)
      const get = (path: string, headers: Record<string, string> = { "x-api-key": key }) =>
        Effect.promise(() => call(port, "GET", path, headers))
      exchangeSeen = []
      const first = yield* get("/api/dl/soon-here") // 1
      assert.strictEqual(first.status, 404)
      const asked = exchangeSeen.length
      assert.isAbove(asked, 0)
      const again = yield* get("/api/dl/soon-here") // 2
      assert.strictEqual(exchangeSeen.length, asked, "answered without asking Exchange")
      assert.strictEqual(again.status, 404)
      assert.strictEqual(again.body, first.body)
      assert.deepStrictEqual(stable(again.raw), stable(first.raw))
      const echoed = yield* get("/api/dl/soon-here", { "x-api-key": key, "x-request-id": "poll-3" }) // 3
      assert.include(echoed.raw, "poll-3")
      // a wrong key is refused as ever, cache or not
      assert.strictEqual((yield* get("/api/dl/soon-here", { "x-api-key": "wrong-key-0123456789" })).status, 401)
      // a create through this instance: the list is found at once
      const created = yield* Effect.promise(() =>
        call(port, "POST", "/api/dl", { "x-api-key": key }, { name: "soon-here", ownerEmails: ["adele.vance@contoso.example"] })
      ) // 4
      assert.strictEqual(created.status, 201, created.body)
      assert.strictEqual((yield* get("/api/dl/soon-here")).status, 200) // 5
      // cached answers count against the caller's budget (7 a minute)
      assert.strictEqual((yield* get("/api/dl/never-here")).status, 404) // 6
      assert.strictEqual((yield* get("/api/dl/never-here")).status, 404) // 7, from the cache
      const over = yield* get("/api/dl/never-here")
      assert.strictEqual(over.status, 429)
      assert.include(over.raw.map((h) => h.toLowerCase()), "retry-after")
    }).pipe(Effect.scoped))
})

describe("main.ts: the not-found cache with the budgets in Redis", () => {
  it.live("is off: a cached answer could not be counted against the shared budget", () =>
    Effect.gen(function*() {
      const sandbox = yield* Layer.build(Sandbox.layerWith(Sandbox.layerServicesTest()))
      const info = Context.get(sandbox, Sandbox.Sandbox)
      target = info.baseUrl
      const port = yield* Effect.promise(freePort)
      yield* launch(deployedEnv(info, port, { RATE_LIMIT_REDIS_URL: redisUrl, NOT_FOUND_CACHE_TTL_S: "60" }))
      yield* ready(port)
      exchangeSeen = []
      for (let i = 0; i < 3; i++) {
        assert.strictEqual((yield* Effect.promise(() => call(port, "GET", "/api/dl/not-cached", { "x-api-key": KEY }))).status, 404)
      }
      const reads = exchangeSeen.filter((headers) => headers["x-cmdletname"] === "Get-DistributionGroup").length
      assert.strictEqual(reads, 3, "each lookup asked Exchange")
    }).pipe(Effect.scoped))
})

describe("main.ts: instances sharing a Redis", () => {
  it.live("a list created through one (its own cache off) is found through another that had answered 404 from its cache", () =>
    Effect.gen(function*() {
      const sandbox = yield* Layer.build(Sandbox.layerWith(Sandbox.layerServicesTest()))
      const info = Context.get(sandbox, Sandbox.Sandbox)
      target = info.baseUrl
      const key = KEY
      const start = Effect.fnUntraced(function*(ttlSeconds: string) {
        const port = yield* Effect.promise(freePort)
        yield* launch(deployedEnv(info, port, {
          EXCHANGE_BASE_URL: info.baseUrl,
          NOT_FOUND_CACHE_TTL_S: ttlSeconds,
          LIST_LOCK_REDIS_URL: redisUrl
        }))
        yield* ready(port)
        return port
      })
      // A does not cache: it still tells B of its changes
      const a = yield* start("0")
      const b = yield* start("600")
      const name = `shared-${Date.now()}`
      const get = (port: number) => Effect.promise(() => call(port, "GET", `/api/dl/${name}`, { "x-api-key": key }))
      assert.strictEqual((yield* get(b)).status, 404)
      // B answers the next lookups from its cache (its first read of the counter may take a moment)
      const exchangeCalls = Effect.map(Context.get(sandbox, SandboxStats).snapshot, (s) => s.surfaces.exchange.total)
      const before = yield* exchangeCalls
      const cached = yield* Effect.promise(async () => {
        for (let i = 0; i < 100; i++) {
          if ((await call(b, "GET", `/api/dl/${name}`, { "x-api-key": key })).status !== 404) return false
        }
        return true
      })
      assert.isTrue(cached)
      assert.isBelow((yield* exchangeCalls) - before, 50, "most of them without asking Exchange")
      const created = yield* Effect.promise(() =>
        call(a, "POST", "/api/dl", { "x-api-key": key }, { name, ownerEmails: ["adele.vance@contoso.example"] })
      )
      assert.strictEqual(created.status, 201, created.body)
      // B reads the count every 100 ms: found within a few reads, long before the cache's 600 s
      const found = yield* Effect.promise(async () => {
        const until = Date.now() + 3_000
        while (Date.now() < until) {
          if ((await call(b, "GET", `/api/dl/${name}`, { "x-api-key": key })).status === 200) return true
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        return false
      })
      assert.isTrue(found)
      yield* Effect.promise(() => call(a, "DELETE", `/api/dl/${name}`, { "x-api-key": key }))
    }).pipe(Effect.scoped))
})

describe("main.ts: request targets", () => {
  it.live("are routed as the client wrote them: an absolute-form target is not tidied, a raw '#' in the path is a 400", () =>
    Effect.gen(function*() {
      const sandbox = yield* Layer.build(Sandbox.layerWith(Sandbox.layerServicesTest()))
      const info = Context.get(sandbox, Sandbox.Sandbox)
      target = info.baseUrl
      const port = yield* Effect.promise(freePort)
      yield* launch(deployedEnv(info, port))
      yield* ready(port)
      const send = (method: string, path: string, body?: unknown) =>
        Effect.promise(() => call(port, method, path, { "x-api-key": KEY }, body))
      const members = { memberEmails: ["lee.gu@contoso.example"] }
      const created = yield* send("POST", "/api/dl", { name: "keep-me", ownerEmails: ["adele.vance@contoso.example"], ...members })
      assert.strictEqual(created.status, 201, created.body)
      // Node's parser keeps these as written; Effect's server resolved them with new URL (`..` gone, `\` a `/`)
      assert.strictEqual((yield* send("DELETE", "http://a/api/dl/other/%2e%2e/keep-me")).status, 404)
      assert.strictEqual((yield* send("DELETE", "http://a/api/dl/keep-me\\members", members)).status, 404)
      // the router cut the path at '#': this was the deletion of keep-me
      assert.strictEqual((yield* send("DELETE", "/api/dl/keep-me#/members", members)).status, 400)
      const read = yield* send("GET", "http://a/api/dl/keep-me") // an absolute-form target that names it
      assert.strictEqual(read.status, 200, read.body)
      assert.include(JSON.parse(read.body).members, "lee.gu@contoso.example")
      // a fragment after the query is dropped, as gunicorn drops it
      assert.strictEqual((yield* send("GET", "/api/dl/keep-me?x=1#frag")).status, 200)
      // an authority that does not parse names nothing (gunicorn: 400), although the path after it would
      assert.strictEqual((yield* send("GET", "http://[/api/dl/keep-me")).status, 400)
      assert.strictEqual((yield* send("GET", "http://a:99999/api/dl/keep-me")).status, 400)
      // OPTIONS as Flask answers it: 200, an empty body of a declared length
      const options = yield* send("OPTIONS", "/api/dl/keep-me")
      const head = Object.fromEntries(stable(options.raw).map((line) => line.split(": ") as [string, string]))
      assert.deepStrictEqual([options.status, options.body, head["content-length"], head["transfer-encoding"]], [200, "", "0", undefined])
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
