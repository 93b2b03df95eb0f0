/** Exchange details the fidelity review added (spec: exchange-admin-rest.md §1.1, §1.2, §6). */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { distinguishedName } from "../../../src/sandbox/exchange/Output.ts"
import { bypass, cmdlet, failed, ok, ORGANIZATION } from "./Harness.ts"
import { client, command, exchangeToken, INVOKE, json, post, services } from "./FaceHarness.ts"

const tenant = Layer.mergeAll(TenantModel.layerTest(), Behaviour.layerTest())
const adele = "adele.vance@contoso.example"
const alex = "alex.wilber@contoso.example"

describe("Get-Recipient -Filter on Members (spec §6, Get-Recipient row)", () => {
  it.effect("Microsoft's example `Members -eq '<DN>'` with MailUniversalDistributionGroup finds the user's DLs", () =>
    Effect.gen(function*() {
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Sales", Members: [alex] }))
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Support", Members: [adele, alex] }))
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Empty" }))
      const dn = String(ok(yield* cmdlet("Get-Recipient", { Identity: adele })).value[0]!["DistinguishedName"])
      assert.strictEqual(dn, distinguishedName("Adele Vance", ORGANIZATION))
      const ofAdele = ok(yield* cmdlet("Get-Recipient", {
        Filter: `Members -eq '${dn}'`,
        RecipientTypeDetails: "MailUniversalDistributionGroup"
      })).value
      assert.deepStrictEqual(ofAdele.map((g) => g["Name"]), ["Support"])
      // The filter reads Members; the output object does not carry it.
      assert.isFalse(Object.hasOwn(ofAdele[0]!, "Members"))
      const alexDn = distinguishedName("Alex Wilber", ORGANIZATION)
      const ofAlex = ok(yield* cmdlet("Get-DistributionGroup", { Filter: `Members -eq '${alexDn}'` })).value
      assert.deepStrictEqual(ofAlex.map((g) => g["Name"]), ["Sales", "Support"])
    }).pipe(Effect.provide(tenant)))
})

describe("a group is never its own member (UNVERIFIED text, circular membership refused)", () => {
  it.effect("Add- and Update-DistributionGroupMember refuse the group itself and change nothing", () =>
    Effect.gen(function*() {
      ok(yield* cmdlet("New-DistributionGroup", { Name: "Sales", Members: [alex] }))
      const add = failed(yield* cmdlet("Add-DistributionGroupMember", { Identity: "Sales", Member: "Sales", ...bypass }))
      assert.strictEqual(add.httpStatus, 400)
      const update = failed(yield* cmdlet("Update-DistributionGroupMember", { Identity: "Sales", Members: [adele, "Sales"], ...bypass }))
      assert.strictEqual(update.httpStatus, 400)
      const members = ok(yield* cmdlet("Get-DistributionGroupMember", { Identity: "Sales" })).value
      assert.deepStrictEqual(members.map((m) => m["PrimarySmtpAddress"]), [alex])
    }).pipe(Effect.provide(tenant)))
})

describe("token audiences (spec §1.1, §1.2)", () => {
  it.effect("every audience the Exchange resource may carry is accepted; a Graph token is refused", () =>
    Effect.gen(function*() {
      const send = yield* client
      for (const aud of ["https://outlook.office365.com", "https://outlook.office.com/", "00000002-0000-0ff1-ce00-000000000000"]) {
        const response = yield* send(post(INVOKE, command("Get-DistributionGroup"), { authorization: `Bearer ${yield* exchangeToken({ aud })}` }))
        assert.strictEqual(response.status, 200, aud)
        assert.deepStrictEqual((yield* json(response))["value"], [])
      }
      const graph = yield* send(post(INVOKE, command("Get-DistributionGroup"), {
        authorization: `Bearer ${yield* exchangeToken({ aud: "https://graph.microsoft.com" })}`
      }))
      assert.strictEqual(graph.status, 401)
    }).pipe(Effect.provide(services())))
})

describe("?$select on InvokeCommand (spec §1.1: supported, S4 -Select, S5 PropertiesToLoad)", () => {
  it.effect("only the named properties, with their annotations; the nextLink keeps $select", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const members = Array.from({ length: 3 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@contoso.example`)
      yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Sel", Members: members }), { authorization }))
      const group = yield* json(yield* send(post(`${INVOKE}?$select=Name,guid`, command("Get-DistributionGroup", { Identity: "Sel" }), { authorization })))
      assert.deepStrictEqual(Object.keys(group["value"][0]), ["Name", "Guid@data.type", "Guid@odata.type", "Guid"])
      const list = command("Get-DistributionGroupMember", { Identity: "Sel" })
      const first = yield* json(yield* send(post(`${INVOKE}?$select=PrimarySmtpAddress`, list, { authorization, prefer: "odata.maxpagesize=2" })))
      assert.deepStrictEqual(first["value"], members.slice(0, 2).map((m) => ({ PrimarySmtpAddress: m })))
      const next: string = first["@odata.nextLink"]
      assert.include(next, "$select=PrimarySmtpAddress")
      const second = yield* json(yield* send(post(next, list, { authorization, prefer: "odata.maxpagesize=2" })))
      assert.deepStrictEqual(second["value"], [{ PrimarySmtpAddress: members[2] }])
    }).pipe(Effect.provide(services({ tenant: { generatedUsers: 10 } }))))
})

describe("response headers (spec §3.1, V-cap S1)", () => {
  it.effect("every answer carries a Request-Id GUID, success or error", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const ok = yield* send(post(INVOKE, command("Get-DistributionGroup"), { authorization }))
      const missing = yield* send(post(INVOKE, command("Get-DistributionGroup", { Identity: "nope" }), { authorization }))
      const ids = [ok, missing].map((r) => r.headers.get("request-id") ?? "")
      for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.notStrictEqual(ids[0], ids[1])
      assert.strictEqual(missing.status, 404)
    }).pipe(Effect.provide(services())))
})
