import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { Base64Url } from "effect/encoding"
import { decodePageToken, encodePageToken } from "../../src/application/GetDistributionListPage.ts"
import type { PageRequest, Target } from "../../src/application/ports/GroupStore.ts"
import { ACQUIRE_TOKEN } from "../../src/application/ports/UpstreamError.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const { callsOf, failNext, seedGroup, transient, user } = FakeTenant
const members = Array.from({ length: 25 }, (_, i) => `m${i + 1}@contoso.example`)
const users = [user("john"), user("jane"), ...members.map((address) => user(address.split("@")[0]!))]

const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  seedGroup(tenant, {
    alias: "marketing-team",
    name: "marketing-team",
    displayName: "Marketing Team",
    ownerIds: ["id-john", "id-gone"],
    requireSenderAuthenticationEnabled: false,
    members
  })
  seedGroup(tenant, { alias: "sales", name: "sales", displayName: "Sales", ownerIds: ["id-jane"], members: [] })
  return { dls: yield* DistributionLists, tenant }
})

const issueOf = (error: { readonly _tag: string }) =>
  error._tag === "InvalidInput" ? (error as unknown as { issues: ReadonlyArray<{ loc: unknown; msg: string }> }).issues : []

describe("DistributionLists.getPage", () => {
  it.effect("pages cover the members once, in order; each page describes the DL as get does; the last has no token", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const full = yield* dls.get("marketing-team", {})
      const pages = [yield* dls.getPage("marketing-team", { pageSize: 10 }, {})]
      while (pages.at(-1)!.membersNextPageToken !== undefined) {
        pages.push(yield* dls.getPage("marketing-team", { pageSize: 10, pageToken: pages.at(-1)!.membersNextPageToken }, {}))
      }
      assert.deepStrictEqual(pages.map((page) => page.members.length), [10, 10, 5])
      assert.deepStrictEqual(pages.flatMap((page) => page.members), [...full.members])
      assert.isFalse("membersNextPageToken" in pages[2]!)
      for (const { members: _, membersNextPageToken: __, ...rest } of pages) {
        const { members: _m, ...expected } = full
        assert.deepStrictEqual(rest, expected)
      }
      assert.deepStrictEqual(full.owners, ["john@contoso.example"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a size alone or a token alone; without a size the page holds up to 1,000", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const all = yield* dls.getPage("marketing-team", {}, {})
      assert.strictEqual(all.members.length, 25)
      assert.isUndefined(all.membersNextPageToken)
      const first = yield* dls.getPage("marketing-team", { pageSize: 1 }, {})
      yield* dls.getPage("marketing-team", { pageToken: first.membersNextPageToken }, {})
      assert.deepStrictEqual(
        callsOf(tenant, "listMembersPage").map((call) => call.args[1] as PageRequest),
        [{ size: 1000 }, { size: 1 }, { size: 1000, cursor: "1" }]
      )
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("by display name: the token keeps the alias the listing ran under, and later pages use it", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const first = yield* dls.getPage("Marketing Team", { pageSize: 20 }, {})
      const token = decodePageToken(first.membersNextPageToken!)!
      assert.deepStrictEqual([token.dl, token.id], ["Marketing Team", "marketing-team"])
      const second = yield* dls.getPage("Marketing Team", { pageSize: 20, pageToken: first.membersNextPageToken }, {})
      assert.deepStrictEqual([...first.members, ...second.members], members)
      assert.deepStrictEqual(callsOf(tenant, "get").map((call) => (call.args[0] as Target).identity).slice(0, 2), [
        "Marketing Team",
        "marketing-team"
      ])
      // (a listing under "Marketing Team" may have started; the read's 404 stopped it)
      assert.deepStrictEqual(
        callsOf(tenant, "listMembersPage").map((call) => (call.args[0] as Target).identity).slice(-2),
        ["marketing-team", "marketing-team"]
      )
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("the page is listed while the DL is read; owners are resolved as soon as the read returns", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "get", transient("get"))
      failNext(tenant, "listMembersPage", transient("listMembersPage", 5000))
      yield* withTime(dls.getPage("marketing-team", { pageSize: 5 }, {}))
      const [firstRead, read] = callsOf(tenant, "get")
      const [firstList, list] = callsOf(tenant, "listMembersPage")
      assert.strictEqual(firstList!.at, firstRead!.at)
      assert.strictEqual(callsOf(tenant, "usersByIds")[0]!.at, read!.at)
      assert.isAbove(list!.at, read!.at)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a token for another DL, a malformed one, or one the store refuses: InvalidInput at query.membersPageToken", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const first = yield* dls.getPage("marketing-team", { pageSize: 5 }, {})
      const ownId = decodePageToken(first.membersNextPageToken!)!.g
      const reads = callsOf(tenant, "listMembersPage").length
      const cases = [
        ["sales", first.membersNextPageToken!, /another distribution list/],
        ["sales", encodePageToken({ v: 2, dl: "sales", id: "marketing-team", g: ownId, c: "5" }), /another distribution list/],
        ["marketing-team", "not-a-token", /^Invalid page token/],
        // a token of the earlier version: its list identity is unknown, so it cannot be checked
        ["marketing-team", Base64Url.encode(JSON.stringify({ v: 1, dl: "marketing-team", id: "marketing-team", c: "5" })), /^Invalid page token/],
        ["marketing-team", encodePageToken({ v: 2, dl: "marketing-team", id: "marketing-team", g: ownId, c: "x" }), /^Invalid page token/]
      ] as const
      for (const [dlId, pageToken, msg] of cases) {
        const error = yield* Effect.flip(dls.getPage(dlId, { pageToken }, {}))
        const issues = issueOf(error)
        assert.strictEqual(issues.length, 1, `${dlId} ${pageToken}`)
        assert.deepStrictEqual(issues[0]!.loc, ["query", "membersPageToken"])
        assert.match(issues[0]!.msg, msg)
        assert.match(issues[0]!.msg, /start again without membersPageToken$/)
      }
      // only the last one (a well-formed token the store refused) reached the store
      assert.strictEqual(callsOf(tenant, "listMembersPage").length, reads + 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a token naming another list's alias cannot page that list: the read must find the DL under the token's identity", () =>
    Effect.gen(function*() {
      const tenant = yield* FakeTenant.FakeTenant
      // X: a list whose Exchange Name is its display name (as lists made in the admin center have), owned by john
      seedGroup(tenant, { alias: "px", name: "Payroll Team", displayName: "Payroll Team", ownerIds: ["id-john"], members: ["m1@contoso.example"] })
      // Y: another list whose alias is the one "Payroll Team" gives
      seedGroup(tenant, { alias: "payroll-team", name: "payroll-team", ownerIds: ["id-jane"], members: ["m2@contoso.example", "m3@contoso.example"] })
      const dls = yield* DistributionLists
      assert.deepStrictEqual((yield* dls.owners("Payroll Team", {}, "addresses")).owners, { ids: ["id-john"], addresses: ["john@contoso.example"] })
      const forged = encodePageToken({ v: 2, dl: "Payroll Team", id: "payroll-team", g: "whatever", c: "0" })
      const issues = issueOf(yield* Effect.flip(dls.getPage("Payroll Team", { pageToken: forged }, {})))
      assert.deepStrictEqual(issues.map((issue) => issue.loc), [["query", "membersPageToken"]])
      assert.match(issues[0]!.msg, /another distribution list/)
      // the list's own pages still work
      const own = yield* dls.getPage("Payroll Team", { pageSize: 1 }, {})
      assert.deepStrictEqual([own.dlId, own.members], ["px", ["m1@contoso.example"]])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a token of a list deleted and made again under its name is refused: it would page the deleted list", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const first = yield* dls.getPage("marketing-team", { pageSize: 5 }, {})
      yield* dls.remove("marketing-team", {})
      seedGroup(tenant, { alias: "marketing-team", name: "marketing-team", ownerIds: ["id-jane"], members: [] })
      const issues = issueOf(yield* Effect.flip(dls.getPage("marketing-team", { pageToken: first.membersNextPageToken! }, {})))
      assert.deepStrictEqual(issues.map((issue) => issue.loc), [["query", "membersPageToken"]])
      assert.match(issues[0]!.msg, /another distribution list/)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a cursor Exchange refuses for want of rights (a forged one: another tenant's path) is an invalid token, not a 502", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const first = yield* dls.getPage("marketing-team", { pageSize: 5 }, {})
      failNext(tenant, "listMembersPage", FakeTenant.forbidden("listMembersPage"))
      const issues = issueOf(yield* Effect.flip(dls.getPage("marketing-team", { pageToken: first.membersNextPageToken! }, {})))
      assert.match(issues[0]!.msg, /^Invalid page token; start again without membersPageToken$/)
      // the first page of a list still reports a refused app as it is, and so does any page our own token fails
      failNext(tenant, "listMembersPage", FakeTenant.forbidden("listMembersPage"))
      assert.strictEqual((yield* Effect.flip(dls.getPage("marketing-team", { pageSize: 5 }, {})))._tag, "UpstreamError")
      failNext(tenant, "listMembersPage", FakeTenant.forbidden(ACQUIRE_TOKEN))
      const ours = yield* Effect.flip(dls.getPage("marketing-team", { pageToken: first.membersNextPageToken! }, {}))
      assert.strictEqual(ours._tag, "UpstreamError")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a size outside 1..1000 is InvalidInput at query.membersPageSize; an absent DL is a 404", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      for (const pageSize of [0, 1001, 2.5]) {
        const issues = issueOf(yield* Effect.flip(dls.getPage("marketing-team", { pageSize }, {})))
        assert.deepStrictEqual(issues.map((issue) => issue.loc), [["query", "membersPageSize"]])
      }
      const error = yield* Effect.flip(dls.getPage("nope", { pageSize: 5 }, {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))
})
