import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import type { NewGroup, Target } from "../../src/application/ports/GroupStore.ts"
import { GroupAlreadyExists } from "../../src/application/ports/GroupStore.ts"
import { Transient, UpstreamError } from "../../src/application/ports/UpstreamError.ts"
import { UsersNotFound } from "../../src/domain/Errors.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, gaps, withTime } from "../support/Harness.ts"

const { callsOf, failNext, transient, user } = FakeTenant
const users = [user("john"), user("jane"), user("m1"), user("m2"), user("m3")]
const request = {
  name: "Marketing Team",
  ownerEmails: ["john@contoso.example", "jane@contoso.example"],
  memberEmails: ["m1@contoso.example", "m2@contoso.example"],
  allowExternalSenders: false
}

const setup = Effect.gen(function*() {
  return { dls: yield* DistributionLists, tenant: yield* FakeTenant.FakeTenant }
})
const created = (tenant: FakeTenant.FakeTenant["Service"]) => callsOf(tenant, "create").map((c) => c.args[0] as NewGroup)
const membersOf = (tenant: FakeTenant.FakeTenant["Service"], alias: string) =>
  [...tenant.groups.values()].find((g) => g.dl.alias === alias)?.members

describe("DistributionLists.create", () => {
  it.effect("creates the DL as the seed describes, owners as members, and verifies it", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const result = yield* dls.create(request, {})
      assert.deepStrictEqual(result, {
        dlId: "marketing-team",
        primaryEmail: "marketing-team@contoso.example",
        status: "DL 'marketing-team' created. All members added.",
        failedMembers: []
      })
      const [group] = created(tenant)
      assert.deepStrictEqual(group, {
        name: "marketing-team",
        alias: "marketing-team",
        displayName: "Marketing Team",
        primarySmtpAddress: "marketing-team@contoso.example",
        managedBy: ["john@contoso.example", "jane@contoso.example"],
        members: ["m1@contoso.example", "m2@contoso.example", "john@contoso.example", "jane@contoso.example"],
        requireSenderAuthenticationEnabled: true,
        anchor: "john@contoso.example"
      })
      const dl = [...tenant.groups.values()][0]!.dl
      assert.deepStrictEqual(dl.ownerIds, ["id-john", "id-jane"])
      // Verified by its immutable identity; no further member call was needed.
      assert.deepStrictEqual(callsOf(tenant, "get").map((c) => (c.args[0] as Target).identity), [dl.identity])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
      // One directory call for all six addresses.
      assert.strictEqual(callsOf(tenant, "findUsers").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("OWNERS_AS_MEMBERS=false leaves owners out of the members; allowExternalSenders maps to the flag", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      yield* dls.create({ ...request, allowExternalSenders: true }, {})
      const [group] = created(tenant)
      assert.deepStrictEqual(group!.members, ["m1@contoso.example", "m2@contoso.example"])
      assert.isFalse(group!.requireSenderAuthenticationEnabled)
    }).pipe(Effect.provide(appLayer(users, { ownersAsMembers: false }))))

  it.effect("dedupes addresses case-insensitively and sends Exchange the user's mail address", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.users.push(user("upn-only", "contoso.onmicrosoft.com", { mail: "pat@contoso.example" }))
      yield* dls.create({
        ...request,
        ownerEmails: ["JOHN@contoso.example", "john@contoso.example"],
        memberEmails: ["upn-only@contoso.onmicrosoft.com", "M1@contoso.example", "m1@contoso.example"]
      }, {})
      const [group] = created(tenant)
      assert.deepStrictEqual(group!.managedBy, ["john@contoso.example"])
      assert.deepStrictEqual(group!.members, ["pat@contoso.example", "m1@contoso.example", "john@contoso.example"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 names EVERY unknown owner and member, and nothing is created", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.create({
        ...request,
        ownerEmails: ["john@contoso.example", "ghost@contoso.example"],
        memberEmails: ["m1@contoso.example", "Nobody@contoso.example", "ghost@contoso.example"]
      }, {}))
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") {
        assert.deepStrictEqual(error.addresses, ["ghost@contoso.example", "Nobody@contoso.example"])
      }
      assert.strictEqual(callsOf(tenant, "create").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect.each([
    ["a blank name", { name: "   " }, ["name"]],
    ["a name without ASCII letters", { name: "!!!" }, ["name"]],
    ["no owner", { ownerEmails: [] }, ["ownerEmails"]],
    ["a malformed member", { memberEmails: ["m1@contoso.example", "not-an-email"] }, ["memberEmails", 1]]
  ] as const)("422 for %s, before any upstream call", ([, patch, loc]) =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.create({ ...request, ...patch }, {}))
      assert.strictEqual(error._tag, "InvalidInput")
      if (error._tag === "InvalidInput") assert.deepStrictEqual(error.issues[0]!.loc, loc)
      assert.strictEqual(tenant.calls.length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("409 when the alias is taken, without retrying", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      FakeTenant.seedGroup(tenant, { alias: "marketing-team" })
      const error = yield* Effect.flip(dls.create(request, {}))
      assert.strictEqual(error._tag, "DistributionListExists")
      assert.strictEqual(callsOf(tenant, "create").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a transient failure of create is retried", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "create", transient("create"))
      const result = yield* withTime(dls.create(request, {}))
      assert.strictEqual(result.dlId, "marketing-team")
      assert.strictEqual(callsOf(tenant, "create").length, 2)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a lost reply (create applied, then a transient error) is recognised on retry: 201, not 409", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "create", { error: transient("create"), when: "after" })
      const result = yield* withTime(dls.create(request, {}))
      assert.strictEqual(result.status, "DL 'marketing-team' created. All members added.")
      assert.strictEqual(tenant.groups.size, 1)
      assert.deepStrictEqual(membersOf(tenant, "marketing-team")?.length, 4)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a lost reply is recognised when Exchange names an owner by a legacy Name (read as the owner's id)", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.legacyNames.set("id-john", "John Doe")
      failNext(tenant, "create", { error: transient("create"), when: "after" })
      const result = yield* withTime(dls.create(request, {}))
      assert.strictEqual(result.status, "DL 'marketing-team' created. All members added.")
      assert.strictEqual(tenant.groups.size, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a lost reply is recognised when owners were named by a UPN other than their mail", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.users.push(user("pat.upn", "contoso.onmicrosoft.com", { mail: "pat@contoso.example" }))
      failNext(tenant, "create", { error: transient("create"), when: "after" })
      const result = yield* withTime(dls.create({ ...request, ownerEmails: ["Pat.Upn@contoso.onmicrosoft.com"] }, {}))
      assert.deepStrictEqual(result.failedMembers, [])
      assert.strictEqual(tenant.groups.size, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("after a lost reply, someone else's group with the same alias is still a 409", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      FakeTenant.seedGroup(tenant, { alias: "marketing-team", displayName: "Marketing Team", ownerIds: ["id-m3"] })
      failNext(tenant, "create", transient("create"))
      const error = yield* Effect.flip(withTime(dls.create(request, {})))
      assert.strictEqual(error._tag, "DistributionListExists")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("after a failure that may have applied, a look-alike with other members is a 409 and is left alone", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const theirs = ["john@contoso.example", "jane@contoso.example", "m9@contoso.example"]
      FakeTenant.seedGroup(tenant, {
        alias: "marketing-team",
        displayName: "Marketing Team",
        ownerIds: ["id-john", "id-jane"],
        members: theirs
      })
      failNext(tenant, "create", transient("create"))
      const error = yield* Effect.flip(withTime(dls.create(request, {})))
      assert.strictEqual(error._tag, "DistributionListExists")
      assert.deepStrictEqual(membersOf(tenant, "marketing-team"), theirs)
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a throttled try (429) cannot have applied: 'already exists' after it is a 409 at once", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      FakeTenant.seedGroup(tenant, {
        alias: "marketing-team",
        displayName: "Marketing Team",
        ownerIds: ["id-john", "id-jane"],
        members: ["m1@contoso.example", "m2@contoso.example", "john@contoso.example", "jane@contoso.example"]
      })
      failNext(
        tenant,
        "create",
        new UpstreamError({ operation: "create", reason: new Transient({ throttled: true, status: 429, retryAfterMillis: 1_000 }) })
      )
      const error = yield* Effect.flip(withTime(dls.create(request, {})))
      assert.strictEqual(error._tag, "DistributionListExists")
      assert.strictEqual(callsOf(tenant, "get").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a conflict reported as such on the first try is a 409 even when the group looks identical", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "create", new GroupAlreadyExists({ identity: "marketing-team", detail: "taken" }))
      const error = yield* Effect.flip(dls.create(request, {}))
      assert.strictEqual(error._tag, "DistributionListExists")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("verification waits for replication: reads at 0, 5 and 15 s", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.replicationReads = 2
      const result = yield* withTime(dls.create(request, {}))
      assert.strictEqual(result.failedMembers.length, 0)
      assert.deepStrictEqual(gaps(callsOf(tenant, "get")), [5000, 10000])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a group still invisible after VERIFY_ATTEMPTS is reported created (it exists), after 6 reads", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.replicationReads = 100
      const result = yield* withTime(dls.create(request, {}))
      assert.strictEqual(result.dlId, "marketing-team")
      assert.deepStrictEqual(gaps(callsOf(tenant, "get")), [5000, 10000, 20000, 30000, 30000])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a member Exchange does not see: one owners-only create, members added in a batch, the unseen one retried then reported", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.unseenByExchange.set("m2@contoso.example", 1000)
      const result = yield* withTime(dls.create({ ...request, memberEmails: ["m1@contoso.example", "M2@contoso.example"] }, {}))
      assert.deepStrictEqual(result.failedMembers, ["M2@contoso.example"])
      assert.strictEqual(result.status, "DL 'marketing-team' created. 1 member(s) could not be added: M2@contoso.example")
      assert.deepStrictEqual(created(tenant).map((g) => g.members.length), [4, 0])
      const adds = callsOf(tenant, "addMembers")
      assert.deepStrictEqual(gaps(adds), [2000, 4000, 8000, 16000])
      assert.deepStrictEqual(adds.map((c) => c.args[1]), [
        ["m1@contoso.example", "m2@contoso.example", "john@contoso.example", "jane@contoso.example"],
        ...Array(4).fill(["m2@contoso.example"])
      ])
      assert.deepStrictEqual(membersOf(tenant, "marketing-team"), [
        "m1@contoso.example",
        "john@contoso.example",
        "jane@contoso.example"
      ])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a member Exchange sees a little later ends up added, and nothing is reported", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.unseenByExchange.set("m2@contoso.example", 2) // missed by create, then by the first add
      const result = yield* withTime(dls.create(request, {}))
      assert.deepStrictEqual(result.failedMembers, [])
      assert.isTrue(membersOf(tenant, "marketing-team")?.includes("m2@contoso.example"))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an owner Exchange never sees is retried, then a 404 naming it; nothing is created", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.unseenByExchange.set("jane@contoso.example", 1000)
      const error = yield* Effect.flip(withTime(dls.create(request, {})))
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") assert.deepStrictEqual(error.addresses, ["jane@contoso.example"])
      assert.strictEqual(tenant.groups.size, 0)
      assert.deepStrictEqual(gaps(callsOf(tenant, "create")), [2000, 4000, 8000, 16000])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a user without a mailbox: as owner a 404 at once, as member reported at once", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.users.push(user("svc", "contoso.example", { mail: null }))
      const asOwner = yield* Effect.flip(dls.create({ ...request, ownerEmails: ["svc@contoso.example"] }, {}))
      assert.deepStrictEqual(asOwner, new UsersNotFound({ addresses: ["svc@contoso.example"] }))
      // known from Graph to have no mailbox: no create for Exchange to refuse
      assert.strictEqual(callsOf(tenant, "create").length, 0)
      const asMember = yield* dls.create({ ...request, memberEmails: ["svc@contoso.example"] }, {})
      assert.deepStrictEqual(asMember.failedMembers, ["svc@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 1)
      // Known from Graph to have no mailbox: not sent with the create (no refused create per such member).
      assert.strictEqual(callsOf(tenant, "create").length, 1)
      assert.notInclude((callsOf(tenant, "create")[0]!.args[0] as NewGroup).members, "svc@contoso.example")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("one 404 names every unusable address: unknown users and owners without a mailbox, as sent", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.users.push(user("svc", "contoso.example", { mail: null }), user("svc2", "contoso.example", { mail: null }))
      const error = yield* Effect.flip(dls.create({
        ...request,
        ownerEmails: ["SVC@contoso.example", "svc2@contoso.example"],
        memberEmails: ["ghost@contoso.example"]
      }, {}))
      assert.deepStrictEqual(error, new UsersNotFound({ addresses: ["SVC@contoso.example", "svc2@contoso.example", "ghost@contoso.example"] }))
      assert.strictEqual(callsOf(tenant, "create").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("more than 10,000 addresses in one list is a 422 naming the list", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const many = Array.from({ length: 10_001 }, (_, i) => `u${i}@contoso.example`)
      const error = yield* Effect.flip(dls.create({ ...request, memberEmails: many }, {}))
      assert.strictEqual(error._tag, "InvalidInput")
      if (error._tag === "InvalidInput") assert.deepStrictEqual(error.issues.map((i) => i.loc), [["memberEmails"]])
      assert.strictEqual(tenant.calls.length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("10,000 members plus an owner is not refused for its size (the limit is per list)", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const many = Array.from({ length: 10_000 }, (_, i) => `u${i}@contoso.example`)
      const error = yield* Effect.flip(dls.create({ ...request, memberEmails: many }, {}))
      assert.strictEqual(error._tag, "UsersNotFound")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("anchor: the X-AnchorMailbox header wins, then ADMIN_ANCHOR_MAILBOX, then the first owner", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      yield* dls.create(request, { anchorMailbox: "boss@contoso.example" })
      yield* dls.create({ ...request, name: "Second" }, {})
      assert.deepStrictEqual(created(tenant).map((g) => g.anchor), ["boss@contoso.example", "admin@contoso.example"])
      assert.deepStrictEqual(callsOf(tenant, "get").map((c) => (c.args[0] as Target).anchor), [
        "boss@contoso.example",
        "admin@contoso.example"
      ])
    }).pipe(Effect.provide(appLayer(users, { adminAnchorMailbox: "admin@contoso.example" }))))
})
