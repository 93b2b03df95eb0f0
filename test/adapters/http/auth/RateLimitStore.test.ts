import { afterAll, assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Option, Redacted, Result } from "effect"
import { TestClock } from "effect/testing"
import * as RateLimitStore from "../../../../src/adapters/http/auth/RateLimitStore.ts"
import * as RedisUrl from "../../../../src/adapters/redis/RedisUrl.ts"
import { key, type LogLine, makeApp, readerKey, remoteAddressHeader, writerKey } from "./Harness.ts"
import {
  closedPort,
  ioTurn,
  keysUnder,
  redisUrl,
  removeKeys,
  runPrefix,
  startHungRedis,
  startRelay,
  testPrefix
} from "./RedisFixtures.ts"

afterAll(() => removeKeys(runPrefix))

type Request = Effect.Success<ReturnType<typeof makeApp>>["request"]

const get = (request: Request, value: string, address = "192.0.2.1") =>
  request("GET", "/api/dl/bobs-team", { headers: { ...key(value), [remoteAddressHeader]: address } })

const statuses = (request: Request, value: string, times: number, address?: string) =>
  Effect.gen(function*() {
    const out: Array<number> = []
    for (let i = 0; i < times; i++) out.push((yield* get(request, value, address)).status)
    return out
  })

const messageOf = (line: LogLine) => Array.isArray(line.message) ? line.message.join(" ") : String(line.message)

const letThrough = (logs: ReadonlyArray<LogLine>) =>
  logs.filter((line) => messageOf(line) === "Rate limiter unavailable; request let through")

describe("RATE_LIMIT_REDIS_URL", () => {
  it("parses host, port, TLS, database and credentials; the logged form has no credentials", () => {
    const target = Result.getOrThrow(RedisUrl.parseRedisUrl("rediss://ops:p%40ss@redis.internal:6380/2"))
    assert.deepStrictEqual({ ...target, password: target.password && Redacted.value(target.password) }, {
      host: "redis.internal",
      port: 6380,
      tls: true,
      database: 2,
      username: "ops",
      password: "p@ss",
      display: "rediss://redis.internal:6380/2"
    })
    const plain = Result.getOrThrow(RedisUrl.parseRedisUrl("redis://127.0.0.1"))
    assert.deepStrictEqual([plain.port, plain.database, plain.tls, plain.username, plain.password], [6379, 0, false, undefined, undefined])
    assert.strictEqual(Result.getOrThrow(RedisUrl.parseRedisUrl("redis://[::1]:7000/")).host, "::1")
  })

  it.each([
    ["not a url at all", "not a URL"],
    ["http://user:hunter2-secret@redis:6379", "unsupported scheme"],
    ["redis://:hunter2-secret@/0", "not a URL"],
    ["redis:///0", "no host"],
    ["redis://:hunter2-secret@redis:6379/zero", "database number"],
    ["redis://:hunter2-secret@redis:6379/0?tls=true", "query"],
    ["redis://:hunter2-secret%zz@redis:6379/0", "percent-encoding"],
    ["redis://:hunter2-secret@redis:99999/0", "not a URL"]
  ])("refuses %s (%s) without repeating the value", (value, expected) => {
    const result = RedisUrl.parseRedisUrl(value)
    assert.isTrue(Result.isFailure(result))
    const message = Result.isFailure(result) ? result.failure : ""
    assert.include(message, expected)
    assert.notInclude(message, "hunter2")
    assert.notInclude(message, value)
  })

  it.effect("an invalid value stops start-up naming the variable, never the password", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(RateLimitStore.layerConfig()).pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({
            RATE_LIMIT_REDIS_URL: "redis://default:hunter2-secret@redis:6379/db"
          })))
        )
      )
      assert.include(error.message, "RATE_LIMIT_REDIS_URL")
      assert.include(error.message, "database number")
      assert.notInclude(String(error), "hunter2")
      assert.notInclude(JSON.stringify(error), "hunter2")
    }))

  it.effect("empty or unset means the in-memory store", () =>
    Effect.gen(function*() {
      for (const env of [{}, { RATE_LIMIT_REDIS_URL: "" }, { RATE_LIMIT_REDIS_URL: "  " }]) {
        const value = yield* RateLimitStore.redisUrlConfig.pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
        )
        assert.isTrue(Option.isNone(value))
      }
    }))
})

describe("Rate limit store: memory (no RATE_LIMIT_REDIS_URL)", () => {
  it.effect("each instance counts on its own, as before", () =>
    Effect.gen(function*() {
      const env = { RATE_LIMIT_PER_MINUTE: "3" }
      const a = yield* makeApp([], env)
      const b = yield* makeApp([], env)
      assert.deepStrictEqual(yield* statuses(a.request, readerKey, 4), [200, 200, 200, 429])
      assert.deepStrictEqual(yield* statuses(b.request, readerKey, 4), [200, 200, 200, 429])
    }))
})

describe("Rate limit store: Redis", () => {
  it.effect("two instances share one budget per caller and one per address, under the key prefix", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const env = { RATE_LIMIT_PER_MINUTE: "3", RATE_LIMIT_REDIS_URL: redisUrl }
      const a = yield* makeApp([], env, { prefix })
      const b = yield* makeApp([], env, { prefix })
      assert.deepStrictEqual(yield* statuses(a.request, readerKey, 2), [200, 200])
      assert.deepStrictEqual(yield* statuses(b.request, readerKey, 1), [200])
      const limited = yield* get(b.request, readerKey)
      assert.strictEqual(limited.status, 429)
      const retryAfter = Number(limited.headers.get("retry-after"))
      assert.isTrue(retryAfter >= 1 && retryAfter <= 60, String(retryAfter))
      assert.match(limited.json.details, /^More than 3 requests per minute; retry after \d+ s\.$/)
      assert.strictEqual((yield* get(a.request, readerKey)).status, 429)
      // Another caller has its own budget.
      assert.deepStrictEqual(yield* statuses(a.request, writerKey, 1), [200])

      // Failed authentications from one address, spread over both instances.
      const attacker = "203.0.113.9"
      assert.deepStrictEqual(yield* statuses(a.request, "wrong-key-0123456789", 2, attacker), [401, 401])
      assert.deepStrictEqual(yield* statuses(b.request, "wrong-key-0123456789", 2, attacker), [401, 429])
      assert.deepStrictEqual(yield* statuses(a.request, "wrong-key-0123456789", 1, attacker), [429])

      assert.deepStrictEqual(yield* keysUnder(prefix), [
        `${prefix}apiKey:reader-bot`,
        `${prefix}apiKey:writer-bot`,
        `${prefix}auth-failure:${attacker}`
      ])
      assert.deepStrictEqual(letThrough([...a.logs, ...b.logs]), [])
    }))

  it.effect("instances with different prefixes do not share", () =>
    Effect.gen(function*() {
      const env = { RATE_LIMIT_PER_MINUTE: "2", RATE_LIMIT_REDIS_URL: redisUrl }
      const a = yield* makeApp([], env, { prefix: testPrefix() })
      const b = yield* makeApp([], env, { prefix: testPrefix() })
      assert.deepStrictEqual(yield* statuses(a.request, readerKey, 3), [200, 200, 429])
      assert.deepStrictEqual(yield* statuses(b.request, readerKey, 3), [200, 200, 429])
    }))
})

describe("Rate limit store: Redis unavailable fails open", () => {
  it.effect("unreachable at start-up: start-up goes on, every request is served with one warning line", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { logs, request } = yield* makeApp([], {
        RATE_LIMIT_PER_MINUTE: "2",
        RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${port}/0`
      }, { prefix: testPrefix() })
      const startup = logs.filter((line) =>
        messageOf(line) === "Rate limiter: Redis unreachable; requests are let through until it answers"
      )
      assert.strictEqual(startup.length, 1)
      assert.strictEqual(startup[0]?.level, "Warn")
      assert.strictEqual(startup[0]?.annotations["redis"], `redis://127.0.0.1:${port}/0`)
      assert.include(String(startup[0]?.annotations["reason"]), "ECONNREFUSED")

      assert.deepStrictEqual(yield* statuses(request, readerKey, 4), [200, 200, 200, 200])
      assert.deepStrictEqual(yield* statuses(request, "wrong-key-0123456789", 4, "203.0.113.9"), [401, 401, 401, 401])
      const warnings = letThrough(logs)
      assert.strictEqual(warnings.length, 8)
      for (const line of warnings) {
        assert.strictEqual(line.level, "Warn")
        assert.strictEqual(line.cause, "")
        assert.match(String(line.annotations["reason"]), /^Redis not connected \(.*ECONNREFUSED.*\)$/)
      }
    }))

  it.effect("unreachable at start-up, then up: the background retry connects and the limits apply", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { logs, request } = yield* makeApp([], {
        RATE_LIMIT_PER_MINUTE: "2",
        RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${port}/0`
      }, { prefix: testPrefix() })
      assert.deepStrictEqual(yield* statuses(request, readerKey, 3), [200, 200, 200])
      yield* startRelay(port)
      const connected = () => logs.some((line) => messageOf(line) === "Rate limiter: counters in Redis")
      // The first retry is due one second after the failed attempt.
      yield* TestClock.adjust("999 millis")
      for (let turn = 0; turn < 50; turn++) yield* ioTurn
      assert.isFalse(connected())
      yield* TestClock.adjust("1 millis")
      for (let turn = 0; turn < 10_000 && !connected(); turn++) yield* ioTurn
      assert.isTrue(connected())
      assert.deepStrictEqual(yield* statuses(request, readerKey, 3), [200, 200, 429])
    }))

  it.effect("gone at request time: requests are served (counted while it was up), with the warning", () =>
    Effect.gen(function*() {
      const relay = yield* startRelay()
      const { logs, request } = yield* makeApp([], {
        RATE_LIMIT_PER_MINUTE: "2",
        RATE_LIMIT_REDIS_URL: relay.url
      }, { prefix: testPrefix() })
      assert.deepStrictEqual(yield* statuses(request, readerKey, 3), [200, 200, 429])
      relay.cut()
      assert.deepStrictEqual(yield* statuses(request, readerKey, 3), [200, 200, 200])
      const warnings = letThrough(logs)
      assert.strictEqual(warnings.length, 3)
      // At once, not after the client's reconnect attempts: commands are not queued while it is down.
      for (const line of warnings) {
        assert.match(String(line.annotations["reason"]), /^Redis: (Socket closed unexpectedly|The client is offline)$/)
      }
    }))

  it.effect("hanging: a call that takes longer than the timeout lets the request through, and Redis is not asked for a while", () =>
    Effect.gen(function*() {
      const hung = yield* startHungRedis("script")
      const { logs, request } = yield* makeApp([], {
        RATE_LIMIT_PER_MINUTE: "2",
        RATE_LIMIT_REDIS_URL: hung.url
      }, { prefix: testPrefix(), timeout: "400 millis", socketTimeout: "60 seconds" })
      const fiber = yield* get(request, readerKey).pipe(Effect.forkChild)
      yield* Effect.promise(() => hung.stalled)
      yield* TestClock.adjust("399 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).status, 200)
      // For the next ten timeouts (4 s) Redis is not asked: requests do not wait at all.
      assert.deepStrictEqual(yield* statuses(request, readerKey, 3), [200, 200, 200])
      yield* TestClock.adjust("3999 millis")
      assert.deepStrictEqual(yield* statuses(request, readerKey, 1), [200])
      assert.deepStrictEqual(letThrough(logs).map((line) => line.annotations["reason"]), [
        "Redis did not answer within 400 ms",
        "Redis did not answer within 400 ms; not asked for 4 s",
        "Redis did not answer within 400 ms; not asked for 4 s",
        "Redis did not answer within 400 ms; not asked for 4 s",
        "Redis did not answer within 400 ms; not asked for 4 s"
      ])
      // Then it is asked again (and still hangs).
      yield* TestClock.adjust("1 millis")
      const asked = hung.nextUnanswered()
      const again = yield* get(request, readerKey).pipe(Effect.forkChild)
      yield* Effect.promise(() => asked)
      yield* TestClock.adjust("400 millis")
      assert.strictEqual((yield* Fiber.join(again)).status, 200)
      assert.strictEqual(letThrough(logs).at(-1)?.annotations["reason"], "Redis did not answer within 400 ms")
    }))
})

describe("Rate limit store: a server that never answers the handshake", () => {
  // The client's own socket timeout (real time, shortened here) ends the attempt: start-up goes on.
  it.effect("start-up goes on after the socket timeout and requests are let through", () =>
    Effect.gen(function*() {
      const hung = yield* startHungRedis("handshake")
      const { logs, request } = yield* makeApp([], {
        RATE_LIMIT_PER_MINUTE: "1",
        RATE_LIMIT_REDIS_URL: hung.url
      }, { prefix: testPrefix(), socketTimeout: "50 millis" })
      yield* Effect.promise(() => hung.stalled)
      const startup = logs.filter((line) =>
        messageOf(line) === "Rate limiter: Redis unreachable; requests are let through until it answers"
      )
      assert.deepStrictEqual(startup.map((line) => line.annotations["reason"]), [
        "Socket timeout timeout. Expecting data, but didn't receive any in 50ms."
      ])
      assert.deepStrictEqual(yield* statuses(request, readerKey, 2), [200, 200])
      assert.strictEqual(letThrough(logs).length, 2)
    }))
})
