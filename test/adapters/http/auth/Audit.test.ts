import { afterAll, assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, Logger, References, Result } from "effect"
import { HttpEffect, HttpServerResponse } from "effect/http"
import { auditOnResponse } from "../../../../src/adapters/http/auth/Audit.ts"
import { RequestId } from "../../../../src/adapters/http/Middleware.ts"
import type { Caller } from "../../../../src/domain/Access.ts"
import * as RateLimitStore from "../../../../src/adapters/http/auth/RateLimitStore.ts"
import * as RedisUrl from "../../../../src/adapters/redis/RedisUrl.ts"
import { appToken, makeKey, userToken } from "./FakeTenant.ts"
import { adminKey, bearer, key, type LogLine, makeApp, readerKey, remoteAddressHeader, writerKey } from "./Harness.ts"
import { closedPort, redisUrl, removeKeys, runPrefix, testPrefix } from "./RedisFixtures.ts"
import { eventually } from "../../../support/Eventually.ts"

afterAll(() => removeKeys(runPrefix))

const auditLines = (logs: ReadonlyArray<LogLine>) =>
  logs.filter((line) => Array.isArray(line.message) && line.message[0] === "audit").map((line) => line.annotations)

describe("Audit lines", () => {
  it.effect("a rename's line names the list as the request did and its new alias; the response stays the seed's", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* makeApp([], {}, {}, {
        update: (dlId) => Effect.succeed({ message: `Distribution List '${dlId}' updated successfully.`, renamedTo: "sales-team" })
      })
      const reply = yield* request("PATCH", "/api/dl/janes-team", { body: { name: "Sales Team" }, headers: key(writerKey) })
      assert.deepStrictEqual(reply.json, { message: "Distribution List 'janes-team' updated successfully." })
      const [line] = auditLines(logs)
      assert.deepStrictEqual([line?.["dlId"], line?.["renamedTo"]], ["janes-team", "sales-team"])
    }))

  it.effect("one line per mutation: who, what, which list, request id, outcome", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* makeApp([])
      const headers = { ...key(writerKey), "x-request-id": "req-42" }
      yield* request("POST", "/api/dl/bobs-team/members", { body: { memberEmails: ["m@contoso.example"] }, headers })
      const [line, ...rest] = auditLines(logs)
      assert.deepStrictEqual(rest, [])
      assert.deepStrictEqual(
        { ...line, requestId: line?.["requestId"] },
        {
          audit: true,
          caller: "writer-bot",
          callerKind: "apiKey",
          action: "addMembers",
          dlId: "bobs-team",
          requestId: "req-42",
          status: 200
        }
      )
    }))

  it.effect("creates name the new list; denied mutations are audited with their status; reads are not", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* makeApp([])
      yield* request("GET", "/api/dl/bobs-team", { headers: key(readerKey) })
      yield* request("POST", "/api/dl", { body: { name: "Sales Team", ownerEmails: ["a@contoso.example"] }, headers: key(adminKey) })
      yield* request("DELETE", "/api/dl/bobs-team", { headers: key(writerKey) })
      const lines = auditLines(logs)
      assert.deepStrictEqual(lines.map((l) => [l["caller"], l["action"], l["dlId"], l["status"]]), [
        ["ops", "create", "sales-team", 201],
        ["writer-bot", "delete", "bobs-team", 403]
      ])
      for (const line of lines) assert.isString(line["requestId"])
    }))

  it.live("a create whose caller went away names the list it made and that it completed", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const { logs, request } = yield* makeApp([], {}, {}, {
        create: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Deferred.await(gate)),
            Effect.as({ dlId: "sales-team", primaryEmail: "sales-team@contoso.example", status: "created", failedMembers: [] })
          )
      })
      const abort = new AbortController()
      const call = yield* Effect.forkChild(Effect.exit(request("POST", "/api/dl", {
        body: { name: "Sales Team", ownerEmails: ["a@contoso.example"] },
        headers: key(adminKey),
        signal: abort.signal
      })))
      yield* Deferred.await(started)
      abort.abort()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(call)
      const line = yield* eventually(() => auditLines(logs)[0])
      assert.deepStrictEqual([line["action"], line["dlId"], line["status"], line["outcome"]], ["create", "sales-team", 499, "completed"])
    }))

  it.effect("token callers are named by app client id or user UPN", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { logs, request } = yield* makeApp([signing])
      yield* request("DELETE", "/api/dl/bobs-team", { headers: bearer(yield* appToken(signing, ["DL.Admin"])) })
      yield* request("PATCH", "/api/dl/janes-team", {
        body: { displayName: "J" },
        headers: bearer(yield* userToken(signing, "jane@contoso.example"))
      })
      assert.deepStrictEqual(auditLines(logs).map((l) => [l["callerKind"], l["caller"], l["callerId"], l["action"], l["status"]]), [
        ["app", "11111111-2222-3333-4444-555555555555", undefined, "delete", 200],
        ["user", "jane@contoso.example", "id-jane", "update", 200]
      ])
    }))
})

describe("No credential ever reaches the log", () => {
  it.effect("keys, tokens (valid, forged, expired) and their signatures stay out of every log line", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const stranger = yield* makeKey("k2")
      const { logs, request } = yield* makeApp([signing], { RATE_LIMIT_PER_MINUTE: "4" })
      const tokens = [
        yield* appToken(signing, ["DL.Admin"]),
        yield* appToken(signing, ["DL.Admin"], { expiresIn: -600 }),
        yield* appToken(stranger, ["DL.Admin"]),
        yield* userToken(signing, "jane@contoso.example")
      ]
      const wrongKey = "wrong-key-0123456789abcdef"
      for (const token of tokens) {
        yield* request("DELETE", "/api/dl/bobs-team", { headers: bearer(token) })
        yield* request("POST", "/api/dl", { body: { name: "T", ownerEmails: ["x@contoso.example"] }, headers: bearer(token) })
      }
      for (const value of [adminKey, writerKey, readerKey, wrongKey]) {
        for (let i = 0; i < 3; i++) {
          yield* request("DELETE", "/api/dl/bobs-team", { headers: key(value) })
        }
      }
      yield* request("GET", "/api/dl/bobs-team", { headers: { authorization: `Basic ${btoa(`user:${adminKey}`)}` } })
      const text = JSON.stringify(logs)
      assert.isAbove(logs.length, 20)
      assert.include(text, "Authentication failed")
      assert.include(text, "audit")
      for (const secret of [adminKey, writerKey, readerKey, wrongKey, btoa(`user:${adminKey}`)]) {
        assert.notInclude(text, secret)
      }
      for (const token of tokens) {
        const [, payload, signature] = token.split(".")
        assert.notInclude(text, token)
        assert.notInclude(text, payload!)
        assert.notInclude(text, signature!)
      }
    }))
})

describe("No Redis password ever reaches the log", () => {
  const password = "hunter2/S3cret:p@ss"
  const encoded = encodeURIComponent(password)
  const forms = [password, encoded, "hunter2", "S3cret"]

  /** Every log line as it could be rendered: annotations, cause, and each message part (errors by their message too). */
  const rendered = (logs: ReadonlyArray<LogLine>) =>
    logs.map((line) =>
      [line.message, line.annotations, line.cause].flatMap((part) => Array.isArray(part) ? part : [part]).map((part) =>
        part instanceof Error ? `${String(part)} ${part.stack ?? ""} ${JSON.stringify(part)}` : JSON.stringify(part)
      ).join(" ")
    ).join("\n")

  it.effect("Redis unreachable, refusing or accepting the credentials: log lines name the host, never the password", () =>
    Effect.gen(function*() {
      const { host, port } = Result.getOrThrow(RedisUrl.parseRedisUrl(redisUrl))
      const closed = yield* closedPort
      const cases = [
        // nothing listens
        { url: `redis://dl-api:${encoded}@127.0.0.1:${closed}/0`, connects: false, reason: /ECONNREFUSED/ },
        // no such user
        { url: `redis://dl-api:${encoded}@${host}:${port}/0`, connects: false, reason: /WRONGPASS/ },
        // a password for a Redis that has none: node-redis connects anyway
        { url: `redis://:${encoded}@${host}:${port}/0`, connects: true, reason: /Rate limiter: counters in Redis/ }
      ]
      for (const { connects, reason, url } of cases) {
        const { logs, request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "2", RATE_LIMIT_REDIS_URL: url }, {
          prefix: testPrefix()
        })
        const replies: Array<number> = []
        for (let i = 0; i < 3; i++) {
          replies.push((yield* request("GET", "/api/dl/bobs-team", { headers: key(readerKey) })).status)
          yield* request("GET", "/api/dl/bobs-team", { headers: { ...key("nope"), [remoteAddressHeader]: "203.0.113.5" } })
        }
        assert.deepStrictEqual(replies, connects ? [200, 200, 429] : [200, 200, 200], url)
        const text = rendered(logs)
        assert.match(text, reason)
        if (!connects) {
          assert.include(text, "Rate limiter: Redis unreachable")
          assert.include(text, "Rate limiter unavailable; request let through")
        }
        for (const form of forms) assert.notInclude(text, form, url)
      }
    }))

  it.effect("an invalid RATE_LIMIT_REDIS_URL is refused without the password", () =>
    Effect.gen(function*() {
      for (const url of [`redis://dl-api:${encoded}@redis:6379/x`, `http://dl-api:${encoded}@redis`, `dl-api:${password}@redis`]) {
        const error = yield* Effect.flip(
          Layer.build(RateLimitStore.layerConfig()).pipe(
            Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ RATE_LIMIT_REDIS_URL: url })))
          )
        )
        assert.include(error.message, "RATE_LIMIT_REDIS_URL")
        for (const form of forms) {
          assert.notInclude(String(error), form)
          assert.notInclude(JSON.stringify(error), form)
        }
      }
    }))
})

describe("auditOnResponse", () => {
  it.effect("names the request id of the request, also on an answer that carries none (a 499 for a caller gone)", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const collector = Logger.make(({ fiber }) => {
        lines.push({ ...fiber.getRef(References.CurrentLogAnnotations) })
      })
      const app = Effect.gen(function*() {
        yield* auditOnResponse({ kind: "apiKey", name: "writer-bot", role: "writer" } as Caller, "update", "bobs-team")
        return HttpServerResponse.empty({ status: 499 })
      }).pipe(Effect.provideService(RequestId, "generated-id-7"))
      const handler = HttpEffect.toWebHandlerWith(yield* Effect.provide(Effect.context<never>(), Logger.layer([collector])))(app as any)
      const response = yield* Effect.promise(() => handler(new Request("http://localhost/api/dl/bobs-team", { method: "PATCH" })))
      assert.strictEqual(response.status, 499)
      assert.deepStrictEqual(lines.map((l) => [l["requestId"], l["status"], l["dlId"]]), [["generated-id-7", 499, "bobs-team"]])
    }))

  it.effect("a 499 line says what the change came to (or that it never started) and names the list a create made; a normal answer's line does not", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const collector = Logger.make(({ fiber }) => {
        lines.push({ ...fiber.getRef(References.CurrentLogAnnotations) })
      })
      const respond = (status: number, outcome: "completed" | "failed" | undefined) =>
        Effect.gen(function*() {
          const note = yield* auditOnResponse({ kind: "apiKey", name: "ops", role: "admin" } as Caller, "create", undefined)
          if (outcome !== undefined) note.outcome = outcome
          if (outcome === "completed") note.dlId = "sales-team"
          return HttpServerResponse.empty({ status })
        }).pipe(Effect.provideService(RequestId, "id-1"))
      const context = yield* Effect.provide(Effect.context<never>(), Logger.layer([collector]))
      for (const [status, outcome] of [[499, "completed"], [499, "failed"], [499, undefined], [204, "completed"]] as const) {
        yield* Effect.promise(() => HttpEffect.toWebHandlerWith(context)(respond(status, outcome) as any)(new Request("http://localhost/api/dl", { method: "POST" })))
      }
      assert.deepStrictEqual(lines.map((l) => [l["status"], l["dlId"], l["outcome"]]), [
        [499, "sales-team", "completed"],
        [499, null, "failed"],
        [499, null, "notStarted"],
        [204, "sales-team", undefined]
      ])
    }))
})
