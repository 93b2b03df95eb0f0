/** The composed sandbox: every face on one loopback port, started in-process as the service's main does. */
import { assert, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Server from "../../src/sandbox/Server.ts"

const status = (url: string, init?: RequestInit) => Effect.promise(() => fetch(url, init).then((r) => r.status))

it.live("start: an ephemeral loopback port serving identity, Graph, Exchange and control by path", () =>
  Effect.gen(function*() {
    const sandbox = yield* Server.start
    assert.match(sandbox.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.notStrictEqual(sandbox.baseUrl, "http://127.0.0.1:8081")
    assert.isAbove(Redacted.value(sandbox.clientSecret).length, 10)
    assert.match(sandbox.certificate.thumbprintSha256, /^[0-9A-F]{64}$/)
    assert.strictEqual(yield* status(`${sandbox.baseUrl}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`), 200)
    assert.strictEqual(yield* status(`${sandbox.baseUrl}/v1.0/users`), 401)
    assert.strictEqual(
      yield* status(`${sandbox.baseUrl}/adminapi/beta/${sandbox.tenantId}/InvokeCommand`, { method: "POST", body: "{}" }),
      401
    )
    assert.strictEqual(yield* status(`${sandbox.baseUrl}/_sandbox/stats`), 200)
  }).pipe(Effect.scoped))

it.live("start: its fetch answers URLs under the base URL in memory, from the same tenant as the port", () =>
  Effect.gen(function*() {
    const sandbox = yield* Server.start
    const viaPort = yield* Effect.promise(() => fetch(`${sandbox.baseUrl}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`).then((r) => r.text()))
    const original = globalThis.fetch
    const inMemory = yield* Effect.promise(async () => {
      // any socket would go through the global fetch: make it fail, so only an in-memory answer passes
      globalThis.fetch = () => Promise.reject(new Error("the socket path was taken"))
      try {
        const token = await sandbox.fetch(`${sandbox.baseUrl}/v1.0/users`, { headers: { authorization: "Bearer x" } })
        const users = await sandbox.fetch(new URL(`${sandbox.baseUrl}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`))
        const elsewhere = await sandbox.fetch("http://127.0.0.1:9/").then(() => "answered", (e: Error) => e.message)
        return { unauthorized: token.status, body: await users.text(), elsewhere }
      } finally {
        globalThis.fetch = original
      }
    })
    assert.strictEqual(inMemory.unauthorized, 401)
    assert.include(viaPort, sandbox.tenantId)
    assert.strictEqual(inMemory.body, viaPort)
    assert.strictEqual(inMemory.elsewhere, "the socket path was taken")
  }).pipe(Effect.scoped))

it.live("start: its fetch rejects like fetch when the request is aborted, before or while it is answered", () =>
  Effect.gen(function*() {
    const sandbox = yield* Server.start
    const url = `${sandbox.baseUrl}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`
    const before = yield* Effect.promise(() =>
      sandbox.fetch(url, { signal: AbortSignal.abort() }).then(() => "answered", (e: Error) => e.name)
    )
    const controller = new AbortController()
    const during = sandbox.fetch(url, { signal: controller.signal }).then(() => "answered", (e: Error) => e.name)
    controller.abort()
    assert.deepStrictEqual([before, yield* Effect.promise(() => during)], ["AbortError", "AbortError"])
  }).pipe(Effect.scoped))
