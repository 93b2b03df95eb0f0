import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as DistributionLists from "../../../src/application/DistributionLists.ts"
import { decodePageToken, encodePageToken } from "../../../src/application/GetDistributionListPage.ts"
import { GroupStore } from "../../../src/application/ports/GroupStore.ts"
import * as Settings from "../../../src/application/Settings.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"
import { adaptersOverSandbox, admin, domain, generated, group } from "../microsoft/SandboxHarness.ts"
import { app, details } from "./support.ts"


const tokenIssue = (msg: RegExp) => ({ loc: ["query", "membersPageToken"], msg })

const assertTokenRefused = (res: { readonly status: number; readonly json: any }, msg: RegExp) => {
  assert.strictEqual(res.status, 422)
  assert.strictEqual(res.json.error, "Validation Error")
  assert.strictEqual(res.json.details.length, 1)
  assert.deepStrictEqual(res.json.details[0].loc, tokenIssue(msg).loc)
  assert.strictEqual(res.json.details[0].type, "value_error")
  assert.match(res.json.details[0].msg, msg)
}

describe("GET /api/dl/{dlId} member paging: the query parameters", () => {
  const calls: Array<unknown> = []
  const service = {
    get: (dlId: string) => Effect.sync(() => (calls.push(["get", dlId]), details)),
    getPage: (dlId: string, paging: DistributionLists.MemberPaging) =>
      Effect.sync(() => (calls.push(["getPage", dlId, paging]), { ...details, membersNextPageToken: "next" }))
  }

  it.effect("without them the whole list comes back as before (get, no token in the body)", () =>
    Effect.gen(function*() {
      calls.length = 0
      const { request } = yield* app(service)
      const res = yield* request("GET", "/api/dl/marketing-team")
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, details)
      assert.deepStrictEqual(Object.keys(res.json), [
        "dlId", "name", "displayName", "primaryEmail", "owners", "members", "allowExternalSenders"
      ])
      assert.deepStrictEqual(calls, [["get", "marketing-team"]])
    }).pipe(Effect.scoped))

  it.effect("either one switches to one page; the size is an integer, the token passed as given", () =>
    Effect.gen(function*() {
      calls.length = 0
      const { request } = yield* app(service)
      const sized = yield* request("GET", "/api/dl/marketing-team?membersPageSize=250")
      assert.strictEqual(sized.status, 200)
      assert.strictEqual(sized.json.membersNextPageToken, "next")
      yield* request("GET", "/api/dl/marketing-team?membersPageToken=abc-_1")
      yield* request("GET", "/api/dl/marketing-team?membersPageSize=1000&membersPageToken=t")
      // a raw `;` stays in the dlId (Middleware): the query after it still switches to a page
      yield* request("GET", "/api/dl/team;emea?membersPageSize=5")
      assert.deepStrictEqual(calls, [
        ["getPage", "marketing-team", { pageSize: 250, pageToken: undefined }],
        ["getPage", "marketing-team", { pageSize: undefined, pageToken: "abc-_1" }],
        ["getPage", "marketing-team", { pageSize: 1000, pageToken: "t" }],
        ["getPage", "team;emea", { pageSize: 5, pageToken: undefined }]
      ])
    }).pipe(Effect.scoped))

  it.effect("an invalid size or an empty token is a 422 at query.<name>, and nothing is read", () =>
    Effect.gen(function*() {
      calls.length = 0
      const { request } = yield* app(service)
      for (const value of ["0", "1001", "abc", "2.5", "", "-3", "1e3", "0x10", "5.0", "+5", " 5", "5 "]) {
        const res = yield* request("GET", `/api/dl/marketing-team?membersPageSize=${encodeURIComponent(value)}`)
        assert.strictEqual(res.status, 422, value)
        assert.strictEqual(res.json.error, "Validation Error")
        assert.isAbove(res.json.details.length, 0)
        for (const issue of res.json.details) {
          assert.deepStrictEqual(issue.loc, ["query", "membersPageSize"], value)
          assert.strictEqual(issue.msg, "Input should be an integer from 1 to 1000", value)
        }
      }
      const empty = yield* request("GET", "/api/dl/marketing-team?membersPageToken=")
      assert.strictEqual(empty.status, 422)
      assert.deepStrictEqual(empty.json.details[0].loc, ["query", "membersPageToken"])
      assert.deepStrictEqual(calls, [])
    }).pipe(Effect.scoped))

  it.effect("OpenAPI documents both parameters and membersNextPageToken", () =>
    Effect.gen(function*() {
      const { request } = yield* app(service)
      const spec = (yield* request("GET", "/openapi.json")).json
      const operation = spec.paths["/api/dl/{dlId}"].get
      const names = operation.parameters.filter((p: any) => p.in === "query").map((p: any) => p.name)
      assert.deepStrictEqual(names.sort(), ["membersPageSize", "membersPageToken"])
      for (const parameter of operation.parameters.filter((p: any) => p.in === "query")) {
        assert.match(JSON.stringify(parameter), /"description":"(Page the members|membersNextPageToken)/, parameter.name)
      }
      assert.include(JSON.stringify(spec), "membersNextPageToken")
    }).pipe(Effect.scoped))
})

// The use cases, the real routes and the Microsoft adapters over the sandbox (real HTTP on 127.0.0.1).
const stack = DistributionLists.layerNoDeps.pipe(
  Layer.provideMerge(adaptersOverSandbox({ tenant: { domain, generatedUsers: 2500 } })),
  Layer.provide(Settings.layerWith({ customDomain: domain }))
)

/** A loopback server that only counts what reaches it: a forged token must send nothing here. */
const decoy = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ readonly url: string; readonly hits: () => number; readonly close: () => Promise<void> }>((resolve) => {
      let hits = 0
      const server = createServer((_request, response) => {
        hits++
        response.writeHead(200, { "content-type": "application/json" }).end("{\"value\":[]}")
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resolve({
          url: `http://127.0.0.1:${port}`,
          hits: () => hits,
          close: () => new Promise((done) => server.close(() => done()))
        })
      })
    })
  ),
  (server) => Effect.promise(server.close)
)

layer(stack, { excludeTestServices: true, timeout: "60 seconds" })("GET /api/dl/{dlId} member paging over the sandbox", (it) => {
  const big = "paged-big"
  const other = "paged-other"
  const setUp = Effect.gen(function*() {
    const store = yield* GroupStore
    const exists = yield* Effect.result(store.get({ identity: `${big}@${domain}`, anchor: admin }))
    if (exists._tag === "Success") return
    yield* store.create(group(big, generated(1, 2500)))
    yield* store.create(group(other, generated(1, 3)))
  })

  it.effect("2,500 members in pages of 1,000: exactly the full list, in order; the last page has no token", () =>
    Effect.gen(function*() {
      yield* setUp
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      const full = yield* request("GET", `/api/dl/${big}`)
      assert.strictEqual(full.status, 200)
      assert.strictEqual(full.json.members.length, 2500)
      assert.notProperty(full.json, "membersNextPageToken")

      const pages: Array<any> = []
      let path = `/api/dl/${big}?membersPageSize=1000`
      for (;;) {
        const res = yield* request("GET", path)
        assert.strictEqual(res.status, 200, res.text)
        pages.push(res.json)
        const token = res.json.membersNextPageToken
        if (token === undefined) break
        assert.isBelow(pages.length, 5)
        path = `/api/dl/${big}?membersPageSize=1000&membersPageToken=${encodeURIComponent(token)}`
      }
      assert.deepStrictEqual(pages.map((page) => page.members.length), [1000, 1000, 500])
      assert.deepStrictEqual(pages.flatMap((page) => page.members), full.json.members)
      assert.strictEqual(new Set(pages.flatMap((page) => page.members)).size, 2500)
      // every page describes the list as the full read does
      for (const page of pages) {
        const { members: _m, membersNextPageToken: _t, ...rest } = page
        const { members: _f, ...fullRest } = full.json
        assert.deepStrictEqual(rest, fullRest)
      }
      // only a token: pages of 1,000 by default
      const first = decodePageToken(pages[0].membersNextPageToken)!
      assert.strictEqual(first.dl, big)
      const second = yield* request("GET", `/api/dl/${big}?membersPageToken=${encodeURIComponent(pages[0].membersNextPageToken)}`)
      assert.deepStrictEqual(second.json.members, pages[1].members)
    }).pipe(Effect.scoped))

  it.effect("a forged token pointing at another host is a 422 and no request reaches that host", () =>
    Effect.gen(function*() {
      yield* setUp
      const sandbox = yield* Sandbox
      const target = yield* decoy
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      // the list's own identity, as a real token of it carries
      const g = decodePageToken((yield* request("GET", `/api/dl/${big}?membersPageSize=10`)).json.membersNextPageToken)!.g
      const invokePath = `/adminapi/beta/${sandbox.tenantId}/InvokeCommand`
      const sandboxHost = new URL(sandbox.baseUrl).host
      const links = [
        `${target.url}${invokePath}?$skiptoken=x`,
        `${target.url.replace("127.0.0.1", "localhost")}${invokePath}`,
        // credentials that spell the trusted host, pointing elsewhere
        `http://${sandboxHost}@${new URL(target.url).host}${invokePath}`,
        `https://attacker.example${invokePath}`,
        `//${new URL(target.url).host}${invokePath}`,
        // the trusted host, but not InvokeCommand
        `${sandbox.baseUrl}/v1.0/users`,
        `${sandbox.baseUrl}${invokePath}/../../../../v1.0/users`
      ]
      for (const link of links) {
        const token = encodePageToken({ v: 2, dl: big, id: big, g, c: link })
        const res = yield* request("GET", `/api/dl/${big}?membersPageToken=${encodeURIComponent(token)}`)
        assertTokenRefused(res, /^Invalid page token; start again without membersPageToken$/)
      }
      assert.strictEqual(target.hits(), 0)
    }).pipe(Effect.scoped))

  it.effect("a token issued for another list, or not a token at all, is a 422 naming membersPageToken", () =>
    Effect.gen(function*() {
      yield* setUp
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      const page = yield* request("GET", `/api/dl/${big}?membersPageSize=10`)
      const token = page.json.membersNextPageToken as string
      const wrongList = yield* request("GET", `/api/dl/${other}?membersPageToken=${encodeURIComponent(token)}`)
      assertTokenRefused(wrongList, /another distribution list; start again without membersPageToken$/)
      for (const garbage of ["abc", encodePageToken({ v: 2, dl: big, id: big, g: "", c: "" }).slice(0, -3), "%%%"]) {
        const res = yield* request("GET", `/api/dl/${big}?membersPageToken=${encodeURIComponent(garbage)}`)
        assertTokenRefused(res, /^Invalid page token; start again without membersPageToken$/)
      }
      // Rewritten to name the other list, the link no longer fits the command it is re-POSTed with:
      // Exchange answers "Expired or Invalid pagination request" and the caller is told to start again.
      const link = decodePageToken(token)!.c
      const otherId = decodePageToken((yield* request("GET", `/api/dl/${other}?membersPageSize=1`)).json.membersNextPageToken)!.g
      const rewritten = encodePageToken({ v: 2, dl: other, id: other, g: otherId, c: link })
      const refused = yield* request("GET", `/api/dl/${other}?membersPageToken=${encodeURIComponent(rewritten)}`)
      assertTokenRefused(refused, /^The page token has expired or is no longer valid; start again without membersPageToken$/)
      // the original token still works for its own list
      const next = yield* request("GET", `/api/dl/${big}?membersPageSize=10&membersPageToken=${encodeURIComponent(token)}`)
      assert.strictEqual(next.status, 200)
      assert.deepStrictEqual(next.json.members, full(page.json.members, 10))
    }).pipe(Effect.scoped))

  it.effect("an unknown list is a 404 in paged mode too", () =>
    Effect.gen(function*() {
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      const res = yield* request("GET", "/api/dl/no-such-list?membersPageSize=5")
      assert.strictEqual(res.status, 404)
      assert.deepStrictEqual(res.json, {
        error: "Distribution List not found",
        details: "Distribution List 'no-such-list' not found."
      })
    }).pipe(Effect.scoped))
})

/** The 10 members after the first page of 10 (the generated members are created in order). */
const full = (first: ReadonlyArray<string>, size: number) => {
  const start = Number(/user(\d+)@/.exec(first[first.length - 1]!)![1])
  return generated(start + 1, size)
}

// The same stack on the test clock (the sandbox's nextLinks expire after 30 minutes of it).
layer(stack, { timeout: "60 seconds" })("GET /api/dl/{dlId} member paging: an expired nextLink", (it) => {
  it.effect("Exchange's 'Expired or Invalid pagination request' is a 422 telling the caller to start again", () =>
    Effect.gen(function*() {
      yield* (yield* GroupStore).create(group("paged-expiry", generated(1, 30)))
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      const first = yield* request("GET", "/api/dl/paged-expiry?membersPageSize=10")
      assert.strictEqual(first.status, 200, first.text)
      const token = encodeURIComponent(first.json.membersNextPageToken)
      const fresh = yield* request("GET", `/api/dl/paged-expiry?membersPageSize=10&membersPageToken=${token}`)
      assert.strictEqual(fresh.status, 200, fresh.text)
      yield* TestClock.adjust("30 minutes")
      yield* TestClock.adjust("1 second")
      const expired = yield* request("GET", `/api/dl/paged-expiry?membersPageSize=10&membersPageToken=${token}`)
      assertTokenRefused(expired, /^The page token has expired or is no longer valid; start again without membersPageToken$/)
    }).pipe(Effect.scoped))
})
