import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { normalizeEmail } from "../../src/domain/Email.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const names = ["o1", "o2", "m1", "m2", "m3", "m4", "m5", "m6"]
const users = names.map((name) => FakeTenant.user(name))
const a = (name: string) => `${name}@contoso.example`
const sorted = (values: ReadonlyArray<string>) => [...values].map(normalizeEmail).sort()

/**
 * Every use case, under 20% transient faults of whole calls (half of them lost replies), 20% transient
 * rejections of single members, and replication lag.
 */
const scenario = (seed: number) =>
  Effect.gen(function*() {
    const dls = yield* DistributionLists
    const tenant = yield* FakeTenant.FakeTenant
    tenant.chaos = { rate: 0.2, seed }
    tenant.replicationReads = 1
    const group = () => [...tenant.groups.values()][0]!

    const created = yield* dls.create({
      name: "Chaos Team",
      ownerEmails: [a("o1")],
      memberEmails: [a("m1"), a("m2"), a("m3")],
      allowExternalSenders: false
    }, {})
    assert.deepStrictEqual(created.failedMembers, [])
    assert.strictEqual(tenant.groups.size, 1)
    assert.deepStrictEqual(sorted(group().members), sorted(["m1", "m2", "m3", "o1"].map(a)))

    const details = yield* dls.get("chaos-team", {})
    assert.deepStrictEqual(details.owners, [a("o1")])
    assert.deepStrictEqual(sorted(details.members), sorted(group().members))

    const updated = yield* dls.update("chaos-team", {
      name: "Chaos Two",
      ownerEmails: [a("o2")],
      memberEmails: [a("m2"), a("m4")],
      allowExternalSenders: true
    }, {})
    assert.strictEqual(updated.message, "Distribution List 'chaos-team' updated successfully.") // as the request named it (seed example)
    assert.strictEqual(group().dl.alias, "chaos-two")
    assert.isFalse(group().dl.requireSenderAuthenticationEnabled)
    assert.deepStrictEqual(group().dl.ownerIds, ["id-o2"])
    assert.deepStrictEqual(sorted(group().members), sorted(["m2", "m4", "o2"].map(a)))

    const added = yield* dls.addMembers("chaos-two", [a("m5"), a("m2")], {})
    assert.deepStrictEqual(added, { message: "All members added.", failed: [] })
    const removed = yield* dls.removeMembers("chaos-two@contoso.example", [a("m4"), a("m6")], {})
    assert.deepStrictEqual(removed, { message: "All members removed (or already absent).", failed: [] })
    assert.deepStrictEqual(sorted(group().members), sorted(["m2", "o2", "m5"].map(a)))

    yield* dls.remove("chaos-two", {})
    assert.strictEqual(tenant.groups.size, 0)
    return tenant.calls.length
  })

describe("every use case under 20% transient faults ends in exactly the intended state", () => {
  it.effect.each(Array.from({ length: 40 }, (_, i) => i + 1))("seed %i", (seed) =>
    Effect.gen(function*() {
      const calls = yield* withTime(scenario(seed), "3 hours")
      assert.isAbove(calls, 10)
    }).pipe(Effect.provide(appLayer(users))))
})
