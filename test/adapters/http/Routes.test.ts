import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Readiness from "../../../src/adapters/http/Readiness.ts"
import { app } from "./support.ts"

describe("service routes", () => {
  it.effect("/openapi.json describes the six operations with their statuses", () =>
    Effect.gen(function*() {
      const { request } = yield* app({})
      const res = yield* request("GET", "/openapi.json")
      assert.strictEqual(res.status, 200)
      const operations = Object.entries(res.json.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, Object.keys(op.responses).sort()])
      )
      assert.deepStrictEqual(operations.map(([operation]) => operation).sort(), [
        "DELETE /api/dl/{dlId}",
        "DELETE /api/dl/{dlId}/members",
        "GET /api/dl/{dlId}",
        "PATCH /api/dl/{dlId}",
        "POST /api/dl",
        "POST /api/dl/{dlId}/members"
      ])
      const responses = Object.fromEntries(operations)
      assert.includeMembers(responses["POST /api/dl"], ["201", "400", "404", "409", "422", "503"])
      assert.includeMembers(responses["GET /api/dl/{dlId}"], ["200", "404", "503"])
      const create = res.json.paths["/api/dl"].post.requestBody.content["application/json"].schema
      assert.sameMembers(create.required, ["name", "ownerEmails"])
    }).pipe(Effect.scoped))

  it.effect("/openapi.json describes request bodies as they are read: unknown fields allowed, optional fields nullable, addresses as emails", () =>
    Effect.gen(function*() {
      const { request } = yield* app({
        create: () => Effect.succeed({ dlId: "a", primaryEmail: "a@contoso.example", status: "ok", failedMembers: [] })
      })
      const spec = (yield* request("GET", "/openapi.json")).json
      const bodies = Object.values(spec.paths as Record<string, Record<string, any>>).flatMap((ops) =>
        Object.values(ops).flatMap((op) => op.requestBody === undefined ? [] : [op.requestBody.content["application/json"].schema])
      )
      assert.strictEqual(bodies.length, 4)
      for (const body of bodies) assert.notProperty(body, "additionalProperties")
      const create = spec.paths["/api/dl"].post.requestBody.content["application/json"].schema
      assert.deepStrictEqual(create.properties.ownerEmails.items, { type: "string", format: "email" })
      assert.deepStrictEqual(create.properties.allowExternalSenders, { anyOf: [{ type: "boolean" }, { type: "null" }] })
      // what the document allows is taken
      const res = yield* request("POST", "/api/dl", {
        body: { name: "A", ownerEmails: ["o@contoso.example"], memberEmails: null, allowExternalSenders: null, extra: 1 }
      })
      assert.strictEqual(res.status, 201)
    }).pipe(Effect.scoped))

  it.effect("/healthz answers that the process is alive", () =>
    Effect.gen(function*() {
      const { request } = yield* app({})
      const res = yield* request("GET", "/healthz")
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { status: "ok" })
    }).pipe(Effect.scoped))

  it.effect("/readyz is 200 by default and 503 while the readiness check says no or fails", () =>
    Effect.gen(function*() {
      const ready = yield* app({})
      assert.strictEqual((yield* ready.request("GET", "/readyz")).status, 200)
      const notReady = yield* app({}, {}, Readiness.layer(Effect.succeed(false)))
      const res = yield* notReady.request("GET", "/readyz")
      assert.strictEqual(res.status, 503)
      assert.deepStrictEqual(Object.keys(res.json).sort(), ["details", "error"])
      const failing = yield* app({}, {}, Readiness.layer(Effect.die("no tokens")))
      assert.strictEqual((yield* failing.request("GET", "/readyz")).status, 503)
    }).pipe(Effect.scoped))

  it.effect("/docs serves the interactive page built from the same API, unless DOCS_ENABLED=false", () =>
    Effect.gen(function*() {
      const { request } = yield* app({})
      const res = yield* request("GET", "/docs")
      assert.strictEqual(res.status, 200)
      assert.include(res.headers.get("content-type") ?? "", "text/html")
      assert.include(res.text, "Distribution List Management API")
      assert.include(res.text, "/api/dl/{dlId}/members")
      const again = yield* request("GET", "/docs")
      assert.strictEqual(again.text.length, res.text.length)
      assert.strictEqual((yield* request("OPTIONS", "/docs")).headers.get("allow"), "GET, HEAD, OPTIONS")
      const disabled = yield* app({}, { DOCS_ENABLED: "false" })
      // switched off, it is not there at all: no 405, no Allow
      for (const method of ["GET", "POST", "OPTIONS"]) {
        const reply = yield* disabled.request(method, "/docs")
        assert.strictEqual(reply.status, 404, method)
        assert.isNull(reply.headers.get("allow"), method)
      }
    }).pipe(Effect.scoped))
})
