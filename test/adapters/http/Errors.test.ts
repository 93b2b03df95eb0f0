import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Failed, Forbidden, Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"
import {
  DistributionListAmbiguous,
  DistributionListExists,
  DistributionListNotFound,
  InvalidInput,
  UsersNotFound
} from "../../../src/domain/Errors.ts"
import { app } from "./support.ts"

const owner = { name: "Marketing Team", ownerEmails: ["o@contoso.example"] }

const assertErrorBody = (json: any) => {
  assert.deepStrictEqual(Object.keys(json).sort(), ["details", "error"])
  assert.isString(json.error)
}

describe("HTTP error mapping", () => {
  it.effect("DistributionListNotFound is a 404 naming the list", () =>
    Effect.gen(function*() {
      const { request } = yield* app({ get: (dlId) => Effect.fail(new DistributionListNotFound({ dlId })) })
      const res = yield* request("GET", "/api/dl/nope")
      assert.strictEqual(res.status, 404)
      assertErrorBody(res.json)
      assert.strictEqual(res.json.details, "Distribution List 'nope' not found.")
    }).pipe(Effect.scoped))

  it.effect("UsersNotFound is a 404 whose details list every unknown address", () =>
    Effect.gen(function*() {
      const missing = ["ghost1@contoso.example", "ghost2@contoso.example"]
      const { request } = yield* app({ create: () => Effect.fail(new UsersNotFound({ addresses: missing })) })
      const res = yield* request("POST", "/api/dl", { body: owner })
      assert.strictEqual(res.status, 404)
      assertErrorBody(res.json)
      assert.deepStrictEqual(res.json.details, missing)
    }).pipe(Effect.scoped))

  it.effect("DistributionListExists is a 409", () =>
    Effect.gen(function*() {
      const { request } = yield* app({
        create: () => Effect.fail(new DistributionListExists({ alias: "marketing-team", detail: "upstream said so" }))
      })
      const res = yield* request("POST", "/api/dl", { body: owner })
      assert.strictEqual(res.status, 409)
      assertErrorBody(res.json)
      assert.strictEqual(res.json.error, "Distribution List already exists")
      // Exchange does not say what holds the name: a mailbox may, so the details do not claim a list does
      assert.strictEqual(
        res.json.details,
        "The alias 'marketing-team' or its address is already used by a distribution list or another recipient."
      )
    }).pipe(Effect.scoped))

  it.effect("DistributionListAmbiguous is a 409 telling to use the primary address or the id", () =>
    Effect.gen(function*() {
      const { request } = yield* app({ get: (dlId) => Effect.fail(new DistributionListAmbiguous({ dlId })) })
      const res = yield* request("GET", "/api/dl/sales")
      assert.strictEqual(res.status, 409)
      assert.deepStrictEqual(res.json, {
        error: "Ambiguous Distribution List identifier",
        details: "'sales' matches more than one distribution list; use the list's primary SMTP address or its id (GUID) instead."
      })
    }).pipe(Effect.scoped))

  it.effect("InvalidInput is a Pydantic-style 422 carrying the domain's issues", () =>
    Effect.gen(function*() {
      const issues = [{ type: "value_error", loc: ["name"], msg: "name yields an empty alias" }]
      const { request } = yield* app({ create: () => Effect.fail(new InvalidInput({ issues })) })
      const res = yield* request("POST", "/api/dl", { body: { ...owner, name: "!!!" } })
      assert.strictEqual(res.status, 422)
      assert.deepStrictEqual(res.json, { error: "Validation Error", details: issues })
    }).pipe(Effect.scoped))

  it.effect("a transient upstream failure is a 503 with Retry-After when known, logged as ERROR", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app({
        get: () =>
          Effect.fail(
            new UpstreamError({ operation: "Get-DistributionGroup", reason: new Transient({ throttled: true, status: 429, retryAfterMillis: 2500 }) })
          ),
        remove: () => Effect.fail(new UpstreamError({ operation: "Remove-DistributionGroup", reason: new Transient({ throttled: false }) }))
      })
      const res = yield* request("GET", "/api/dl/a")
      assert.strictEqual(res.status, 503)
      assertErrorBody(res.json)
      assert.strictEqual(res.headers.get("retry-after"), "3")
      const unknown = yield* request("DELETE", "/api/dl/a")
      assert.strictEqual(unknown.status, 503)
      assert.isNull(unknown.headers.get("retry-after"))
      assert.deepStrictEqual(logs.filter((line) => line.annotations.operation !== undefined).map((line) => line.level), ["Error", "Error"])
    }).pipe(Effect.scoped))

  it.effect("refused or failed upstream calls are a 502 with the hint, never more, logged as the seed's ERROR", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app({
        get: () =>
          Effect.fail(
            new UpstreamError({
              operation: "New-DistributionGroup",
              reason: new Forbidden({ hint: "Assign the Exchange Administrator role to the app" })
            })
          ),
        remove: () =>
          Effect.fail(new UpstreamError({ operation: "Remove-DistributionGroup", reason: new Failed({ detail: "HTTP 500" }) }))
      })
      const forbidden = yield* request("GET", "/api/dl/a")
      assert.strictEqual(forbidden.status, 502)
      assertErrorBody(forbidden.json)
      assert.include(forbidden.json.details, "Assign the Exchange Administrator role to the app")
      const failed = yield* request("DELETE", "/api/dl/a")
      assert.strictEqual(failed.status, 502)
      assert.include(failed.json.details, "HTTP 500")
      const upstream = logs.filter((line) => line.message === "Upstream failure" || (Array.isArray(line.message) && line.message[0] === "Upstream failure"))
      assert.deepStrictEqual(upstream.map((line) => [line.level, line.annotations.operation]), [
        ["Error", "New-DistributionGroup"],
        ["Error", "Remove-DistributionGroup"]
      ])
    }).pipe(Effect.scoped))

  it.effect("a defect is a 500 whose details are the request id, with no stack trace, and is logged", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* app({ get: () => Effect.die(new Error("kaboom at line 42")) })
      const res = yield* request("GET", "/api/dl/a", { headers: { "x-request-id": "req-123" } })
      assert.strictEqual(res.status, 500)
      assert.deepStrictEqual(res.json, { error: "Internal Server Error", details: "req-123" })
      assert.notInclude(res.text, "kaboom")
      const logged = logs.find((line) => line.level === "Error")
      assert.isDefined(logged)
      assert.strictEqual(logged!.annotations.requestId, "req-123")
    }).pipe(Effect.scoped))

  it.effect("no error body carries a _tag", () =>
    Effect.gen(function*() {
      const { request } = yield* app({
        get: (dlId) => Effect.fail(new DistributionListNotFound({ dlId })),
        create: () => Effect.fail(new DistributionListExists({ alias: "a", detail: "" }))
      })
      const answers = [
        yield* request("GET", "/api/dl/a"),
        yield* request("POST", "/api/dl", { body: owner }),
        yield* request("POST", "/api/dl", { body: {} }),
        yield* request("POST", "/api/dl", { body: "{", headers: { "content-type": "application/json" } }),
        yield* request("GET", "/no/such/route")
      ]
      assert.deepStrictEqual(answers.map((res) => res.status), [404, 409, 422, 400, 404])
      for (const res of answers) {
        assert.notInclude(res.text, "_tag")
        assertErrorBody(res.json)
      }
    }).pipe(Effect.scoped))

  it.effect("an unknown path is a 404 and a wrong method on a known path a 405 with Allow", () =>
    Effect.gen(function*() {
      const { request } = yield* app({})
      const unknown = yield* request("GET", "/api/lists")
      assert.strictEqual(unknown.status, 404)
      assertErrorBody(unknown.json)
      const list = yield* request("GET", "/api/dl")
      assert.strictEqual(list.status, 405)
      assertErrorBody(list.json)
      assert.strictEqual(list.headers.get("allow"), "POST, OPTIONS")
      const put = yield* request("PUT", "/api/dl/marketing-team?x=1")
      assert.strictEqual(put.status, 405)
      assert.strictEqual(put.headers.get("allow"), "GET, HEAD, PATCH, DELETE, OPTIONS")
    }).pipe(Effect.scoped))

  it.effect("OPTIONS tells each path's own methods; an unknown path is a 404", () =>
    Effect.gen(function*() {
      const { request } = yield* app({})
      const allowOf = (path: string) => Effect.map(request("OPTIONS", path), (reply) => [reply.status, reply.headers.get("allow")])
      assert.deepStrictEqual(yield* allowOf("/api/dl"), [200, "POST, OPTIONS"])
      assert.deepStrictEqual(yield* allowOf("/api/dl/x"), [200, "GET, HEAD, PATCH, DELETE, OPTIONS"])
      assert.deepStrictEqual(yield* allowOf("/api/dl/x/members"), [200, "POST, DELETE, OPTIONS"])
      assert.deepStrictEqual(yield* allowOf("/healthz"), [200, "GET, HEAD, OPTIONS"])
      const unknown = yield* request("OPTIONS", "/api/lists")
      assert.strictEqual(unknown.status, 404)
      assertErrorBody(unknown.json)
    }).pipe(Effect.scoped))
})
