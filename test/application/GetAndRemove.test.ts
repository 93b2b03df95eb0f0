import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { GroupNotFound, type Target } from "../../src/application/ports/GroupStore.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const { callsOf, failNext, seedGroup, transient, user } = FakeTenant
const users = [user("john"), user("jane", "contoso.example", { mail: null }), user("m1")]

const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const dl = seedGroup(tenant, {
    alias: "marketing-team",
    name: "marketing-team",
    displayName: "Marketing Team",
    ownerIds: ["id-john", "id-jane", "id-gone"],
    requireSenderAuthenticationEnabled: false,
    members: ["m1@contoso.example", "john@contoso.example"]
  })
  return { dls: yield* DistributionLists, tenant, dl }
})

describe("DistributionLists.get", () => {
  it.effect("takes the display name the DL was created with, by the alias it gives", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const details = yield* dls.get("Marketing Team", {})
      assert.strictEqual(details.dlId, "marketing-team")
      assert.deepStrictEqual(callsOf(tenant, "get").map((c) => (c.args[0] as Target).identity), [
        "Marketing Team",
        "marketing-team"
      ])
      const error = yield* Effect.flip(dls.get("Sales Team", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      if (error._tag === "DistributionListNotFound") assert.strictEqual(error.dlId, "Sales Team")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("logs the dlId it was asked for as one value: it cannot fake the line's fields", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const messages: Array<unknown> = []
      const capture = Logger.make(({ message }) => messages.push(...(Array.isArray(message) ? message : [message])))
      yield* Effect.flip(dls.get("x - audit action=delete", {})).pipe(Effect.provide(Logger.layer([capture])))
      assert.include(messages, "Fetching Distribution List: \"x - audit action\\u003ddelete\"")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an alias is anchored on the address it gives (seed step 4), not on postmaster", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      yield* dls.get("marketing-team", {})
      assert.deepStrictEqual(callsOf(tenant, "get").map((c) => (c.args[0] as Target).anchor), [
        "marketing-team@contoso.example"
      ])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("returns the seed's shape; owners resolved from their ids, unresolvable ones left out", () =>
    Effect.gen(function*() {
      const { dl, dls, tenant } = yield* setup
      const details = yield* dls.get("Marketing-Team@contoso.example", {})
      assert.deepStrictEqual(details, {
        dlId: "marketing-team",
        name: "marketing-team",
        displayName: "Marketing Team",
        primaryEmail: "marketing-team@contoso.example",
        owners: ["john@contoso.example", "jane@contoso.example"],
        members: ["m1@contoso.example", "john@contoso.example"],
        allowExternalSenders: true
      })
      assert.deepStrictEqual(callsOf(tenant, "usersByIds")[0]!.args[0], ["id-john", "id-jane", "id-gone"])
      // The read and the member listing both name the DL as the caller did, and start together.
      for (const op of ["get", "listMembers"] as const) {
        assert.deepStrictEqual(callsOf(tenant, op).map((c) => c.args[0] as Target), [
          { identity: "Marketing-Team@contoso.example", anchor: "Marketing-Team@contoso.example" }
        ])
      }
      assert.isDefined(dl)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 at once for an absent DL: one read, no waiting", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.get("nope", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(callsOf(tenant, "get").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("transient failures of every read are retried", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "get", transient("get"))
      failNext(tenant, "listMembers", transient("listMembers", 3000))
      failNext(tenant, "usersByIds", transient("usersByIds"))
      failNext(tenant, "ownerIds", transient("ownerIds"))
      const details = yield* withTime(dls.get("marketing-team", {}))
      assert.strictEqual(details.members.length, 2)
      assert.deepStrictEqual(details.owners, ["john@contoso.example", "jane@contoso.example"])
      // each retried on its own: a failed owner lookup does not send the read again
      assert.deepStrictEqual(tenant.calls.map((c) => c.op).sort(), [
        "get", "get", "listMembers", "listMembers", "ownerIds", "ownerIds", "usersByIds", "usersByIds"
      ])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a refusal is not retried and surfaces as an upstream error", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "get", FakeTenant.forbidden("get"))
      const error = yield* Effect.flip(dls.get("marketing-team", {}))
      assert.strictEqual(error._tag, "UpstreamError")
      assert.strictEqual(callsOf(tenant, "get").length, 1)
      assert.strictEqual(callsOf(tenant, "usersByIds").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("members are listed while the DL is read, and owners resolved while members are listed", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      // The read is retried once (500 ms); the listing must not wait for it.
      failNext(tenant, "get", transient("get"))
      failNext(tenant, "listMembers", transient("listMembers", 5000))
      yield* withTime(dls.get("marketing-team", {}))
      const [firstRead, read] = callsOf(tenant, "get")
      const [firstList, list] = callsOf(tenant, "listMembers")
      assert.strictEqual(firstList!.at, firstRead!.at)
      assert.isAbove(read!.at, firstRead!.at)
      // Owners right after the read, long before the listing's retry.
      assert.strictEqual(callsOf(tenant, "usersByIds")[0]!.at, read!.at)
      assert.isAbove(list!.at, read!.at)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an absent DL is a 404 whatever the listing says (even a refusal)", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "listMembers", FakeTenant.failed("listMembers"))
      const error = yield* Effect.flip(dls.get("nope", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an absent DL is a 404 even when the listing fails first and the read is still being retried", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "get", transient("get"), transient("get"))
      failNext(tenant, "listMembers", FakeTenant.forbidden("listMembers"))
      const error = yield* Effect.flip(withTime(dls.get("nope", {})))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(callsOf(tenant, "get").length, 3)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a DL that reads fine but whose members cannot be listed surfaces the listing's error", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "listMembers", FakeTenant.forbidden("listMembers"))
      const error = yield* Effect.flip(dls.get("marketing-team", {}))
      assert.strictEqual(error._tag, "UpstreamError")
    }).pipe(Effect.provide(appLayer(users))))
})

describe("owners Exchange names by a legacy Name (older than its naming change)", () => {
  it.effect("get and the owner check read them as ids: the owner is shown and recognised", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.legacyNames.set("id-john", "John Doe")
      assert.deepStrictEqual((yield* dls.get("marketing-team", {})).owners, ["john@contoso.example", "jane@contoso.example"])
      assert.deepStrictEqual((yield* dls.owners("marketing-team", {}, "ids")).owners.ids, ["id-john", "id-jane", "id-gone"])
    }).pipe(Effect.provide(appLayer(users))))
})

describe("the list an owner check was made on (hints.checkedList)", () => {
  it.effect("a read that finds another list by the same id is a 404, and nothing changes", () =>
    Effect.gen(function*() {
      const { dl, dls, tenant } = yield* setup
      assert.strictEqual((yield* dls.get("marketing-team", { checkedList: dl.identity.toUpperCase() })).dlId, "marketing-team")
      const other = { checkedList: "guid-of-the-list-checked-before" }
      assert.strictEqual((yield* Effect.flip(dls.get("marketing-team", other)))._tag, "DistributionListNotFound")
      assert.strictEqual((yield* Effect.flip(dls.update("marketing-team", { displayName: "X" }, other)))._tag, "DistributionListNotFound")
      assert.strictEqual((yield* Effect.flip(dls.addMembers("marketing-team", ["m1@contoso.example"], other)))._tag, "DistributionListNotFound")
      assert.deepStrictEqual(callsOf(tenant, "update").length + callsOf(tenant, "addMembers").length, 0)
    }).pipe(Effect.provide(appLayer(users))))
})

describe("DistributionLists.owners", () => {
  it.effect("the owners' ids and, when asked, their addresses as get reports them, without listing the members", () =>
    Effect.gen(function*() {
      const { dl, dls, tenant } = yield* setup
      assert.deepStrictEqual(yield* dls.owners("marketing-team", {}, "addresses"), {
        list: dl.identity,
        owners: { ids: ["id-john", "id-jane", "id-gone"], addresses: ["john@contoso.example", "jane@contoso.example"] }
      })
      assert.strictEqual(callsOf(tenant, "usersByIds").length, 1)
      assert.deepStrictEqual(yield* dls.owners("marketing-team", {}, "ids"), {
        list: dl.identity,
        owners: { ids: ["id-john", "id-jane", "id-gone"] }
      })
      assert.strictEqual(callsOf(tenant, "usersByIds").length, 1, "ids need no directory lookup")
      assert.strictEqual(callsOf(tenant, "listMembers").length, 0)
      const error = yield* Effect.flip(dls.owners("nope", {}, "ids"))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))
})

describe("DistributionLists.userIds", () => {
  it.effect("asks the directory every time: an address that changed hands names its new holder at once", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      // the validation cache now holds john@ as id-john
      yield* dls.create({ name: "Cached", ownerEmails: ["john@contoso.example"], memberEmails: [], allowExternalSenders: false }, {})
      assert.deepStrictEqual(yield* dls.userIds(["JOHN@contoso.example", "nobody@contoso.example"]), ["id-john"])
      // john@ now belongs to another user (and one more user joins, so the fake re-indexes its directory)
      const john = tenant.users.findIndex((u) => u.id === "id-john")
      tenant.users.splice(john, 1, { ...tenant.users[john]!, id: "id-new-john" }, user("joiner"))
      assert.deepStrictEqual(yield* dls.userIds(["john@contoso.example"]), ["id-new-john"])
    }).pipe(Effect.provide(appLayer(users))))
})

describe("DistributionLists.remove", () => {
  it.effect("a delete or a member change never asks for the owners' ids (a lookup more for legacy owner names)", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      yield* dls.addMembers("marketing-team", ["m1@contoso.example"], {})
      yield* dls.removeMembers("marketing-team", ["m1@contoso.example"], {})
      yield* dls.remove("marketing-team", {})
      assert.strictEqual(callsOf(tenant, "ownerIds").length, 0)
      assert.strictEqual(callsOf(tenant, "remove").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an id that only slugifies to a list's alias is not that list: 404, and nothing is deleted", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      // "marketing.team" gives the alias "marketing-team", but it is neither that list's alias, address nor name
      const error = yield* Effect.flip(dls.remove("marketing.team", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(callsOf(tenant, "remove").length, 0)
      assert.strictEqual((yield* Effect.flip(dls.get("Marketing.Team", {})))._tag, "DistributionListNotFound")
      // by the name it was created with (its display name), in any case, spacing or Unicode form, it still is
      for (const name of ["  marketing TEAM ", "Marketing  Team", "Marketing\u00a0Team"]) {
        assert.strictEqual((yield* dls.get(name, {})).dlId, "marketing-team", JSON.stringify(name))
      }
      yield* dls.remove("Marketing Team", {})
      assert.strictEqual(callsOf(tenant, "remove").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("deletes permanently, by identity", () =>
    Effect.gen(function*() {
      const { dl, dls, tenant } = yield* setup
      const result = yield* dls.remove("marketing-team", {})
      assert.deepStrictEqual(result, { message: "Distribution List 'marketing-team' deleted successfully." })
      assert.strictEqual(tenant.groups.size, 0)
      assert.strictEqual((callsOf(tenant, "remove")[0]!.args[0] as Target).identity, dl.identity)
      assert.strictEqual((callsOf(tenant, "remove")[0]!.args[0] as Target).anchor, "marketing-team@contoso.example")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 for an absent DL", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.remove("nope", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(callsOf(tenant, "remove").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a lost reply (deleted, then a transient error) ends as deleted on retry", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "remove", { error: transient("remove"), when: "after" })
      const result = yield* withTime(dls.remove("marketing-team", {}))
      assert.strictEqual(result.message, "Distribution List 'marketing-team' deleted successfully.")
      assert.strictEqual(callsOf(tenant, "remove").length, 2)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a group that vanished between read and delete, without a lost reply, is a 404", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "remove", new GroupNotFound({ identity: "x" }))
      const error = yield* Effect.flip(dls.remove("marketing-team", {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))
})

