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
