import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { bypass, cmdlet, detailsMessage, failed, ok } from "./Harness.ts"

const tenant = Layer.mergeAll(TenantModel.layerTest({ generatedUsers: 1_500 }), Behaviour.layerTest())
const adele = "adele.vance@contoso.example"
const alex = "alex.wilber@contoso.example"
const megan = "megan.bowen@contoso.example"

const setup = cmdlet("New-DistributionGroup", { Name: "Sales", ManagedBy: [adele], Members: [alex] }).pipe(Effect.map(ok))
const members = (identity = "Sales", extra: Record<string, unknown> = {}) =>
  cmdlet("Get-DistributionGroupMember", { Identity: identity, ...extra }).pipe(
    Effect.map((ran) => ok(ran).value.map((m) => m["PrimarySmtpAddress"]))
  )

describe("member cmdlets (§5.2, §6)", () => {
  it.effect("Add/Remove-DistributionGroupMember: already a member / not a member are 400s with the documented types", () =>
    Effect.gen(function*() {
      yield* setup
      ok(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales", Member: megan, ...bypass }))
      assert.deepStrictEqual(yield* members(), [alex, megan])
      const again = failed(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales", Member: megan, ...bypass }))
      assert.strictEqual(again.httpStatus, 400)
      assert.strictEqual(
        detailsMessage(again),
        "|Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException|The recipient \"megan.bowen@contoso.example\" is already a member of the group \"Sales\"."
      )
      ok(yield* cmdlet("Remove-DistributionGroupMember", { Identity: "Sales", Member: "MEGAN.BOWEN@contoso.example", ...bypass, Confirm: false }))
      const missing = failed(yield* cmdlet("Remove-DistributionGroupMember", { Identity: "Sales", Member: megan, ...bypass }))
      assert.strictEqual(
        detailsMessage(missing),
        "|Microsoft.Exchange.Management.Tasks.MemberNotFoundException|The recipient \"megan.bowen@contoso.example\" isn't a member of the group \"Sales\"."
      )
      assert.strictEqual(failed(yield* cmdlet("Remove-DistributionGroupMember", { Identity: "Sales", Member: "ghost@contoso.example", ...bypass })).errorId, "Ex94914C")
    }).pipe(Effect.provide(tenant)))

  it.effect("writes without BypassSecurityGroupManagerCheck need an owner; a delegated owner may", () =>
    Effect.gen(function*() {
      yield* setup
      const denied = failed(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales", Member: megan }))
      assert.match(denied.exceptionType, /OperationRequiresGroupManagerException$/)
      ok(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales", Member: megan }, { appId: "x", upn: adele }))
      assert.deepStrictEqual(yield* members(), [alex, megan])
    }).pipe(Effect.provide(tenant)))

  it.effect("Update-DistributionGroupMember replaces all members, all or nothing", () =>
    Effect.gen(function*() {
      yield* setup
      ok(yield* cmdlet("Update-DistributionGroupMember", { Identity: "Sales", Members: [megan, adele], ...bypass, Confirm: false }))
      assert.deepStrictEqual(yield* members(), [megan, adele])
      assert.strictEqual(failed(yield* cmdlet("Update-DistributionGroupMember", { Identity: "Sales", Members: [alex, "nobody@contoso.example"], ...bypass })).errorId, "Ex94914C")
      assert.deepStrictEqual(yield* members(), [megan, adele])
    }).pipe(Effect.provide(tenant)))

  it.effect("Get-DistributionGroupMember returns 1,000 by default with the truncation warning, all with Unlimited", () =>
    Effect.gen(function*() {
      yield* setup
      const many = Array.from({ length: 1_200 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@contoso.example`)
      ok(yield* cmdlet("Update-DistributionGroupMember", { Identity: "Sales", Members: many, ...bypass }))
      const limited = ok(yield* cmdlet("Get-DistributionGroupMember", { Identity: "Sales" }))
      assert.strictEqual(limited.value.length, 1_000)
      assert.deepStrictEqual(limited.warnings, [
        "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."
      ])
      assert.strictEqual((yield* members("Sales", { ResultSize: "unlimited" })).length, 1_200)
      assert.strictEqual((yield* members("Sales", { ResultSize: 5 })).length, 5)
    }).pipe(Effect.provide(tenant)))
})

describe("Set-/Remove-DistributionGroup (§3.1, §6)", () => {
  it.effect("ManagedBy hashtables add and remove owners (keys in any case); a plain list replaces", () =>
    Effect.gen(function*() {
      const created = (yield* setup).value[0]!
      const model = yield* TenantModel
      const ids = (yield* model.findUsers([adele, megan, alex]))
      const owners = () => cmdlet("Get-DistributionGroup", { Identity: created["Guid"] }).pipe(Effect.map((r) => ok(r).value[0]!["ManagedBy"]))
      ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", ManagedBy: { "@odata.type": "#Exchange.GenericHashTable", add: [megan] }, ...bypass }))
      assert.deepStrictEqual(yield* owners(), [ids.get(adele)!.exchangeName, ids.get(megan)!.exchangeName])
      ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", ManagedBy: { "@odata.type": "#Exchange.GenericHashTable", Remove: adele }, ...bypass }))
      assert.deepStrictEqual(yield* owners(), [ids.get(megan)!.exchangeName])
      ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", ManagedBy: [alex], ...bypass }))
      assert.deepStrictEqual(yield* owners(), [ids.get(alex)!.exchangeName])
    }).pipe(Effect.provide(tenant)))

  it.effect("a Set that changes nothing warns (§3.1); a new primary address demotes the old one", () =>
    Effect.gen(function*() {
      yield* setup
      const same = ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", RequireSenderAuthenticationEnabled: true, ...bypass }))
      assert.deepStrictEqual(same.warnings, ["The command completed successfully but no settings of 'Sales' have been modified."])
      assert.deepStrictEqual(ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", RequireSenderAuthenticationEnabled: "False", ...bypass })).warnings, [])
      ok(yield* cmdlet("Set-DistributionGroup", { Identity: "Sales", PrimarySmtpAddress: "revenue@contoso.example", DisplayName: "Revenue", ...bypass }))
      const group = ok(yield* cmdlet("Get-DistributionGroup", { Identity: "sales@contoso.example" })).value[0]!
      assert.strictEqual(group["PrimarySmtpAddress"], "revenue@contoso.example")
      assert.strictEqual(group["RequireSenderAuthenticationEnabled"], false)
      assert.deepStrictEqual(group["EmailAddresses"], ["SMTP:revenue@contoso.example", "smtp:Sales@contoso.example", "smtp:sales@contososandbox.onmicrosoft.com"])
      assert.strictEqual(group["DisplayName"], "Revenue")
    }).pipe(Effect.provide(tenant)))

  it.effect("renaming onto a used name fails; Remove with Confirm:true only asks; Remove deletes at once", () =>
    Effect.gen(function*() {
      yield* setup
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Support", ManagedBy: adele }))
      assert.match(failed(yield* cmdlet("Set-DistributionGroup", { Identity: "Support", Name: "sales", ...bypass })).text, /The name "sales" is already being used/)
      const asked = ok(yield* cmdlet("Remove-DistributionGroup", { Identity: "Sales", Confirm: true, ...bypass }))
      assert.isString(asked.confirmation)
      assert.strictEqual(ok(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales" })).value.length, 1)
      ok(yield* cmdlet("Remove-DistributionGroup", { Identity: "Sales", Confirm: false, ...bypass }))
      assert.strictEqual(failed(yield* cmdlet("Get-DistributionGroup", { Identity: "Sales" })).errorId, "Ex6F9304")
      // the name and address are free again: there is no soft delete for DLs
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Sales", ManagedBy: adele }))
    }).pipe(Effect.provide(tenant)))
})

describe("Get-Recipient and -Filter", () => {
  it.effect("resolves users and groups; filters with OPATH; unknown identity is Ex6F9304", () =>
    Effect.gen(function*() {
      yield* setup
      const user = ok(yield* cmdlet("Get-Recipient", { Identity: "adelev@contoso.example" })).value[0]!
      assert.strictEqual(user["RecipientTypeDetails"], "UserMailbox")
      assert.strictEqual(user["PrimarySmtpAddress"], adele)
      const groups = ok(yield* cmdlet("Get-Recipient", { RecipientTypeDetails: "MailUniversalDistributionGroup" })).value
      assert.deepStrictEqual(groups.map((g) => g["Name"]), ["Sales"])
      const filtered = ok(yield* cmdlet("Get-DistributionGroup", { Filter: "PrimarySmtpAddress -eq 'sales@contoso.example' -and Name -like 'Sa*'" })).value
      assert.strictEqual(filtered.length, 1)
      assert.strictEqual(ok(yield* cmdlet("Get-Recipient", { Filter: "EmailAddresses -eq 'smtp:adelev@contoso.example'" })).value.length, 1)
      assert.strictEqual(failed(yield* cmdlet("Get-Recipient", { Filter: "Name -eq" })).httpStatus, 400)
      assert.strictEqual(failed(yield* cmdlet("Get-Recipient", { Identity: "ghost" })).errorId, "Ex6F9304")
    }).pipe(Effect.provide(tenant)))
})
