import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { appToken, makeKey, userToken } from "./FakeTenant.ts"
import { adminKey, bearer, key, type LogLine, makeApp, readerKey, writerKey } from "./Harness.ts"

const auditLines = (logs: ReadonlyArray<LogLine>) =>
  logs.filter((line) => Array.isArray(line.message) && line.message[0] === "audit").map((line) => line.annotations)

describe("Audit lines", () => {
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

  it.effect("token callers are named by app client id or user UPN", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { logs, request } = yield* makeApp([signing])
      yield* request("DELETE", "/api/dl/bobs-team", { headers: bearer(yield* appToken(signing, ["DL.Admin"])) })
      yield* request("PATCH", "/api/dl/janes-team", {
        body: { displayName: "J" },
        headers: bearer(yield* userToken(signing, "jane@contoso.example"))
      })
      assert.deepStrictEqual(auditLines(logs).map((l) => [l["callerKind"], l["caller"], l["action"], l["status"]]), [
        ["app", "11111111-2222-3333-4444-555555555555", "delete", 200],
        ["user", "jane@contoso.example", "update", 200]
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
