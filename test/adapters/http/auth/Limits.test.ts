import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { maxBodyBytes, pagePolicy } from "../../../../src/adapters/http/auth/Hygiene.ts"
import { appToken, makeKey, userToken } from "./FakeTenant.ts"
import { adminKey, bearer, key, makeApp, readerKey, remoteAddressHeader, writerKey } from "./Harness.ts"

describe("Rate limit per caller", () => {
  it.effect("answers 429 with Retry-After once a caller exceeds RATE_LIMIT_PER_MINUTE, others unaffected", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "3" })
      const get = (value: string) => request("GET", "/api/dl/bobs-team", { headers: key(value) })
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* get(readerKey)).status, 200)
      const limited = yield* get(readerKey)
      assert.strictEqual(limited.status, 429)
      assert.deepStrictEqual(limited.json, {
        error: "Too Many Requests",
        details: "More than 3 requests per minute; retry after 60 s."
      })
      assert.strictEqual(limited.headers.get("retry-after"), "60")
      assert.strictEqual((yield* get(writerKey)).status, 200)
      yield* TestClock.adjust("20 seconds")
      const later = yield* get(readerKey)
      assert.strictEqual(later.status, 429)
      assert.strictEqual(later.headers.get("retry-after"), "40")
      yield* TestClock.adjust("40 seconds")
      assert.strictEqual((yield* get(readerKey)).status, 200)
    }))

  it.effect("a user is counted by object id: a token with another of their names spends the same budget", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { request } = yield* makeApp([signing], { RATE_LIMIT_PER_MINUTE: "2" })
      const as = (upn: string, oid: string) =>
        Effect.flatMap(userToken(signing, upn, { claims: { scp: "DL.ReadWrite", upn, oid } }), (token) =>
          request("GET", "/api/dl/janes-team", { headers: bearer(token) }))
      assert.strictEqual((yield* as("jane@contoso.example", "id-jane")).status, 200)
      assert.strictEqual((yield* as("jane.doe@fabrikam.example", "id-jane")).status, 200)
      assert.strictEqual((yield* as("jane.d@contoso.example", "id-jane")).status, 429)
      assert.strictEqual((yield* as("bob@contoso.example", "id-bob")).status, 200, "bob (an owner too) has his own budget")
    }))

  it.effect("RATE_LIMIT_PER_MINUTE=0 turns the limit off", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "0" })
      for (let i = 0; i < 20; i++) {
        assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", { headers: key(readerKey) })).status, 200)
      }
    }))
})

describe("Rate limit of failed authentications per client address", () => {
  const from = (address: string, headers: Record<string, string> = {}) => ({
    headers: { [remoteAddressHeader]: address, ...headers }
  })

  it.effect("an expired (but authentic) token is a 401 that spends no failure budget: behind a proxy it stays the cue to refresh", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { request } = yield* makeApp([signing], { RATE_LIMIT_PER_MINUTE: "2" })
      const proxy = "10.0.0.1"
      const expired = bearer(yield* appToken(signing, ["DL.Read.All"], { expiresIn: -600 }))
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((yield* request("GET", "/api/dl/bobs-team", from(proxy, expired))).status)
      assert.deepStrictEqual(statuses, [401, 401, 401, 401])
      // an expired token that is not authentic (unknown signing key) is a guess like any other
      const stranger = yield* makeKey("not-the-tenants")
      const forged = bearer(yield* appToken(stranger, ["DL.Admin"], { expiresIn: -600 }))
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("10.9.9.9", forged))).status, 401)
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("10.9.9.9", forged))).status, 401)
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("10.9.9.9", forged))).status, 429)
      // guesses from the same address still count
      const guesses = []
      for (let i = 0; i < 3; i++) guesses.push((yield* request("GET", "/api/dl/bobs-team", from(proxy, key("wrong-key-0123456789abcdef")))).status)
      assert.deepStrictEqual(guesses, [401, 401, 429])
    }))

  it.effect("an IPv6 host's failures count by its /64: rotating addresses inside it buys no fresh budget", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "2" })
      const statuses = []
      for (const address of ["2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:aaaa::3", "2001:db8:7:1::4"]) {
        statuses.push((yield* request("GET", "/api/dl/bobs-team", from(address, key("wrong-key-0123456789abcdef")))).status)
      }
      assert.deepStrictEqual(statuses, [401, 401, 429, 429])
      // the next /64 is someone else
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("2001:db8:7:2::1", key("nope")))).status, 401)
    }))

  it.effect("past RATE_LIMIT_PER_MINUTE failures an address gets 429 + Retry-After instead of 401, until the window ends", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const stranger = yield* makeKey("not-the-tenants")
      const { request } = yield* makeApp([signing], { RATE_LIMIT_PER_MINUTE: "3" })
      const attacker = "203.0.113.7"
      const failures = [
        from(attacker, key("wrong-key-0123456789abcdef")),
        from(attacker, bearer(yield* appToken(stranger, ["DL.Admin"]))),
        from(attacker)
      ]
      for (const init of failures) assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", init)).status, 401)
      for (const init of failures) {
        const limited = yield* request("GET", "/api/dl/bobs-team", init)
        assert.strictEqual(limited.status, 429)
        assert.deepStrictEqual(limited.json, {
          error: "Too Many Requests",
          details: "Too many failed authentications from this address; retry after 60 s."
        })
        assert.strictEqual(limited.headers.get("retry-after"), "60")
        assert.isNull(limited.headers.get("www-authenticate"))
      }
      // Another address still gets its 401s.
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("198.51.100.9", key("nope")))).status, 401)
      yield* TestClock.adjust("45 seconds")
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", failures[0])).headers.get("retry-after"), "15")
      yield* TestClock.adjust("15 seconds")
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", failures[0])).status, 401)
    }))

  it.effect("callers that authenticate are limited by identity only, even from an address over its failure budget", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { request } = yield* makeApp([signing], { RATE_LIMIT_PER_MINUTE: "2" })
      const shared = "192.0.2.10"
      for (let i = 0; i < 3; i++) yield* request("GET", "/api/dl/bobs-team", from(shared, key("bad")))
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from(shared, key("bad")))).status, 429)
      const token = bearer(yield* appToken(signing, ["DL.Read.All"]))
      for (const headers of [key(readerKey), key(readerKey), token, token]) {
        assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from(shared, headers))).status, 200)
      }
      // Their own identity budget (2 a minute) still applies, with its own message.
      const own = yield* request("GET", "/api/dl/bobs-team", from(shared, key(readerKey)))
      assert.strictEqual(own.status, 429)
      assert.match(own.json.details, /^More than 2 requests per minute/)
    }))

  it.effect("RATE_LIMIT_PER_MINUTE=0 turns it off too", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "0" })
      for (let i = 0; i < 20; i++) {
        assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", from("203.0.113.7", key("bad")))).status, 401)
      }
    }))
})

describe("Request size limits", () => {
  const big = JSON.stringify({ memberEmails: ["a@contoso.example"], pad: "x".repeat(maxBodyBytes) })

  it.effect("a declared body above 1 MiB is a 413 in the standard body", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      const reply = yield* request("POST", "/api/dl/bobs-team/members", {
        body: big,
        headers: { "content-type": "application/json", ...key(adminKey) }
      })
      assert.strictEqual(reply.status, 413)
      assert.strictEqual(reply.json.error, "Payload Too Large")
      assert.strictEqual(reply.json.details, "Request bodies are limited to 1048576 bytes (1 MiB).")
    }))

  it.effect("an undeclared (chunked) body is cut off at 1 MiB while it is read", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      let sent = 0
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          // An endless body: only the limit can end the request.
          sent += chunk.length
          controller.enqueue(chunk)
        }
      })
      const reply = yield* request("POST", "/api/dl/bobs-team/members", {
        body: stream,
        headers: { "content-type": "application/json", ...key(adminKey) }
      })
      assert.strictEqual(reply.status, 413)
      assert.strictEqual(reply.json.error, "Payload Too Large")
      // the same answer as for a declared length
      assert.strictEqual(reply.json.details, "Request bodies are limited to 1048576 bytes (1 MiB).")
      assert.isBelow(sent, 4 * maxBodyBytes)
    }))

  it.effect("a body just under the limit is read", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      const body = JSON.stringify({ memberEmails: ["a@contoso.example"], pad: "x".repeat(maxBodyBytes - 100) })
      const reply = yield* request("POST", "/api/dl/bobs-team/members", {
        body,
        headers: { "content-type": "application/json", ...key(adminKey) }
      })
      assert.strictEqual(reply.status, 200)
    }))

  it.effect("more than 10,000 addresses in one list is a 422", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      const memberEmails = Array.from({ length: 10_001 }, (_, i) => `u${i}@contoso.example`)
      const reply = yield* request("POST", "/api/dl/bobs-team/members", { body: { memberEmails }, headers: key(adminKey) })
      assert.strictEqual(reply.status, 422)
      assert.strictEqual(reply.json.error, "Validation Error")
    }))
})

describe("Security headers", () => {
  it.effect("every response: nosniff, no-store, a deny-all CSP, framing refused", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      const replies = [
        yield* request("GET", "/api/dl/bobs-team", { headers: key(readerKey) }),
        yield* request("GET", "/api/dl/bobs-team"),
        yield* request("DELETE", "/api/dl/bobs-team", { headers: key(readerKey) }),
        yield* request("GET", "/no/such/route"),
        yield* request("GET", "/healthz"),
        yield* request("GET", "/openapi.json")
      ]
      for (const reply of replies) {
        assert.strictEqual(reply.headers.get("x-content-type-options"), "nosniff", String(reply.status))
        assert.strictEqual(reply.headers.get("cache-control"), "no-store")
        assert.strictEqual(reply.headers.get("x-frame-options"), "DENY")
        assert.strictEqual(reply.headers.get("referrer-policy"), "no-referrer")
        assert.match(reply.headers.get("content-security-policy") ?? "", /^default-src 'none'; frame-ancestors 'none'/)
      }
    }))

  it("the docs page policy allows exactly its own inline scripts, by hash", () => {
    const html = `<html><head></head><body><script>window.a = 1</script><script>start()</script></body></html>`
    const policy = pagePolicy(html)
    const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`
    assert.include(policy, `script-src ${hash("window.a = 1")} ${hash("start()")};`)
    assert.strictEqual(policy.match(/'sha256-[A-Za-z0-9+/=]+'/g)?.length, 2)
    assert.notInclude(policy, "unsafe-inline' 'sha")
    assert.notInclude(policy.split("; ").find((d) => d.startsWith("script-src")) ?? "", "unsafe")
    assert.include(policy, "default-src 'none'")
    assert.include(policy, "frame-ancestors 'none'")
    const cdn = pagePolicy(`<script src="https://cdn.jsdelivr.net/npm/x.js" crossorigin></script>`)
    assert.include(cdn, "script-src https://cdn.jsdelivr.net")
  })

  it.effect("the real docs page gets a hash-based CSP that matches its scripts", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { DOCS_ENABLED: "true" })
      const page = yield* request("GET", "/docs")
      assert.strictEqual(page.status, 200)
      const policy = page.headers.get("content-security-policy") ?? ""
      assert.strictEqual(policy, pagePolicy(page.text))
      const scripts = [...page.text.matchAll(/<script>/g)].length
      assert.isAbove(scripts, 0)
      assert.strictEqual(policy.match(/'sha256-/g)?.length, scripts)
      assert.strictEqual(page.headers.get("x-content-type-options"), "nosniff")
    }), 20_000)
})
