import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { GroupStore } from "../../../src/application/ports/GroupStore.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import { certificatePem, privateKeyPem } from "../../../src/sandbox/identity/SandboxCertificate.ts"
import { SandboxStats } from "../../../src/sandbox/Stats.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { adaptersOverSandbox, admin, domain, generated, group } from "./SandboxHarness.ts"

// The adapters against the in-process sandbox: real msal-node, real HTTP on 127.0.0.1, counted calls.
const operations = Effect.map(Effect.flatMap(SandboxStats, (stats) => stats.snapshot), (snapshot) => snapshot.surfaces)

describe("Microsoft adapters over the sandbox", () => {
  it.live("1,000 addresses are validated in 1 Graph call (15 packed advanced queries), one token per resource", () =>
    Effect.gen(function*() {
      const found = yield* (yield* UserDirectory).findUsers(generated(1, 1000))
      assert.strictEqual(found.size, 1000)
      const store = yield* GroupStore
      yield* store.create(group("bulk", generated(1, 1000)))
      yield* store.get({ identity: `bulk@${domain}`, anchor: admin })
      const surfaces = yield* operations
      assert.strictEqual(surfaces.graph.operations["POST /$batch"], 1)
      assert.strictEqual(surfaces.graph.operations["$batch GET /users"], 15)
      assert.deepStrictEqual(surfaces.identity.operations, { token: 2 })
      assert.deepStrictEqual(surfaces.exchange.operations, { "New-DistributionGroup": 1, "Get-DistributionGroup": 1 })
    }).pipe(Effect.provide(adaptersOverSandbox({ tenant: { generatedUsers: 3000 } }))))

  it.live("addresses too long for Graph's 120-character `eq` values are found by advanced queries, among short ones", () =>
    Effect.gen(function*() {
      const long = `${"l".repeat(110)}@${domain}`
      const longMail = `${"m".repeat(130)}@${domain}`
      const tenant = yield* TenantModel
      yield* tenant.addUser({ userPrincipalName: `long.proxy@${domain}`, displayName: "Long Proxy", mail: `long.proxy@${domain}`, extraAddresses: [long] })
      yield* tenant.addUser({ userPrincipalName: `long.mail@${domain}`, displayName: "Long Mail", mail: longMail })
      const wanted = [long.toUpperCase(), longMail, `adele.vance@${domain}`, `nobody.${"x".repeat(120)}@${domain}`, ...generated(1, 20)]
      const found = yield* (yield* UserDirectory).findUsers(wanted)
      assert.strictEqual(found.get(long)?.userPrincipalName, `long.proxy@${domain}`)
      assert.strictEqual(found.get(longMail)?.userPrincipalName, `long.mail@${domain}`)
      assert.strictEqual(found.size, 23)
    }).pipe(Effect.provide(adaptersOverSandbox({ tenant: { generatedUsers: 100 } }))))

  it.live("owners named by legacy Exchange Names come back as object ids; owners named by id cost no lookup", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const directory = yield* UserDirectory
      const [adele, megan] = [`adele.vance@${domain}`, `megan.bowen@${domain}`]
      const owners = [adele, megan, ...generated(7, 1)]
      const ids = yield* directory.findUsers(owners)
      const created = yield* store.create({ ...group("mixed", []), managedBy: owners })
      assert.deepStrictEqual(created.ownerIds, ["Adele Vance", "Megan Bowen", ids.get(owners[2]!)!.id])
      const target = { identity: `mixed@${domain}`, anchor: admin }
      const read = yield* store.get(target)
      assert.deepStrictEqual(read.ownerIds, created.ownerIds, "get shows them as Exchange does")
      const resolved = yield* store.ownerIds(read, target)
      assert.deepStrictEqual(resolved, owners.map((owner) => ids.get(owner)!.id))
      assert.strictEqual((yield* directory.usersByIds(resolved)).size, 3)
      // two legacy names: one $batch of two Get-Recipient
      assert.strictEqual((yield* operations).exchange.operations["Get-Recipient"], 2)
      // "admin" (a legacy Name) is also a list's alias now: the identity lookup is ambiguous, the Name filter is not
      yield* store.create({ ...group("admin", []), name: "Admins Team", primarySmtpAddress: `admins@${domain}` })
      const adminOwned = yield* store.create({ ...group("admin-owned", []), managedBy: [admin] })
      assert.deepStrictEqual(yield* store.ownerIds(adminOwned, { identity: adminOwned.identity, anchor: admin }), [
        (yield* directory.findUsers([admin])).get(admin)!.id
      ])
      const before = (yield* operations).exchange.operations["Get-Recipient"]
      const byId = yield* store.create({ ...group("by-id", []), managedBy: generated(8, 2) })
      yield* store.ownerIds(byId, { identity: byId.identity, anchor: admin })
      assert.strictEqual((yield* operations).exchange.operations["Get-Recipient"], before)
    }).pipe(Effect.provide(adaptersOverSandbox({ tenant: { generatedUsers: 3000 } }))))

  it.live("2,500 members: one create, three pages to list them, and 25 adds in 3 $batch calls", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const members = generated(1, 2500)
      yield* store.create(group("big", members))
      const listed = yield* store.listMembers({ identity: `big@${domain}`, anchor: admin })
      assert.deepStrictEqual([...listed].map((a) => a.toLowerCase()).sort(), [...members].sort())
      const outcomes = yield* store.addMembers({ identity: `big@${domain}`, anchor: admin }, generated(2501, 25))
      assert.isTrue(outcomes.every((o) => o._tag === "Applied"))
      const surfaces = yield* operations
      assert.strictEqual(surfaces.exchange.operations["New-DistributionGroup"], 1)
      assert.strictEqual(surfaces.exchange.operations["Get-DistributionGroupMember"], 3)
      assert.strictEqual(surfaces.exchange.operations["$batch"], 3)
      assert.strictEqual(surfaces.exchange.operations["Add-DistributionGroupMember"], 25)
    }).pipe(Effect.provide(adaptersOverSandbox({ tenant: { generatedUsers: 3000 } }))))

  it.live("a certificate credential (PEM with key) signs in", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dl-api-sbx-")), "app.pem")
    writeFileSync(path, `${certificatePem.trim()}\n${privateKeyPem.trim()}\n`)
    return Effect.gen(function*() {
      const found = yield* (yield* UserDirectory).findUsers([admin])
      assert.isTrue(found.has(admin))
      yield* Effect.flip((yield* GroupStore).get({ identity: `no-such-list@${domain}`, anchor: admin }))
      // one token per resource: the startup warm-up's, shared with the requests that came while it ran
      assert.deepStrictEqual((yield* operations).identity.operations, { token: 2 })
    }).pipe(Effect.provide(adaptersOverSandbox({ certificatePath: path })))
  })

  it.live("a wrong client secret is Forbidden with the AADSTS hint, and never echoes the secret", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* UserDirectory).findUsers([admin]))
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.match(error.message, /AADSTS7000215.*CLIENT_SECRET/)
      assert.notInclude(error.message, "not-the-secret")
    }).pipe(Effect.provide(adaptersOverSandbox({ clientSecret: "not-the-secret" }))))

  it.live("a group not yet replicated reads as GroupNotFound, as Exchange answers right after a create", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      const created = yield* store.create(group("lagging", []))
      assert.strictEqual(created.primarySmtpAddress.toLowerCase(), `lagging@${domain}`)
      const error = yield* Effect.flip(store.get({ identity: `lagging@${domain}`, anchor: admin }))
      assert.strictEqual(error._tag, "GroupNotFound")
    }).pipe(Effect.provide(adaptersOverSandbox({ knobs: { replicationDelayMillis: 60_000 } }))))
})
