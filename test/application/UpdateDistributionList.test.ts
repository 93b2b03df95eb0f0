import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { type GroupChanges, GroupAlreadyExists, type Target } from "../../src/application/ports/GroupStore.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const { callsOf, failed, failNext, seedGroup, transient, user } = FakeTenant
const users = ["john", "jane", "joe", "m1", "m2", "m3"].map((name) => user(name))
const address = (name: string) => `${name}@contoso.example`

const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const dl = seedGroup(tenant, {
    alias: "team",
    displayName: "Team",
    ownerIds: ["id-john", "id-jane"],
    members: ["m1", "m2", "john", "jane"].map(address)
  })
  const stored = () => tenant.groups.get(dl.identity)!
  const changes = () => callsOf(tenant, "update").map((c) => c.args[1] as GroupChanges)
  const writes = () => tenant.calls.filter((c) => !["get", "ownerIds", "listMembers", "findUsers", "usersByIds"].includes(c.op))
  return { dls: yield* DistributionLists, tenant, dl, stored, changes, writes }
})

describe("DistributionLists.update", () => {
  it.effect("owners Exchange names by a legacy Name are read as ids: an owner sent back is kept, not removed and re-added", () =>
    Effect.gen(function*() {
      const { changes, dls, stored, tenant } = yield* setup
      tenant.legacyNames.set("id-john", "John Doe")
      yield* dls.update("team", { ownerEmails: [address("john"), address("jane")] }, {})
      assert.deepStrictEqual(changes(), [], "nothing to change")
      yield* dls.update("team", { ownerEmails: [address("jane")] }, {})
      assert.deepStrictEqual(stored().dl.ownerIds, ["id-jane"])
      assert.deepStrictEqual(changes()[0]?.managedBy, { add: [], remove: ["john@contoso.example"] })
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a PATCH that touches neither owners nor members never asks for owner ids", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      yield* dls.update("team", { displayName: "Renamed", allowExternalSenders: true }, {})
      assert.strictEqual(callsOf(tenant, "ownerIds").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 for an absent DL", () =>
    Effect.gen(function*() {
      const { dls, writes } = yield* setup
      const error = yield* Effect.flip(dls.update("nope", { displayName: "X" }, {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(writes().length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("new owners without a mailbox are named in one 404; nothing changes", () =>
    Effect.gen(function*() {
      const { dls, tenant, writes } = yield* setup
      tenant.users.push(user("svc", "contoso.example", { mail: null }), user("svc2", "contoso.example", { mail: null }))
      const error = yield* Effect.flip(dls.update("team", {
        displayName: "New",
        ownerEmails: ["svc@contoso.example", "john@contoso.example", "SVC2@contoso.example"],
        memberEmails: ["svc@contoso.example"]
      }, {}))
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") assert.deepStrictEqual(error.addresses, ["svc@contoso.example", "SVC2@contoso.example"])
      assert.strictEqual(writes().length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an owner the list already has passes without a mailbox: the owner list GET shows can be sent back", () =>
    Effect.gen(function*() {
      const { dls, tenant, changes } = yield* setup
      const svc = user("svc", "contoso.example", { mail: null })
      tenant.users.push(svc)
      const dl = seedGroup(tenant, { alias: "ops", ownerIds: ["id-john", svc.id], members: [address("john")] })
      const result = yield* dls.update("ops", { displayName: "Ops", ownerEmails: [address("john"), "svc@contoso.example"] }, {})
      // owners are members too (OWNERS_AS_MEMBERS): that part fails for svc, as it always did, and says so
      assert.deepStrictEqual(result.failedMembers, ["svc@contoso.example"])
      assert.deepStrictEqual(changes(), [{ displayName: "Ops" }])
      assert.strictEqual(tenant.groups.get(dl.identity)!.dl.displayName, "Ops")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a display name or name with a line break inside is a 422 naming the field; nothing changes", () =>
    Effect.gen(function*() {
      const { dls, writes } = yield* setup
      const error = yield* Effect.flip(dls.update("team", { displayName: "Team\nB", name: "A\tB" }, {}))
      assert.strictEqual(error._tag, "InvalidInput")
      if (error._tag === "InvalidInput") {
        assert.deepStrictEqual(error.issues.map((issue) => issue.loc), [["name"], ["displayName"]])
      }
      assert.strictEqual(writes().length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an absent DL AND unknown users: the DL's 404 is reported", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const error = yield* Effect.flip(dls.update("nope", { memberEmails: ["x@contoso.example"] }, {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an empty PATCH changes nothing and succeeds", () =>
    Effect.gen(function*() {
      const { dls, writes } = yield* setup
      const result = yield* dls.update("team", {}, {})
      assert.deepStrictEqual(result, { message: "Distribution List 'team' updated successfully." })
      assert.strictEqual(writes().length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("validates every new address first: 404 names all unknown ones, and nothing changes", () =>
    Effect.gen(function*() {
      const { dls, stored, writes } = yield* setup
      const error = yield* Effect.flip(dls.update("team", {
        displayName: "New",
        ownerEmails: [address("john"), address("ghost")],
        memberEmails: [address("m1"), "Nobody@contoso.example"]
      }, {}))
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") {
        assert.deepStrictEqual(error.addresses, [address("ghost"), "Nobody@contoso.example"])
      }
      assert.strictEqual(writes().length, 0)
      assert.strictEqual(stored().dl.displayName, "Team")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect.each([
    ["no owner left", { ownerEmails: [] }, ["ownerEmails"]],
    ["a bad name", { name: "???" }, ["name"]],
    ["a blank displayName", { displayName: " " }, ["displayName"]],
    ["a malformed owner", { ownerEmails: ["john"] }, ["ownerEmails", 0]]
  ] as const)("422 for %s, with no upstream call", ([, patch, loc]) =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.update("team", patch, {}))
      assert.strictEqual(error._tag, "InvalidInput")
      if (error._tag === "InvalidInput") assert.deepStrictEqual(error.issues[0]!.loc, loc)
      assert.strictEqual(tenant.calls.length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("name renames alias, Name and primary address; later calls use the identity and the new address", () =>
    Effect.gen(function*() {
      const { dl, dls, stored, tenant, changes } = yield* setup
      const result = yield* dls.update("team", {
        name: "Sales Team",
        displayName: "Sales",
        allowExternalSenders: true,
        memberEmails: [address("m1")]
      }, {})
      assert.deepStrictEqual(result, { message: "Distribution List 'team' updated successfully.", renamedTo: "sales-team" })
      assert.deepStrictEqual(changes(), [{
        name: "sales-team",
        alias: "sales-team",
        primarySmtpAddress: "sales-team@contoso.example",
        displayName: "Sales",
        requireSenderAuthenticationEnabled: false
      }])
      const later = tenant.calls.filter((c) => ["update", "removeMembers"].includes(c.op))
      assert.isTrue(later.every((c) => (c.args[0] as Target).identity === dl.identity))
      assert.strictEqual((callsOf(tenant, "removeMembers")[0]!.args[0] as Target).anchor, "sales-team@contoso.example")
      // The members were listed by the caller's id at the same time as the read, before the rename.
      assert.strictEqual((callsOf(tenant, "listMembers")[0]!.args[0] as Target).identity, "team")
      assert.isBelow(tenant.calls.findIndex((c) => c.op === "listMembers"), tenant.calls.findIndex((c) => c.op === "update"))
      assert.strictEqual(stored().dl.primarySmtpAddress, "sales-team@contoso.example")
      // Owners stay members (OWNERS_AS_MEMBERS), m2 goes.
      assert.deepStrictEqual(stored().members, ["m1", "john", "jane"].map(address))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a name that is taken is a 409, and nothing else is changed", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      seedGroup(tenant, { alias: "sales-team" })
      const error = yield* Effect.flip(dls.update("team", { name: "Sales Team", memberEmails: [address("m1")] }, {}))
      assert.strictEqual(error._tag, "DistributionListExists")
      assert.strictEqual(stored().members.length, 4)
      assert.strictEqual(callsOf(tenant, "removeMembers").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a rename whose reply was lost is recognised on retry", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      failNext(tenant, "update", { error: transient("update"), when: "after" })
      // The fake, like a strict store, reports the new name as taken on the retry.
      failNext(tenant, "update", new GroupAlreadyExists({ identity: "x", detail: "taken" }))
      const result = yield* withTime(dls.update("team", { name: "Sales Team" }, {}))
      assert.strictEqual(result.message, "Distribution List 'team' updated successfully.")
      assert.strictEqual(stored().dl.alias, "sales-team")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("owners are synchronised completely through ManagedBy add/remove", () =>
    Effect.gen(function*() {
      const { changes, dls, stored } = yield* setup
      yield* dls.update("team", { ownerEmails: [address("jane"), address("joe")] }, {})
      assert.deepStrictEqual(changes(), [{ managedBy: { add: [address("joe")], remove: [address("john")] } }])
      assert.deepStrictEqual(stored().dl.ownerIds, ["id-jane", "id-joe"])
      // Owners as members: the new owner becomes a member; nobody is removed.
      assert.deepStrictEqual(stored().members, ["m1", "m2", "john", "jane", "joe"].map(address))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("with OWNERS_AS_MEMBERS off, an owner change touches no member", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      yield* dls.update("team", { ownerEmails: [address("joe")] }, {})
      assert.deepStrictEqual(stored().dl.ownerIds, ["id-joe"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
      assert.strictEqual(stored().members.length, 4)
    }).pipe(Effect.provide(appLayer(users, { ownersAsMembers: false }))))

  it.effect("a member the list has that is no user (a nested group) passes when sent back; a new one is a 404", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      const nested = "Nested-Group@contoso.example"
      tenant.groups.get(stored().dl.identity)!.members.push(nested.toLowerCase())
      // what GET shows, sent back with one change
      yield* dls.update("team", { memberEmails: [address("m1"), nested, address("m3")] }, {})
      assert.deepStrictEqual(callsOf(tenant, "addMembers").map((c) => c.args[1]), [[address("m3")]])
      assert.deepStrictEqual(callsOf(tenant, "removeMembers").map((c) => c.args[1]), [[address("m2")]])
      assert.include(stored().members, nested.toLowerCase())
      const error = yield* Effect.flip(dls.update("team", { memberEmails: [nested, "other-group@contoso.example"] }, {}))
      assert.deepStrictEqual(error._tag === "UsersNotFound" && error.addresses, ["other-group@contoso.example"])
      // as an owner it must be a user, list member or not
      const owner = yield* Effect.flip(dls.update("team", { ownerEmails: [nested] }, {}))
      assert.deepStrictEqual(owner._tag === "UsersNotFound" && owner.addresses, [nested])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("members are synchronised completely: the diff is added and removed, owners kept as members", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      yield* dls.update("team", { memberEmails: [address("m3"), "M1@contoso.example"] }, {})
      assert.deepStrictEqual(callsOf(tenant, "addMembers").map((c) => c.args[1]), [[address("m3")]])
      assert.deepStrictEqual(callsOf(tenant, "removeMembers").map((c) => c.args[1]), [[address("m2")]])
      assert.deepStrictEqual(stored().members, ["m1", "john", "jane", "m3"].map(address))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("owners and members together: the new owners are the ones kept as members", () =>
    Effect.gen(function*() {
      const { dls, stored } = yield* setup
      yield* dls.update("team", { ownerEmails: [address("joe")], memberEmails: [address("m1")] }, {})
      assert.deepStrictEqual(stored().members, ["m1", "joe"].map(address))
      assert.deepStrictEqual(stored().dl.ownerIds, ["id-joe"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("with OWNERS_AS_MEMBERS off, the member list is exactly the one given", () =>
    Effect.gen(function*() {
      const { dls, stored } = yield* setup
      yield* dls.update("team", { memberEmails: [address("m3")] }, {})
      assert.deepStrictEqual(stored().members, [address("m3")])
    }).pipe(Effect.provide(appLayer(users, { ownersAsMembers: false }))))

  it.effect("member changes that could not be applied are reported in the message and failedMembers", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.memberFaults.set(address("m3"), [FakeTenant.failed("addMembers")])
      tenant.memberFaults.set(address("m2"), [FakeTenant.failed("removeMembers")])
      const result = yield* dls.update("team", { memberEmails: [address("m1"), "M3@contoso.example"] }, {})
      assert.deepStrictEqual(result, {
        message: "Distribution List 'team' updated, but 2 member change(s) could not be applied: " +
          "M3@contoso.example, m2@contoso.example",
        failedMembers: ["M3@contoso.example", address("m2")]
      })
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an owner Exchange does not see is retried, then a 404 naming it", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      tenant.unseenByExchange.set(address("joe"), 100)
      const error = yield* Effect.flip(withTime(dls.update("team", { ownerEmails: ["JOE@contoso.example"] }, {})))
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") assert.deepStrictEqual(error.addresses, ["JOE@contoso.example"])
      assert.strictEqual(callsOf(tenant, "update").length, 5)
      assert.deepStrictEqual(stored().dl.ownerIds, ["id-john", "id-jane"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("members refused after a rename: 200 naming every member change, not an error hiding the rename", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      failNext(tenant, "addMembers", failed("addMembers"))
      failNext(tenant, "removeMembers", failed("removeMembers"))
      const result = yield* dls.update("team", { name: "Team Two", memberEmails: [address("m1"), address("m3")] }, {})
      assert.strictEqual(stored().dl.alias, "team-two")
      assert.deepStrictEqual(result.failedMembers, [address("m3"), address("m2")])
      assert.strictEqual(result.renamedTo, "team-two")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("removals refused while the adds went through: 200 naming the removals", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      failNext(tenant, "removeMembers", failed("removeMembers"))
      const result = yield* dls.update("team", { memberEmails: [address("m1"), address("m3")] }, {})
      assert.include(stored().members, address("m3"))
      assert.deepStrictEqual(result.failedMembers, [address("m2")])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("member changes refused and nothing else changed: the error, as nothing was applied", () =>
    Effect.gen(function*() {
      const { dls, stored, tenant } = yield* setup
      failNext(tenant, "addMembers", failed("addMembers"))
      failNext(tenant, "removeMembers", failed("removeMembers"))
      const error = yield* Effect.flip(dls.update("team", { memberEmails: [address("m1"), address("m3")] }, {}))
      assert.strictEqual(error._tag, "UpstreamError")
      assert.notInclude(stored().members, address("m3"))
    }).pipe(Effect.provide(appLayer(users))))
})
