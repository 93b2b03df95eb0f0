import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { bypass, cmdlet, detailsMessage, failed, ok } from "./Harness.ts"

const tenant = Layer.mergeAll(TenantModel.layerTest(), Behaviour.layerTest())
const adele = "adele.vance@contoso.example"
const alex = "alex.wilber@contoso.example"

const newSales = (extra: Record<string, unknown> = {}) =>
  cmdlet("New-DistributionGroup", { Name: "Sales Team", ManagedBy: [adele], Members: [alex], ...extra })

describe("New-DistributionGroup (spec §6)", () => {
  it.effect("applies the documented defaults; owners are not members; ManagedBy holds the owners' Exchange Names", () =>
    Effect.gen(function*() {
      const group = ok(yield* newSales()).value[0]!
      const model = yield* TenantModel
      const owner = Option.getOrThrow(yield* model.findUserByAddress(adele))
      assert.strictEqual(group["RequireSenderAuthenticationEnabled"], true)
      assert.strictEqual(group["MemberJoinRestriction"], "Closed")
      assert.strictEqual(group["MemberDepartRestriction"], "Open")
      assert.strictEqual(group["Alias"], "SalesTeam") // Name without spaces (docs -Alias)
      assert.strictEqual(group["PrimarySmtpAddress"], "SalesTeam@contoso.example")
      // adele's mailbox predates Exchange's naming change: a legacy Name (a newer one's Name is its object id)
      assert.deepStrictEqual(group["ManagedBy"], [owner.exchangeName])
      assert.strictEqual(owner.exchangeName, "Adele Vance")
      assert.strictEqual(group["ManagedBy@odata.type"], "#Collection(String)")
      assert.strictEqual(group["Guid@odata.type"], "#Guid")
      assert.strictEqual(group["DistinguishedName"], null) // §3.1: a fresh New- output lacks the DN
      const members = ok(yield* cmdlet("Get-DistributionGroupMember", { Identity: "Sales Team" })).value
      assert.deepStrictEqual(members.map((m) => m["PrimarySmtpAddress"]), [alex])
    }).pipe(Effect.provide(tenant)))

  it.effect("CopyOwnerToMember makes the owners members too", () =>
    Effect.gen(function*() {
      ok(yield* newSales({ CopyOwnerToMember: true }))
      const members = ok(yield* cmdlet("Get-DistributionGroupMember", { Identity: "SalesTeam@contoso.example" })).value
      assert.deepStrictEqual(members.map((m) => m["PrimarySmtpAddress"]), [alex, adele])
    }).pipe(Effect.provide(tenant)))

  it.effect("an unknown owner or member fails with Ex94914C, verbatim (§5.2), and creates nothing", () =>
    Effect.gen(function*() {
      const ran = yield* newSales({ Members: [alex, "ghost@contoso.example"] })
      assert.strictEqual(
        detailsMessage(ran),
        "Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"ghost@contoso.example\". Please make sure that it was spelled correctly or specify a different object."
      )
      // a directory user without a mailbox is no recipient either (docs: non-mail-enabled users can't be members)
      assert.strictEqual(failed(yield* newSales({ ManagedBy: ["svc.reporting@contoso.example"] })).errorId, "Ex94914C")
      assert.strictEqual(failed(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales Team" })).httpStatus, 404)
    }).pipe(Effect.provide(tenant)))

  it.effect("refuses more than 10,000 Members per call (§6)", () =>
    Effect.gen(function*() {
      const members = Array.from({ length: 10_001 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@contoso.example`)
      const error = failed(yield* newSales({ Members: members }))
      assert.strictEqual(error.httpStatus, 400)
      assert.match(error.text, /exceeds the maximum number of allowed arguments \(10000\)/)
    }).pipe(Effect.provide(Layer.mergeAll(TenantModel.layerTest({ generatedUsers: 10_001 }), Behaviour.layerTest()))))

  it.effect("name in use and proxy address in use (§5.2 texts)", () =>
    Effect.gen(function*() {
      ok(yield* newSales())
      assert.strictEqual(
        detailsMessage(yield* newSales({ PrimarySmtpAddress: "other@contoso.example" })),
        "|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|The name \"Sales Team\" is already being used. Please try another name."
      )
      const taken = failed(yield* cmdlet("New-DistributionGroup", { Name: "Adele", PrimarySmtpAddress: adele, ManagedBy: [adele] }))
      assert.strictEqual(taken.exceptionType, "Microsoft.Exchange.Data.ProxyAddressExistsException")
      assert.strictEqual(
        taken.text,
        "The proxy address \"SMTP:adele.vance@contoso.example\" is already being used by the proxy addresses or LegacyExchangeDN of \"adele.vance\". Please choose another proxy address."
      )
    }).pipe(Effect.provide(tenant)))

  it.effect("rejects unknown parameters and invalid enum values like the captures (§5.1)", () =>
    Effect.gen(function*() {
      const unknown = failed(yield* newSales({ BogusParameter: 1 }))
      assert.strictEqual(unknown.httpStatus, 400)
      assert.strictEqual(
        detailsMessage(yield* newSales({ BogusParameter: 1 })),
        "|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter"
      )
      const invalid = failed(yield* newSales({ MemberJoinRestriction: "Nonsense" }))
      assert.isFalse(invalid.withDetails)
      assert.match(invalid.text, /^Cannot process argument transformation on parameter 'MemberJoinRestriction'/)
      // parameter names are case-insensitive, as in PowerShell
      ok(yield* cmdlet("new-distributiongroup", { name: "Lower", managedby: adele }))
    }).pipe(Effect.provide(tenant)))
})

describe("Identity resolution and replication delay (§6, §7)", () => {
  it.effect("finds a group by name, alias, any proxy address, Guid, external id and DN; else Ex6F9304", () =>
    Effect.gen(function*() {
      const created = ok(yield* newSales()).value[0]!
      const dn = String(ok(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales Team" })).value[0]!["DistinguishedName"])
      for (const identity of ["sales team", "SALESTEAM", "salesteam@contososandbox.onmicrosoft.com", created["Guid"], created["ExternalDirectoryObjectId"], dn]) {
        assert.strictEqual(ok(yield* cmdlet("Get-DistributionGroup", { Identity: identity })).value[0]!["Guid"], created["Guid"])
      }
      assert.match(
        detailsMessage(yield* cmdlet("Get-DistributionGroup", { Identity: "nope@contoso.example" })),
        /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'nope@contoso\.example' couldn't be found on '[A-Z0-9.]+\.PROD\.OUTLOOK\.COM'\.$/
      )
    }).pipe(Effect.provide(tenant)))

  it.effect("a new group is invisible to every cmdlet until the delay passes, but holds its name", () =>
    Effect.gen(function*() {
      const created = ok(yield* newSales()).value[0]!
      assert.strictEqual(failed(yield* cmdlet("Get-DistributionGroup", { Identity: created["Guid"] })).errorId, "Ex6F9304")
      assert.strictEqual(failed(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales Team", Member: adele, ...bypass })).errorId, "Ex6F9304")
      assert.strictEqual(ok(yield* cmdlet("Get-DistributionGroup")).value.length, 0)
      assert.match(failed(yield* newSales()).text, /is already being used/)
      yield* TestClock.adjust(1_499)
      assert.strictEqual(failed(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales Team" })).httpStatus, 404)
      yield* TestClock.adjust(1)
      assert.strictEqual(ok(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales Team" })).value.length, 1)
    }).pipe(Effect.provide(Layer.mergeAll(TenantModel.layerTest(), Behaviour.layerTest({ replicationDelayMillis: 1_500 })))))
})

describe("Exchange Names of users (before and after Exchange Online's naming change)", () => {
  it.effect("a legacy Name is the user's Identity and resolves as one; a newer user's Name is its object id", () =>
    Effect.gen(function*() {
      const model = yield* TenantModel
      const legacy = ok(yield* cmdlet("Get-Recipient", { Identity: "adele vance" })).value[0]!
      assert.deepStrictEqual([legacy["Name"], legacy["Identity"], legacy["PrimarySmtpAddress"]], ["Adele Vance", "Adele Vance", adele])
      const added = yield* model.addUser({ userPrincipalName: "new.hire@contoso.example", displayName: "New Hire", mail: "new.hire@contoso.example" })
      const fresh = ok(yield* cmdlet("Get-Recipient", { Identity: "new.hire@contoso.example" })).value[0]!
      assert.deepStrictEqual([fresh["Name"], fresh["Identity"], fresh["ExternalDirectoryObjectId"]], [added.id, added.id, added.id])
      const group = ok(yield* cmdlet("New-DistributionGroup", { Name: "Mixed", ManagedBy: ["Adele Vance", added.id] })).value[0]!
      assert.deepStrictEqual(group["ManagedBy"], ["Adele Vance", added.id])
      const clash = yield* Effect.flip(model.addUser({ userPrincipalName: "other@contoso.example", displayName: "Other", mail: "other@contoso.example", exchangeName: "adele vance" }))
      assert.strictEqual(clash.address, "adele vance")
      // nor a user a group's Name; and a group cannot take a user's Name, legacy or object id
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Ops Team", Alias: "ops-team", PrimarySmtpAddress: "ops-team@contoso.example" }))
      const taken = yield* Effect.flip(model.addUser({ userPrincipalName: "ops@contoso.example", displayName: "Ops", mail: "ops@contoso.example", exchangeName: "ops team" }))
      assert.strictEqual(taken.address, "ops team")
      for (const name of ["ADELE VANCE", added.id]) {
        const taken = failed(yield* cmdlet("New-DistributionGroup", { Name: name, Alias: "taken-name", PrimarySmtpAddress: "taken-name@contoso.example" }))
        assert.strictEqual(taken.httpStatus, 400, name)
      }
    }).pipe(Effect.provide(tenant)))
})
