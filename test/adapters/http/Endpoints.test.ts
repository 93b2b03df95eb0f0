import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { CreateRequest, RequestHints, UpdateRequest } from "../../../src/application/DistributionLists.ts"
import { app, details } from "./support.ts"

describe("HTTP endpoints", () => {
  it.effect("POST /api/dl creates with defaults and answers 201 with the seed's body", () =>
    Effect.gen(function*() {
      const calls: Array<[CreateRequest, RequestHints]> = []
      const { request } = yield* app({
        create: (req, hints) =>
          Effect.sync(() => {
            calls.push([req, hints])
            return {
              dlId: "marketing-team",
              primaryEmail: "marketing-team@contoso.example",
              status: "DL 'marketing-team' created. All members added.",
              failedMembers: []
            }
          })
      })
      const res = yield* request("POST", "/api/dl", {
        body: { name: "Marketing Team", ownerEmails: [" John.Doe@contoso.example "] }
      })
      assert.strictEqual(res.status, 201)
      assert.deepStrictEqual(res.json, {
        dlId: "marketing-team",
        primaryEmail: "marketing-team@contoso.example",
        status: "DL 'marketing-team' created. All members added.",
        failedMembers: []
      })
      assert.deepStrictEqual(calls, [[{
        name: "Marketing Team",
        ownerEmails: ["John.Doe@contoso.example"],
        memberEmails: [],
        allowExternalSenders: false
      }, {}]])
    }).pipe(Effect.scoped))

  it.effect("POST /api/dl passes members, allowExternalSenders and X-AnchorMailbox through", () =>
    Effect.gen(function*() {
      const calls: Array<[CreateRequest, RequestHints]> = []
      const { request } = yield* app({
        create: (req, hints) =>
          Effect.sync(() => {
            calls.push([req, hints])
            return { dlId: "a", primaryEmail: "a@contoso.example", status: "ok", failedMembers: ["m2@contoso.example"] }
          })
      })
      const res = yield* request("POST", "/api/dl", {
        body: {
          name: "A",
          ownerEmails: ["o@contoso.example"],
          memberEmails: ["m1@contoso.example", "m2@contoso.example"],
          allowExternalSenders: true
        },
        headers: { "X-AnchorMailbox": "admin@contoso.example" }
      })
      assert.strictEqual(res.status, 201)
      assert.deepStrictEqual(res.json.failedMembers, ["m2@contoso.example"])
      assert.deepStrictEqual(calls[0]![0].memberEmails, ["m1@contoso.example", "m2@contoso.example"])
      assert.isTrue(calls[0]![0].allowExternalSenders)
      assert.deepStrictEqual(calls[0]![1], { anchorMailbox: "admin@contoso.example" })
    }).pipe(Effect.scoped))

  it.effect("GET /api/dl/{dlId} answers the details; an URL-encoded email id arrives decoded", () =>
    Effect.gen(function*() {
      const ids: Array<string> = []
      const { request } = yield* app({
        get: (dlId) => Effect.sync(() => (ids.push(dlId), { ...details, extra: "dropped" }))
      })
      const res = yield* request("GET", "/api/dl/marketing-team%40contoso.example")
      const raw = yield* request("GET", "/api/dl/marketing-team@contoso.example")
      assert.strictEqual(res.status, 200)
      assert.strictEqual(raw.status, 200)
      assert.deepStrictEqual(res.json, details)
      assert.deepStrictEqual(ids, ["marketing-team@contoso.example", "marketing-team@contoso.example"])
    }).pipe(Effect.scoped))

  /** An app whose endpoints by dlId record `<endpoint> <dlId>` in `calls`. */
  const recordingApp = Effect.gen(function*() {
    const calls: Array<string> = []
    const record = (name: string) => (dlId: string) => Effect.sync(() => (calls.push(`${name} ${dlId}`), { message: "done" }))
    const { request } = yield* app({
      remove: record("remove"),
      removeMembers: (dlId) => Effect.sync(() => (calls.push(`removeMembers ${dlId}`), { message: "done", failed: [] })),
      update: record("update"),
      get: (dlId) => Effect.sync(() => (calls.push(`get ${dlId}`), details))
    })
    return { calls, request }
  })

  it.effect("paths match as written: an empty dlId (DELETE /api/dl//members), /API/DL or a trailing slash is a 404, no endpoint runs", () =>
    Effect.gen(function*() {
      const { calls, request } = yield* recordingApp
      const body = { memberEmails: ["m@contoso.example"] }
      const statuses = [
        (yield* request("DELETE", "/api/dl//members", { body })).status,
        (yield* request("PATCH", "/api/dl//members", { body: { allowExternalSenders: true } })).status,
        (yield* request("GET", "/api/dl//members")).status,
        (yield* request("GET", "/API/DL/members")).status,
        // Flask: a route defined without a trailing slash is a 404 with one
        (yield* request("DELETE", "/api/dl/members/")).status,
        (yield* request("GET", "/api/dl/members/")).status,
        (yield* request("DELETE", "/api/dl/sales/members/", { body })).status,
        (yield* request("GET", "/api/dl/sales/members/")).status,
        (yield* request("POST", "/api/dl/", { body: { name: "Sales" } })).status,
        (yield* request("OPTIONS", "/api/dl/sales/")).status,
        // an empty dlId at the end
        (yield* request("DELETE", "/api/dl/")).status,
        (yield* request("GET", "/api/dl/")).status,
        (yield* request("PATCH", "/api/dl/", { body: { allowExternalSenders: true } })).status
      ]
      // no endpoint ran: not on the list called "members", nor on one called ""
      assert.deepStrictEqual(calls, [])
      assert.deepStrictEqual(statuses, [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
    }).pipe(Effect.scoped))

  it.effect("a raw ';' is part of the dlId, as under Werkzeug: the path is not cut there", () =>
    Effect.gen(function*() {
      const { calls, request } = yield* recordingApp
      const body = { memberEmails: ["m@contoso.example"] }
      const statuses = [
        (yield* request("DELETE", "/api/dl/victim;v=1/members", { body })).status,
        (yield* request("GET", "/api/dl/Sales;%20EMEA")).status,
        (yield* request("GET", "/api/dl/sales;x/members")).status,
        (yield* request("GET", "/api/dl/a;b?unrelated=5")).status
      ]
      assert.deepStrictEqual(calls, ["removeMembers victim;v=1", "get Sales; EMEA", "get a;b"])
      assert.deepStrictEqual(statuses, [200, 200, 405, 200])
    }).pipe(Effect.scoped))

  it.effect("a long dlId (a display name of emoji, a 320-character address) reaches the endpoint, not the router's 404", () =>
    Effect.gen(function*() {
      const ids: Array<string> = []
      const { request } = yield* app({ get: (dlId) => Effect.sync(() => (ids.push(dlId), details)) })
      const name = "Launch Crew " + "🎉".repeat(45)
      const address = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${"e".repeat(61)}`
      assert.strictEqual((yield* request("GET", `/api/dl/${encodeURIComponent(name)}`)).status, 200)
      assert.strictEqual((yield* request("GET", `/api/dl/${encodeURIComponent(address)}`)).status, 200)
      assert.deepStrictEqual(ids, [name, address])
    }).pipe(Effect.scoped))

  it.effect("PATCH /api/dl/{dlId} passes only the given fields and answers {message}", () =>
    Effect.gen(function*() {
      const calls: Array<[string, UpdateRequest]> = []
      const { request } = yield* app({
        update: (dlId, req) =>
          Effect.sync(() => (calls.push([dlId, req]), { message: `Distribution List '${dlId}' updated successfully.` }))
      })
      const res = yield* request("PATCH", "/api/dl/marketing-team", {
        body: { displayName: "Marketing", memberEmails: ["a@contoso.example"], name: null, unknown: 1 }
      })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { message: "Distribution List 'marketing-team' updated successfully." })
      assert.deepStrictEqual(calls, [["marketing-team", { displayName: "Marketing", memberEmails: ["a@contoso.example"] }]])
    }).pipe(Effect.scoped))

  it.effect("PATCH passes failedMembers through when the service reports some", () =>
    Effect.gen(function*() {
      const { request } = yield* app({
        update: () => Effect.succeed({ message: "updated", failedMembers: ["x@contoso.example"] })
      })
      const res = yield* request("PATCH", "/api/dl/a", { body: { allowExternalSenders: true } })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { message: "updated", failedMembers: ["x@contoso.example"] })
    }).pipe(Effect.scoped))

  it.effect("DELETE /api/dl/{dlId} answers {message}", () =>
    Effect.gen(function*() {
      const { request } = yield* app({
        remove: (dlId, hints) => Effect.succeed({ message: `Distribution List '${dlId}' deleted successfully. ${hints.anchorMailbox}` })
      })
      const res = yield* request("DELETE", "/api/dl/marketing-team", { headers: { "x-anchormailbox": "a@contoso.example" } })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { message: "Distribution List 'marketing-team' deleted successfully. a@contoso.example" })
    }).pipe(Effect.scoped))

  it.effect("POST and DELETE /api/dl/{dlId}/members take a JSON body and answer {message, failed}", () =>
    Effect.gen(function*() {
      const calls: Array<[string, string, ReadonlyArray<string>]> = []
      const { request } = yield* app({
        addMembers: (dlId, emails) =>
          Effect.sync(() => (calls.push(["add", dlId, emails]), { message: "All members added.", failed: [] })),
        removeMembers: (dlId, emails) =>
          Effect.sync(() => (calls.push(["remove", dlId, emails]), { message: "Some failed.", failed: [emails[0]!] }))
      })
      const added = yield* request("POST", "/api/dl/a/members", { body: { memberEmails: ["n@contoso.example"] } })
      const removed = yield* request("DELETE", "/api/dl/a/members", { body: { memberEmails: ["o@contoso.example"] } })
      assert.strictEqual(added.status, 200)
      assert.deepStrictEqual(added.json, { message: "All members added.", failed: [] })
      assert.strictEqual(removed.status, 200)
      assert.deepStrictEqual(removed.json, { message: "Some failed.", failed: ["o@contoso.example"] })
      assert.deepStrictEqual(calls, [["add", "a", ["n@contoso.example"]], ["remove", "a", ["o@contoso.example"]]])
    }).pipe(Effect.scoped))
})
