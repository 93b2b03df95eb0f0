import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { REPLACE_MAX_MEMBERS, REPLACE_THRESHOLD, replaces } from "../../src/application/MemberSync.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const { callsOf, failNext, seedGroup, transient, user } = FakeTenant
const names = ["owner", ...Array.from({ length: 30 }, (_, i) => `u${i}`)]
const users = [...names.map((name) => user(name)), user("nobox", "contoso.example", { mail: null })]
const address = (name: string) => `${name}@contoso.example`
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => address(`u${from + i}`))

// A DL with owner + u0..u14; the sync keeps u0..u4 and swaps u5..u14 for u15..u24: 20 changes.
const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const dl = seedGroup(tenant, { alias: "big", ownerIds: ["id-owner"], members: [address("owner"), ...range(0, 15)] })
  const stored = () => tenant.groups.get(dl.identity)!
  return { dls: yield* DistributionLists, tenant, stored }
})
const wanted = [...range(0, 5), ...range(15, 25)]
const sorted = (values: ReadonlyArray<string>) => [...values].sort()

describe("DistributionLists.update: large member syncs", () => {
  it.effect(`more than ${REPLACE_THRESHOLD} changes are one replace of the whole list (owners kept as members)`, () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      const result = yield* dls.update("big", { memberEmails: wanted }, {})
      assert.deepStrictEqual(result, { message: "Distribution List 'big' updated successfully." })
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 1)
      assert.strictEqual(callsOf(tenant, "addMembers").length + callsOf(tenant, "removeMembers").length, 0)
      assert.deepStrictEqual(sorted(stored().members), sorted([...wanted, address("owner")]))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a transient replace failure is retried; the replace still does it all", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      failNext(tenant, "replaceMembers", transient("replaceMembers"))
      yield* withTime(dls.update("big", { memberEmails: wanted }, {}))
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 2)
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
      assert.deepStrictEqual(sorted(stored().members), sorted([...wanted, address("owner")]))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a replace refused for a user Exchange does not see yet falls back to member by member: exact failures", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      // u15 appears after a few lookups; u16 is refused for good; u5 cannot be removed.
      tenant.unseenByExchange.set(address("u15"), 2)
      tenant.memberFaults.set(address("u16"), Array.from({ length: 50 }, () => FakeTenant.failed("addMembers")))
      tenant.memberFaults.set(address("u5"), Array.from({ length: 50 }, () => FakeTenant.failed("removeMembers")))
      const result = yield* withTime(dls.update("big", { memberEmails: [...wanted.slice(0, 6), "U16@contoso.example", ...wanted.slice(7)] }, {}))
      assert.deepStrictEqual(result.failedMembers, ["U16@contoso.example", address("u5")])
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 1)
      assert.isAbove(callsOf(tenant, "addMembers").length, 0)
      const expected = [...wanted.filter((a) => a !== address("u16")), address("owner"), address("u5")]
      assert.deepStrictEqual(sorted(stored().members), sorted(expected))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a user without a mailbox is left out of the replace and reported, instead of failing it for all", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      const result = yield* withTime(dls.update("big", { memberEmails: [...wanted, address("nobox")] }, {}))
      assert.deepStrictEqual(result.failedMembers, [address("nobox")])
      const [replace] = callsOf(tenant, "replaceMembers")
      assert.notInclude(replace!.args[1] as ReadonlyArray<string>, address("nobox"))
      // one add, its own; nothing else member by member
      assert.strictEqual(callsOf(tenant, "addMembers").length, 1)
      assert.strictEqual(callsOf(tenant, "removeMembers").length, 0)
      assert.deepStrictEqual(sorted(stored().members), sorted([...wanted, address("owner")]))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a sync whose every wanted member lacks a mailbox sends no empty replace: member by member", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      const result = yield* withTime(dls.update("big", { memberEmails: [address("nobox")] }, {}))
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 0)
      assert.deepStrictEqual(result.failedMembers, [address("nobox")])
      assert.deepStrictEqual(stored().members, [])
    }).pipe(Effect.provide(appLayer(users, { ownersAsMembers: false }))))

  it.effect(`${REPLACE_THRESHOLD} changes or fewer stay member by member (no replace)`, () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      const small = [...range(0, 10), ...range(15, 20)]
      yield* dls.update("big", { memberEmails: small }, {})
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 0)
      assert.deepStrictEqual(sorted(stored().members), sorted([...small, address("owner")]))
    }).pipe(Effect.provide(appLayer(users))))

  it("replace only for more than the threshold of changes, toward 1 to 5,000 members", () => {
    assert.deepStrictEqual(
      [[REPLACE_THRESHOLD, 100], [REPLACE_THRESHOLD + 1, 100], [500, 0], [500, REPLACE_MAX_MEMBERS], [500, REPLACE_MAX_MEMBERS + 1]]
        .map(([changes, wanted]) => replaces(changes!, wanted!)),
      [false, true, false, true, false]
    )
  })
})
