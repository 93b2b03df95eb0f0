import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Random } from "effect"
import { TestClock } from "effect/testing"
import { GroupStore, type NewGroup } from "../../../src/application/ports/GroupStore.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import * as MemoryAdapters from "../../../src/adapters/memory/MemoryAdapters.ts"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"

const adele = "adele.vance@contoso.example"
const alex = "alex.wilber@contoso.example"
const megan = "megan.bowen@contoso.example"

const sales: NewGroup = {
  name: "Sales",
  alias: "sales",
  displayName: "Sales Team",
  primarySmtpAddress: "sales@contoso.example",
  managedBy: [adele],
  members: [alex],
  requireSenderAuthenticationEnabled: false,
  anchor: adele
}

describe("MemoryGroupStore", () => {
  it.effect("creates, reads, updates owners, lists members and deletes; identity is the Exchange Guid", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const created = yield* store.create(sales)
      const model = yield* TenantModel
      const adeleId = Option.getOrThrow(yield* model.findUserByAddress(adele)).id
      const meganId = Option.getOrThrow(yield* model.findUserByAddress(megan)).id
      // adele's legacy Exchange Name as ManagedBy shows it; a get reads it as her object id
      assert.deepStrictEqual(created.ownerIds, ["Adele Vance"])
      assert.strictEqual(created.requireSenderAuthenticationEnabled, false)
      const target = { identity: created.identity, anchor: adele }
      assert.deepStrictEqual(yield* store.get(target), created)
      assert.deepStrictEqual(yield* store.ownerIds(created, target), [adeleId])
      assert.deepStrictEqual(yield* store.listMembers(target), [alex])
      yield* store.update(target, { displayName: "Revenue", managedBy: { add: [megan], remove: [adele] } })
      const updated = yield* store.get(target)
      assert.strictEqual(updated.displayName, "Revenue")
      assert.deepStrictEqual(yield* store.ownerIds(updated, target), [meganId])
      yield* store.remove(target)
      assert.strictEqual((yield* Effect.flip(store.get(target)))._tag, "GroupNotFound")
    }).pipe(Effect.provide(MemoryAdapters.layerTest())))

  it.effect("maps Exchange errors to port errors like the Microsoft adapter", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      yield* store.create(sales)
      assert.strictEqual((yield* Effect.flip(store.create(sales)))._tag, "GroupAlreadyExists")
      const taken = yield* Effect.flip(store.create({ ...sales, name: "Other", alias: "other", primarySmtpAddress: adele }))
      assert.strictEqual(taken._tag, "GroupAlreadyExists")
      const unknown = yield* Effect.flip(store.create({ ...sales, name: "X", alias: "x", primarySmtpAddress: "x@contoso.example", members: ["ghost@contoso.example"] }))
      assert.deepStrictEqual([unknown._tag, unknown._tag === "RecipientNotFound" && unknown.address], ["RecipientNotFound", "ghost@contoso.example"])
      assert.strictEqual((yield* Effect.flip(store.get({ identity: "nope", anchor: adele })))._tag, "GroupNotFound")
    }).pipe(Effect.provide(MemoryAdapters.layerTest())))

  it.effect("bulk member changes report Applied / Unchanged / Rejected per address", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const created = yield* store.create(sales)
      const target = { identity: created.identity, anchor: adele }
      const added = yield* store.addMembers(target, [alex, megan, "ghost@contoso.example"])
      assert.deepStrictEqual(added.map((o) => [o.address, o._tag]), [[alex, "Unchanged"], [megan, "Applied"], ["ghost@contoso.example", "Rejected"]])
      const rejected = added[2]!
      assert.strictEqual(rejected._tag === "Rejected" && rejected.error._tag, "RecipientNotFound")
      const removed = yield* store.removeMembers(target, [megan, adele])
      assert.deepStrictEqual(removed.map((o) => o._tag), ["Applied", "Unchanged"])
      yield* store.replaceMembers(target, [adele, megan])
      assert.deepStrictEqual(yield* store.listMembers(target), [adele, megan])
      const gone = { identity: "00000000-0000-4000-8000-000000000000", anchor: adele }
      assert.strictEqual((yield* Effect.flip(store.addMembers(gone, [alex])))._tag, "GroupNotFound")
    }).pipe(Effect.provide(MemoryAdapters.layerTest())))

  it.effect("a new group stays invisible for SANDBOX_REPLICATION_DELAY_MS", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const created = yield* store.create(sales)
      const target = { identity: created.identity, anchor: adele }
      assert.strictEqual((yield* Effect.flip(store.get(target)))._tag, "GroupNotFound")
      yield* TestClock.adjust(1_500)
      assert.strictEqual((yield* store.get(target)).name, "Sales")
    }).pipe(Effect.provide(MemoryAdapters.layerTest({ knobs: { replicationDelayMillis: 1_500 } }))))

  it.effect("injected faults surface as transient UpstreamErrors; a faulted batch rejects just its members", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const behaviour = yield* Behaviour
      const created = yield* store.create(sales)
      yield* behaviour.set({ faultRate: 1 })
      const error = yield* Effect.flip(store.get({ identity: created.identity, anchor: adele }))
      assert.strictEqual(error._tag === "UpstreamError" && error.reason._tag, "Transient")
      const outcomes = yield* store.addMembers({ identity: created.identity, anchor: adele }, [megan])
      const outcome = outcomes[0]!
      assert.isTrue(outcome._tag === "Rejected" && outcome.error._tag === "UpstreamError" && outcome.error.reason._tag === "Transient")
      yield* behaviour.set({ faultRate: 0 })
      assert.deepStrictEqual(yield* store.listMembers({ identity: created.identity, anchor: adele }), [alex])
    }).pipe(Random.withSeed(7), Effect.provide(MemoryAdapters.layerTest())))

  it.effect("handles a 10,000-member create and a 50,000-member read quickly", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const address = (n: number) => `user${String(n).padStart(5, "0")}@contoso.example`
      const created = yield* store.create({ ...sales, members: Array.from({ length: 10_000 }, (_, i) => address(i + 1)) })
      const target = { identity: created.identity, anchor: adele }
      yield* store.replaceMembers(target, Array.from({ length: 10_000 }, (_, i) => address(i + 40_001)))
      const model = yield* TenantModel
      // grow to 50,000 directly on the model (the cmdlets cap one call at 10,000)
      yield* model.transact((state) => {
        const group = state.groupByGuid(created.identity)!
        for (let n = 1; n <= 40_000; n++) group.members.add(state.findUserByAddress(address(n))!.id)
      })
      const members = yield* store.listMembers(target)
      assert.strictEqual(members.length, 50_000)
      assert.strictEqual(new Set(members).size, 50_000)
    }).pipe(Effect.provide(MemoryAdapters.layerTest({ tenant: { generatedUsers: 50_000 } }))))
})

describe("MemoryUserDirectory", () => {
  it.effect("finds users by UPN, mail or proxy address, keyed by the lower-cased input; resolves ids", () =>
    Effect.gen(function*() {
      const directory = yield* UserDirectory
      const found = yield* directory.findUsers(["Adele.Vance@contoso.example", "smtp:meganb@contoso.example", "ghost@contoso.example"])
      assert.deepStrictEqual([...found.keys()], ["adele.vance@contoso.example", "smtp:meganb@contoso.example"])
      const adeleUser = found.get("adele.vance@contoso.example")!
      assert.deepStrictEqual(adeleUser, { id: adeleUser.id, userPrincipalName: adele, mail: adele, displayName: "Adele Vance" })
      const byIds = yield* directory.usersByIds([adeleUser.id, "00000000-0000-0000-0000-000000000000"])
      assert.deepStrictEqual([...byIds.keys()], [adeleUser.id])
      // Graph knows users without a mailbox (mail null); Exchange does not
      assert.strictEqual((yield* directory.findUsers(["svc.reporting@contoso.example"])).get("svc.reporting@contoso.example")?.mail, null)
    }).pipe(Effect.provide(MemoryAdapters.layerTest())))
})
