import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { CurrentNotFoundCache, NotFoundCache } from "../../../src/adapters/http/NotFoundCache.ts"
import { DistributionListExists, DistributionListNotFound } from "../../../src/domain/Errors.ts"
import { requestIdOf } from "../../../src/adapters/http/Middleware.ts"
import { app, details } from "./support.ts"
import { eventually } from "../../support/Eventually.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const service = {
  get: (dlId: string) => Effect.as(Effect.logInfo(`Looking up ${dlId}`), { ...details, dlId })
}

const cors = { CORS_ORIGINS: "https://portal.contoso.example, https://hr.contoso.example/" }

describe("request id", () => {
  it("keeps a sane caller id and replaces anything else with a UUID", () => {
    assert.strictEqual(requestIdOf("abc-123"), "abc-123")
    assert.strictEqual(requestIdOf(" trimmed "), "trimmed")
    assert.strictEqual(requestIdOf("x".repeat(200)), "x".repeat(200))
    assert.match(requestIdOf("x".repeat(201)), UUID)
    assert.match(requestIdOf("caf\u00e9"), UUID)
    assert.match(requestIdOf("a\tb"), UUID)
    assert.strictEqual(requestIdOf("0HN8:00000002/v1+a=b_c.d"), "0HN8:00000002/v1+a=b_c.d")
    // spaces and brackets could close the `[<id>]` field of a log line and fake the rest of it
    assert.match(requestIdOf("abc] - CRITICAL - [x"), UUID)
    assert.match(requestIdOf("a b"), UUID)
    assert.match(requestIdOf(""), UUID)
    assert.match(requestIdOf(undefined), UUID)
  })

  it.effect("echoes the caller's X-Request-ID and puts it on every log line of the request", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app(service)
      const res = yield* request("GET", "/api/dl/a?x=1", { headers: { "X-Request-ID": "trace-42" } })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers.get("x-request-id"), "trace-42")
      assert.isAbove(logs.length, 1)
      for (const line of logs) assert.strictEqual(line.annotations.requestId, "trace-42")
    }).pipe(Effect.scoped))

  it.effect("generates an id when there is none or it is not sane, also for errors, 404s and OPTIONS", () =>
    Effect.gen(function*() {
      const { request } = yield* app(service)
      const answers = [
        yield* request("GET", "/api/dl/a"),
        yield* request("GET", "/api/dl/a", { headers: { "x-request-id": "y".repeat(201) } }),
        yield* request("POST", "/api/dl", { body: {} }),
        yield* request("GET", "/nowhere"),
        yield* request("OPTIONS", "/api/dl")
      ]
      assert.deepStrictEqual(answers.map((res) => res.status), [200, 200, 422, 404, 200])
      const ids = answers.map((res) => res.headers.get("x-request-id") ?? "")
      for (const id of ids) assert.match(id, UUID)
      assert.strictEqual(new Set(ids).size, ids.length)
    }).pipe(Effect.scoped))

  it.effect("writes one access-log line per request with method, path, status and duration, without bodies", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app(service)
      yield* request("POST", "/api/dl", { body: { secretish: "do-not-log-me" }, headers: { "x-request-id": "r1" } })
      const access = logs.filter((line) => line.annotations.status !== undefined)
      assert.strictEqual(access.length, 1)
      const { durationMs, method, path, status } = access[0]!.annotations
      assert.deepStrictEqual({ method, path, status }, { method: "POST", path: "/api/dl", status: 422 })
      assert.isNumber(durationMs)
      assert.notInclude(JSON.stringify(logs), "do-not-log-me")
    }).pipe(Effect.scoped))
})

describe("access log of a caller gone", () => {
  it.live("a request whose caller went away still gets its access-log line, with status 499 and its request id", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const { logs, request } = yield* app({
        get: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      })
      const abort = new AbortController()
      const call = yield* Effect.forkChild(
        Effect.exit(request("GET", "/api/dl/slow-team", { headers: { "x-request-id": "gone-1" }, signal: abort.signal }))
      )
      yield* Deferred.await(started)
      abort.abort()
      yield* Fiber.await(call)
      const line = yield* eventually(() => logs.find((l) => l.message === "HTTP request" || (Array.isArray(l.message) && l.message[0] === "HTTP request")))
      const { method, path, requestId, status } = line.annotations
      assert.deepStrictEqual({ method, path, requestId, status }, { method: "GET", path: "/api/dl/slow-team", requestId: "gone-1", status: 499 })
    }).pipe(Effect.scoped))
})

describe("access log of a request the server cut", () => {
  it.effect("an interruption that is not the caller's (a shutdown) is logged with the 503 the server answers", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app({ get: () => Effect.interrupt })
      const reply = yield* request("GET", "/api/dl/cut-team", { headers: { "x-request-id": "cut-1" } })
      assert.strictEqual(reply.status, 503)
      const access = logs.filter((l) => l.annotations.status !== undefined).map((l) => [l.annotations.requestId, l.annotations.status])
      assert.deepStrictEqual(access, [["cut-1", 503]])
    }).pipe(Effect.scoped))
})

describe("CORS", () => {
  it.effect("allows only the origins in CORS_ORIGINS", () =>
    Effect.gen(function*() {
      const { request } = yield* app(service, cors)
      const allowed = yield* request("GET", "/api/dl/a", { headers: { origin: "https://hr.contoso.example" } })
      assert.strictEqual(allowed.headers.get("access-control-allow-origin"), "https://hr.contoso.example")
      assert.deepStrictEqual(
        (allowed.headers.get("access-control-expose-headers") ?? "").split(", "),
        ["X-Request-ID", "Retry-After", "WWW-Authenticate"]
      )
      const refused = yield* request("GET", "/api/dl/a", { headers: { origin: "https://evil.example" } })
      assert.strictEqual(refused.status, 200)
      assert.isNull(refused.headers.get("access-control-allow-origin"))
    }).pipe(Effect.scoped))

  it.effect("allows no origin by default", () =>
    Effect.gen(function*() {
      const { request } = yield* app(service)
      const res = yield* request("GET", "/api/dl/a", { headers: { origin: "https://portal.contoso.example" } })
      assert.isNull(res.headers.get("access-control-allow-origin"))
    }).pipe(Effect.scoped))

  it.effect("answers a preflight from an allowed origin with the methods and headers", () =>
    Effect.gen(function*() {
      const { request } = yield* app(service, cors)
      const preflight = {
        origin: "https://portal.contoso.example",
        "access-control-request-method": "DELETE",
        "access-control-request-headers": "content-type, x-anchormailbox"
      }
      const allowed = yield* request("OPTIONS", "/api/dl/a/members", { headers: preflight })
      assert.strictEqual(allowed.status, 200)
      assert.strictEqual(allowed.headers.get("access-control-allow-origin"), "https://portal.contoso.example")
      assert.strictEqual(allowed.headers.get("access-control-allow-methods"), "POST, DELETE")
      const headers = (allowed.headers.get("access-control-allow-headers") ?? "").toLowerCase()
      for (const header of ["content-type", "x-request-id", "x-anchormailbox", "authorization", "x-api-key"]) {
        assert.include(headers, header)
      }
      assert.isNotNull(allowed.headers.get("x-request-id"))
      const refused = yield* request("OPTIONS", "/api/dl/a/members", {
        headers: { ...preflight, origin: "https://evil.example" }
      })
      assert.isNull(refused.headers.get("access-control-allow-origin"))
      assert.isNull(refused.headers.get("access-control-allow-methods"))
    }).pipe(Effect.scoped))
})

describe("not-found cache", () => {
  const key = { "x-api-key": "any-key-0123456789" }
  const missing = {
    get: (dlId: string) => Effect.fail(new DistributionListNotFound({ dlId })),
    create: () => Effect.fail(new DistributionListExists({ alias: "a", detail: "exists" }))
  }

  it.effect("keeps a lookup's 404 as it is written: security headers, its request id's place, the body", () =>
    Effect.gen(function*() {
      const cache = new NotFoundCache({ ttlMillis: 60_000 })
      const { request } = yield* app(missing, {}, Layer.succeed(CurrentNotFoundCache, cache))
      const res = yield* request("GET", "/api/dl/Gone%20List", { headers: { ...key, "x-request-id": "first" } })
      assert.strictEqual(res.status, 404)
      const kept = cache.answerFor("/api/dl/Gone%20List", Date.now())
      assert.isDefined(kept)
      assert.strictEqual(kept!.body, res.text)
      const headers = new Map<string, string>()
      for (let i = 0; i < kept!.headers.length; i += 2) headers.set(kept!.headers[i]!, kept!.headers[i + 1]!)
      assert.strictEqual(kept!.headers[kept!.requestIdAt - 1], "x-request-id")
      assert.strictEqual(headers.get("x-request-id"), "")
      for (const [name, value] of res.headers) if (name !== "x-request-id") assert.strictEqual(headers.get(name), value, name)
      assert.strictEqual(headers.size, [...res.headers.keys()].length)
      assert.strictEqual(headers.get("content-security-policy"), res.headers.get("content-security-policy"))
      assert.isDefined(headers.get("x-content-type-options"))
    }).pipe(Effect.scoped))

  it.effect("keeps no other answer, and drops a kept one the pipeline answers otherwise", () =>
    Effect.gen(function*() {
      const cache = new NotFoundCache({ ttlMillis: 60_000 })
      let exists = false
      const flipping = {
        get: (dlId: string) => exists ? Effect.succeed({ ...details, dlId }) : missing.get(dlId)
      }
      const { request } = yield* app(flipping, cors, Layer.succeed(CurrentNotFoundCache, cache))
      yield* request("GET", "/api/dl/a", { headers: { ...key, origin: "https://portal.contoso.example" } })
      yield* request("GET", "/api/dl/a?membersPageSize=10", { headers: key })
      yield* request("GET", "/api/dl/a/members", { headers: key })
      yield* request("GET", "/api/dl/a", { headers: { authorization: "Bearer x" } })
      assert.strictEqual(cache.size, 0)
      yield* request("GET", "/api/dl/a", { headers: key })
      assert.strictEqual(cache.size, 1)
      // the list appeared (made elsewhere) and the pipeline answered a lookup: the kept 404 goes
      exists = true
      assert.strictEqual((yield* request("GET", "/api/dl/a", { headers: key })).status, 200)
      assert.strictEqual(cache.size, 0)
    }).pipe(Effect.scoped))

})
