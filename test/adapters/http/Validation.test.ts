import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MAX_ADDRESSES } from "../../../src/adapters/http/Api.ts"
import { app } from "./support.ts"

const created = { dlId: "a", primaryEmail: "a@contoso.example", status: "ok", failedMembers: [] }
const json = { "content-type": "application/json" }

const withApp = app({
  create: () => Effect.succeed(created),
  update: () => Effect.succeed({ message: "updated" }),
  addMembers: () => Effect.succeed({ message: "ok", failed: [] }),
  removeMembers: () => Effect.succeed({ message: "ok", failed: [] })
})

describe("HTTP request validation", () => {
  it.effect("reports every issue at once, each with its field path", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const res = yield* request("POST", "/api/dl", {
        body: { ownerEmails: ["ok@contoso.example", "not-an-email", 7], memberEmails: "x", allowExternalSenders: "maybe" }
      })
      assert.strictEqual(res.status, 422)
      assert.strictEqual(res.json.error, "Validation Error")
      const found = res.json.details.map((issue: any) => [issue.type, issue.loc])
      assert.deepStrictEqual(found, [
        ["missing", ["name"]],
        ["value_error", ["ownerEmails", 1]],
        ["string_type", ["ownerEmails", 2]],
        ["list_type", ["memberEmails"]],
        ["bool_parsing", ["allowExternalSenders"]]
      ])
      for (const issue of res.json.details) {
        assert.deepStrictEqual(Object.keys(issue).sort(), ["loc", "msg", "type"])
        assert.isString(issue.msg)
      }
      assert.strictEqual(res.json.details[0].msg, "Field required")
    }).pipe(Effect.scoped))

  it.effect("allowExternalSenders is read as Pydantic's lax bool: words in any case, 0 and 1; anything else is a 422", () =>
    Effect.gen(function*() {
      const seen: Array<boolean | undefined> = []
      const { request } = yield* app({
        create: (req) => Effect.sync(() => (seen.push(req.allowExternalSenders), created)),
        update: (_, req) => Effect.sync(() => (seen.push(req.allowExternalSenders), { message: "updated" }))
      })
      const accepted = [true, "True", "yes", "Y", "on", "1", 1, 1.0, "t", false, "FALSE", "no", "off", "0", 0, "f", "n"]
      for (const value of accepted) {
        const res = yield* request("POST", "/api/dl", {
          body: { name: "A", ownerEmails: ["o@contoso.example"], allowExternalSenders: value }
        })
        assert.strictEqual(res.status, 201, String(value))
      }
      assert.strictEqual((yield* request("PATCH", "/api/dl/a", { body: { allowExternalSenders: "Yes" } })).status, 200)
      assert.deepStrictEqual(seen, [...accepted.map((_, i) => i < 9), true])
      const refused = yield* Effect.forEach(["maybe", 2, 0.5, "", " true", [], {}], (value) =>
        Effect.map(
          request("PATCH", "/api/dl/a", { body: { allowExternalSenders: value } }),
          (res) => [res.status, res.json.details[0].type, res.json.details[0].msg]
        ))
      const parsing = [422, "bool_parsing", "Input should be a valid boolean, unable to interpret input"]
      const type = [422, "bool_type", "Input should be a valid boolean"]
      assert.deepStrictEqual(refused, [parsing, parsing, parsing, parsing, parsing, type, type])
    }).pipe(Effect.scoped))

  it.effect("missing name and no owners are 422s naming those fields", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const noOwners = yield* request("POST", "/api/dl", { body: { name: "A", ownerEmails: [] } })
      assert.strictEqual(noOwners.status, 422)
      assert.deepStrictEqual(noOwners.json.details, [{
        type: "too_short",
        loc: ["ownerEmails"],
        msg: "List should have at least 1 item after validation, not 0"
      }])
      const missing = yield* request("POST", "/api/dl", { body: { name: "A" } })
      assert.deepStrictEqual(missing.json.details, [{ type: "missing", loc: ["ownerEmails"], msg: "Field required" }])
    }).pipe(Effect.scoped))

  it.effect("names longer than Exchange allows and empty names are 422s", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const long = yield* request("POST", "/api/dl", { body: { name: "n".repeat(257), ownerEmails: ["o@contoso.example"] } })
      assert.strictEqual(long.status, 422)
      assert.deepStrictEqual(long.json.details, [{
        type: "string_too_long",
        loc: ["name"],
        msg: "String should have at most 256 characters"
      }])
      const empty = yield* request("PATCH", "/api/dl/a", { body: { displayName: "" } })
      assert.strictEqual(empty.status, 422)
      assert.strictEqual(empty.json.details[0].type, "string_too_short")
      assert.deepStrictEqual(empty.json.details[0].loc, ["displayName"])
    }).pipe(Effect.scoped))

  it.effect(`more than ${MAX_ADDRESSES} addresses in one list is a 422`, () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const memberEmails = Array.from({ length: MAX_ADDRESSES + 1 }, (_, i) => `m${i}@contoso.example`)
      const res = yield* request("POST", "/api/dl/a/members", { body: { memberEmails } })
      assert.strictEqual(res.status, 422)
      assert.deepStrictEqual(res.json.details, [{
        type: "too_long",
        loc: ["memberEmails"],
        msg: `List should have at most ${MAX_ADDRESSES} items after validation, not ${MAX_ADDRESSES + 1}`
      }])
      const atLimit = yield* request("POST", "/api/dl/a/members", { body: { memberEmails: memberEmails.slice(1) } })
      assert.strictEqual(atLimit.status, 200)
    }).pipe(Effect.scoped))

  it.effect("malformed JSON, a non-object body, an empty body and a non-JSON content type are 400s", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const answers = [
        yield* request("POST", "/api/dl", { body: "{\"name\": ", headers: json }),
        yield* request("POST", "/api/dl", { body: "[1, 2]", headers: json }),
        yield* request("DELETE", "/api/dl/a/members", { headers: json }),
        yield* request("PATCH", "/api/dl/a", { body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } })
      ]
      for (const res of answers) {
        assert.strictEqual(res.status, 400)
        assert.strictEqual(res.json.error, "Bad Request")
        assert.isString(res.json.details)
      }
    }).pipe(Effect.scoped))

  it.effect("a JSON body without a Content-Type, or with a charset, is accepted; text/plain is not", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const body = "{\"memberEmails\": []}"
      const bare = yield* request("POST", "/api/dl/a/members", { body: new TextEncoder().encode(body) })
      const charset = yield* request("POST", "/api/dl/a/members", {
        body,
        headers: { "content-type": "application/json; charset=utf-8" }
      })
      const text = yield* request("POST", "/api/dl/a/members", { body, headers: { "content-type": "text/plain" } })
      assert.strictEqual(bare.status, 200)
      assert.strictEqual(charset.status, 200)
      assert.strictEqual(text.status, 400)
    }).pipe(Effect.scoped))

  it.effect("a body that is not UTF-8 is a 400, whatever charset it names; UTF-8 with a BOM is read", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      // "Café" in Latin-1: the é (0xE9) is no UTF-8
      const latin1 = Uint8Array.from([...new TextEncoder().encode("{\"name\": \"Caf"), 0xe9, ...new TextEncoder().encode(" Team\", \"ownerEmails\": [\"a@contoso.example\"]}")])
      const res = yield* request("POST", "/api/dl", { body: latin1, headers: { "content-type": "application/json; charset=iso-8859-1" } })
      assert.strictEqual(res.status, 400)
      assert.deepStrictEqual(res.json, { error: "Bad Request", details: "The request body is not valid UTF-8" })
      const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("{\"memberEmails\": []}")])
      assert.strictEqual((yield* request("POST", "/api/dl/a/members", { body: bom, headers: json })).status, 200)
    }).pipe(Effect.scoped))

  it.effect("unknown fields are ignored and null optional fields count as absent", () =>
    Effect.gen(function*() {
      const { request } = yield* withApp
      const res = yield* request("POST", "/api/dl", {
        body: { name: "A", ownerEmails: ["o@contoso.example"], memberEmails: null, allowExternalSenders: null, color: "red" }
      })
      assert.strictEqual(res.status, 201)
      const nullName = yield* request("POST", "/api/dl", { body: { name: null, ownerEmails: ["o@contoso.example"] } })
      assert.strictEqual(nullName.status, 422)
      assert.deepStrictEqual(nullName.json.details.map((issue: any) => issue.type), ["string_type"])
      const proto = yield* request("POST", "/api/dl", {
        body: "{\"__proto__\": {\"name\": \"A\"}, \"ownerEmails\": [\"o@contoso.example\"], \"memberEmails\": null}",
        headers: json
      })
      assert.strictEqual(proto.status, 422)
      assert.deepStrictEqual(proto.json.details.map((issue: any) => issue.loc), [["name"]])
    }).pipe(Effect.scoped))
})
