import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Random } from "effect"
import * as MemoryAdapters from "../../src/adapters/memory/MemoryAdapters.ts"
import * as DistributionLists from "../../src/application/DistributionLists.ts"
import * as Settings from "../../src/application/Settings.ts"
import { normalizeEmail } from "../../src/domain/Email.ts"
import { withTime } from "./../support/Harness.ts"

const app = DistributionLists.layerNoDeps.pipe(
  Layer.provide(MemoryAdapters.layerTest({ knobs: { faultRate: 0.2, replicationDelayMillis: 1500 } })),
  Layer.provide(Settings.layerWith())
)
const a = (local: string) => `${local}@contoso.example`
const sorted = (values: ReadonlyArray<string>) => values.map(normalizeEmail).sort()

/** The sandbox tenant's own memory adapters, at the acceptance run's knobs (20% faults, 1.5 s replication). */
const lifecycle = Effect.gen(function*() {
  const dls = yield* DistributionLists.DistributionLists
  const created = yield* dls.create({
    name: "Équipe Ventes Süd",
    ownerEmails: [a("adele.vance")],
    memberEmails: [a("alex.wilber"), "AllanD@contoso.example"],
    allowExternalSenders: false
  }, {})
  assert.deepStrictEqual(created, {
    dlId: "equipe-ventes-sud",
    primaryEmail: "equipe-ventes-sud@contoso.example",
    status: "DL 'equipe-ventes-sud' created. All members added.",
    failedMembers: []
  })
  const details = yield* dls.get("equipe-ventes-sud", {})
  assert.deepStrictEqual(details.owners, [a("adele.vance")])
  assert.deepStrictEqual(sorted(details.members), sorted([a("alex.wilber"), a("allan.deyoung"), a("adele.vance")]))

  yield* dls.update("equipe-ventes-sud", {
    name: "Sales South",
    ownerEmails: [a("christie.cline")],
    memberEmails: [a("alex.wilber")]
  }, {})
  const renamed = yield* dls.get("sales-south@contoso.example", {})
  assert.deepStrictEqual(renamed.owners, [a("christie.cline")])
  assert.deepStrictEqual(sorted(renamed.members), sorted([a("alex.wilber"), a("christie.cline")]))

  const added = yield* dls.addMembers("sales-south", [a("adele.vance"), a("alex.wilber")], {})
  assert.deepStrictEqual(added.failed, [])
  const removed = yield* dls.removeMembers("sales-south", [a("alex.wilber"), a("nobody")], {})
  assert.deepStrictEqual(removed.failed, [])
  assert.deepStrictEqual(
    sorted((yield* dls.get("sales-south", {})).members),
    sorted([a("adele.vance"), a("christie.cline")])
  )
  yield* dls.remove("sales-south", {})
  const gone = yield* Effect.flip(dls.get("sales-south", {}))
  assert.strictEqual(gone._tag, "DistributionListNotFound")
})

describe("the use cases on the sandbox's memory adapters", () => {
  it.effect.each([1, 2, 3, 4, 5, 6, 7, 8])("lifecycle under faults and replication lag, seed %i", (seed) =>
    withTime(lifecycle, "3 hours").pipe(Random.withSeed(seed), Effect.provide(app)))

  it.effect("a user without a mailbox is reported, not a 5xx", () =>
    Effect.gen(function*() {
      const dls = yield* DistributionLists.DistributionLists
      const created = yield* withTime(dls.create({
        name: "With Service",
        ownerEmails: [a("admin")],
        memberEmails: [a("svc.reporting"), a("alex.wilber")],
        allowExternalSenders: true
      }, {}))
      assert.deepStrictEqual(created.failedMembers, [a("svc.reporting")])
    }).pipe(
      Effect.provide(
        DistributionLists.layerNoDeps.pipe(Layer.provide(MemoryAdapters.layerTest()), Layer.provide(Settings.layerWith()))
      )
    ))
})
