import { assert, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { GroupStore, type MemberOutcome, type MemberPage, type NewGroup } from "../../../src/application/ports/GroupStore.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import { CONTRACT_TENANT } from "./UserDirectoryContract.ts"

export { CONTRACT_TENANT }

const domain = CONTRACT_TENANT.domain
const admin = `admin@${domain}`
const adele = `adele.vance@${domain}`
const alex = `alex.wilber@${domain}`
const megan = `megan.bowen@${domain}`
const generated = (n: number) => `user${String(n).padStart(5, "0")}@${domain}`

let counter = 0
const newGroup = (overrides: Partial<NewGroup> = {}): NewGroup => {
  const alias = `contract${++counter}`
  return {
    name: `Contract ${counter}`,
    alias,
    displayName: `Contract group ${counter}`,
    primarySmtpAddress: `${alias}@${domain}`,
    managedBy: [admin],
    members: [],
    requireSenderAuthenticationEnabled: true,
    anchor: admin,
    ...overrides
  }
}

const sorted = (addresses: ReadonlyArray<string>) => addresses.map((a) => a.toLowerCase()).sort()
const outcomes = (results: ReadonlyArray<MemberOutcome>) =>
  Object.fromEntries(results.map((o) => [o.address, o._tag === "Rejected" ? `Rejected:${o.error._tag}` : o._tag]))

/**
 * Behaviour every `GroupStore` must share (the in-memory one and Exchange over the sandbox). The layer
 * also provides a `UserDirectory` on the same tenant, to check that owners come back as directory ids.
 * Starts from `CONTRACT_TENANT` with no replication delay, faults or throttling.
 */
export const groupStoreContract = (name: string, implementation: Layer.Layer<GroupStore | UserDirectory, unknown>) =>
  layer(implementation, { excludeTestServices: true, timeout: "60 seconds" })(`GroupStore contract: ${name}`, (it) => {
    it.effect("create returns the group; get finds it by address and by identity; ownerIds reads owners as directory ids", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup({ requireSenderAuthenticationEnabled: false })
        const created = yield* store.create(spec)
        assert.strictEqual(created.name, spec.name)
        assert.strictEqual(created.alias, spec.alias)
        assert.strictEqual(created.displayName, spec.displayName)
        assert.strictEqual(created.primarySmtpAddress.toLowerCase(), spec.primarySmtpAddress)
        assert.isFalse(created.requireSenderAuthenticationEnabled)
        const byAddress = yield* store.get({ identity: spec.primarySmtpAddress, anchor: admin })
        const byIdentity = yield* store.get({ identity: created.identity, anchor: admin })
        assert.deepStrictEqual(byAddress, created)
        assert.deepStrictEqual(byIdentity, created)
        // admin's mailbox is older than Exchange's naming change: ManagedBy names it "admin"; ownerIds reads its id
        const adminId = (yield* (yield* UserDirectory).findUsers([admin])).get(admin)!.id
        assert.deepStrictEqual(yield* store.ownerIds(created, { identity: created.identity, anchor: admin }), [adminId.toLowerCase()])
      }))

    it.effect("a second group with the same name or address is GroupAlreadyExists", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const first = newGroup()
        yield* store.create(first)
        const sameAddress = yield* Effect.flip(store.create({ ...newGroup(), primarySmtpAddress: first.primarySmtpAddress }))
        assert.strictEqual(sameAddress._tag, "GroupAlreadyExists")
        const sameName = yield* Effect.flip(store.create({ ...newGroup(), name: first.name }))
        assert.strictEqual(sameName._tag, "GroupAlreadyExists")
      }))

    it.effect("an unknown group is GroupNotFound for every operation", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const target = { identity: `missing@${domain}`, anchor: admin }
        for (const attempt of [store.get(target), store.listMembers(target), store.remove(target), store.update(target, { displayName: "x" })]) {
          assert.strictEqual((yield* Effect.flip(attempt))._tag, "GroupNotFound")
        }
      }))

    it.effect("an identity two groups answer to (one's name, the other's alias) is GroupAmbiguous; addresses still work", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const shared = `shared${++counter}`
        const first = yield* store.create(newGroup({ name: shared }))
        const second = yield* store.create(newGroup({ alias: shared, primarySmtpAddress: `other-${shared}@${domain}` }))
        for (const identity of [shared, shared.toUpperCase()]) {
          const target = { identity, anchor: admin }
          for (const attempt of [Effect.asVoid(store.get(target)), Effect.asVoid(store.listMembers(target))]) {
            const error = yield* Effect.flip(attempt)
            assert.deepStrictEqual([error._tag, "identity" in error ? error.identity : undefined], ["GroupAmbiguous", identity])
          }
        }
        assert.strictEqual((yield* store.get({ identity: first.primarySmtpAddress, anchor: admin })).identity, first.identity)
        assert.strictEqual((yield* store.get({ identity: second.primarySmtpAddress, anchor: admin })).identity, second.identity)
      }))

    it.effect("two groups may share an alias (Exchange does not keep aliases unique); a Get by it is GroupAmbiguous", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const alias = `dupalias${++counter}`
        const one = yield* store.create(newGroup({ alias, primarySmtpAddress: `${alias}-one@${domain}` }))
        const two = yield* store.create(newGroup({ alias, primarySmtpAddress: `${alias}-two@${domain}` }))
        assert.notStrictEqual(one.identity, two.identity)
        const error = yield* Effect.flip(store.get({ identity: alias, anchor: admin }))
        assert.strictEqual(error._tag, "GroupAmbiguous")
        assert.strictEqual((yield* store.get({ identity: two.primarySmtpAddress, anchor: admin })).identity, two.identity)
      }))

    it.effect("create with members: listMembers returns every member's address", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup({ members: [adele, alex.toUpperCase()] })
        yield* store.create(spec)
        const members = yield* store.listMembers({ identity: spec.primarySmtpAddress, anchor: admin })
        assert.deepStrictEqual(sorted(members), sorted([adele, alex]))
      }))

    it.effect("create with a member Exchange does not know fails RecipientNotFound naming it", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip((yield* GroupStore).create(newGroup({ members: [adele, `ghost@${domain}`] })))
        assert.strictEqual(error._tag, "RecipientNotFound")
        assert.strictEqual(error._tag === "RecipientNotFound" && error.address.toLowerCase(), `ghost@${domain}`)
      }))

    it.effect("addMembers: new Applied, present Unchanged, unknown Rejected(RecipientNotFound), in order", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup({ members: [adele] })
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        const result = yield* store.addMembers(target, [alex, adele, `ghost@${domain}`])
        assert.deepStrictEqual(result.map((o) => o.address), [alex, adele, `ghost@${domain}`])
        assert.deepStrictEqual(outcomes(result), {
          [alex]: "Applied",
          [adele]: "Unchanged",
          [`ghost@${domain}`]: "Rejected:RecipientNotFound"
        })
        assert.deepStrictEqual(sorted(yield* store.listMembers(target)), sorted([adele, alex]))
      }))

    it.effect("removeMembers: member Applied, non-member Unchanged", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup({ members: [adele, alex] })
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        const result = yield* store.removeMembers(target, [alex, megan])
        assert.deepStrictEqual(outcomes(result), { [alex]: "Applied", [megan]: "Unchanged" })
        assert.deepStrictEqual(sorted(yield* store.listMembers(target)), [adele])
      }))

    it.effect("replaceMembers leaves exactly the given members", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup({ members: [adele, alex] })
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        yield* store.replaceMembers(target, [alex, megan])
        assert.deepStrictEqual(sorted(yield* store.listMembers(target)), sorted([alex, megan]))
      }))

    it.effect("update changes the display name, sender restriction and owners", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const users = yield* UserDirectory
        const spec = newGroup()
        const created = yield* store.create(spec)
        const target = { identity: created.identity, anchor: admin }
        yield* store.update(target, {
          displayName: "Renamed",
          requireSenderAuthenticationEnabled: false,
          managedBy: { add: [megan], remove: [] }
        })
        const ids = yield* users.findUsers([admin, megan])
        const ownersOf = Effect.flatMap(store.get(target), (dl) => Effect.map(store.ownerIds(dl, target), (ownerIds) => ({ ...dl, ownerIds })))
        let group = yield* ownersOf
        assert.strictEqual(group.displayName, "Renamed")
        assert.isFalse(group.requireSenderAuthenticationEnabled)
        assert.deepStrictEqual(sorted(group.ownerIds), sorted([ids.get(admin)!.id, ids.get(megan)!.id]))
        yield* store.update(target, { managedBy: { add: [], remove: [admin] } })
        group = yield* ownersOf
        assert.deepStrictEqual(sorted(group.ownerIds), sorted([ids.get(megan)!.id]))
      }))

    it.effect("remove deletes at once and for good", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup()
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        yield* store.remove(target)
        assert.strictEqual((yield* Effect.flip(store.get(target)))._tag, "GroupNotFound")
        assert.strictEqual((yield* Effect.flip(store.remove(target)))._tag, "GroupNotFound")
      }))

    it.effect("more than a page of members (1,200) comes back complete", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const members = Array.from({ length: 1200 }, (_, i) => generated(i + 1))
        const spec = newGroup({ members })
        yield* store.create(spec)
        const listed = yield* store.listMembers({ identity: spec.primarySmtpAddress, anchor: admin })
        assert.strictEqual(listed.length, 1200)
        assert.deepStrictEqual(sorted(listed), sorted(members))
      }))

    it.effect("listMembersPage: pages cover the whole list once, in listMembers' order; only the last has no cursor", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const members = Array.from({ length: 1200 }, (_, i) => generated(i + 1))
        const spec = newGroup({ members })
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        const pages: Array<ReadonlyArray<string>> = []
        let cursor: string | undefined = undefined
        do {
          const page: MemberPage = yield* store.listMembersPage(target, { size: 500, cursor })
          pages.push(page.members)
          cursor = page.next
          assert.isBelow(pages.length, 10)
        } while (cursor !== undefined)
        assert.deepStrictEqual(pages.map((page) => page.length), [500, 500, 200])
        assert.deepStrictEqual(pages.flat(), [...(yield* store.listMembers(target))])
        assert.deepStrictEqual(sorted(pages.flat()), sorted(members))
      }))

    it.effect("listMembersPage: a list within one page, and an empty list, come back without a cursor", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const small = newGroup({ members: [adele, alex] })
        const empty = newGroup()
        yield* store.create(small)
        yield* store.create(empty)
        const page = yield* store.listMembersPage({ identity: small.primarySmtpAddress, anchor: admin }, { size: 2 })
        assert.deepStrictEqual([sorted(page.members), page.next], [sorted([adele, alex]), undefined])
        const none = yield* store.listMembersPage({ identity: empty.primarySmtpAddress, anchor: admin }, { size: 1000 })
        assert.deepStrictEqual([none.members, none.next], [[], undefined])
      }))

    it.effect("listMembersPage: an unknown group is GroupNotFound; a cursor the store never issued is PageCursorInvalid", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const missing = yield* Effect.flip(store.listMembersPage({ identity: `missing@${domain}`, anchor: admin }, { size: 10 }))
        assert.strictEqual(missing._tag, "GroupNotFound")
        const spec = newGroup({ members: [adele] })
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        for (const cursor of ["not a cursor", "-1", "https://attacker.example/adminapi/beta/t/InvokeCommand"]) {
          const error = yield* Effect.flip(store.listMembersPage(target, { size: 10, cursor }))
          assert.deepStrictEqual([error._tag, error._tag === "PageCursorInvalid" && error.reason], ["PageCursorInvalid", "Unrecognized"], cursor)
        }
      }))

    it.effect("bulk adds of many members each get an outcome", () =>
      Effect.gen(function*() {
        const store = yield* GroupStore
        const spec = newGroup()
        yield* store.create(spec)
        const target = { identity: spec.primarySmtpAddress, anchor: admin }
        const members = Array.from({ length: 95 }, (_, i) => generated(1300 + i))
        const result = yield* store.addMembers(target, members)
        assert.strictEqual(result.length, 95)
        assert.isTrue(result.every((o) => o._tag === "Applied"))
        assert.strictEqual((yield* store.listMembers(target)).length, 95)
      }))
  })
