import { assert, describe, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import { TestClock } from "effect/testing"
import { SandboxStats } from "../../../src/sandbox/Stats.ts"
import {
  APP_ANCHOR,
  bytes,
  client,
  command,
  exchangeToken,
  INVOKE,
  json,
  ORIGIN,
  post,
  services,
  TENANT
} from "./FaceHarness.ts"

const bypass = { BypassSecurityGroupManagerCheck: true }
const adele = "adele.vance@contoso.example"

describe("ExchangeFace: authentication and routing (spec §1, §5.2)", () => {
  it.effect("401 without a token or with a Graph token; 403 (not JSON) without Exchange.ManageAsApp", () =>
    Effect.gen(function*() {
      const send = yield* client
      const body = command("Get-DistributionGroup")
      const none = yield* send(post(INVOKE, body))
      assert.strictEqual(none.status, 401)
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer /)
      const graph = yield* exchangeToken({ aud: "https://graph.microsoft.com" })
      assert.strictEqual((yield* send(post(INVOKE, body, { authorization: `Bearer ${graph}` }))).status, 401)
      const noRole = yield* exchangeToken({ roles: [] })
      const forbidden = yield* send(post(INVOKE, body, { authorization: `Bearer ${noRole}` }))
      assert.strictEqual(forbidden.status, 403)
      const raw = yield* bytes(forbidden)
      assert.isTrue(raw.length > 0 && raw.every((b) => b === 0))
    }).pipe(Effect.provide(services())))

  it.effect("v1.0 answers 405; a missing or malformed X-AnchorMailbox is a 400 that says what to send (§8.1)", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const body = command("Get-DistributionGroup")
      assert.strictEqual((yield* send(post(`${ORIGIN}/adminapi/v1.0/${TENANT}/InvokeCommand`, body, { authorization }))).status, 405)
      const missing = yield* send(post(INVOKE, body, { authorization, "x-anchormailbox": undefined }))
      assert.strictEqual(missing.status, 400)
      assert.match((yield* json(missing)).error.details[0].message, /X-AnchorMailbox header is required/)
      assert.strictEqual((yield* send(post(INVOKE, body, { authorization, "x-anchormailbox": adele }))).status, 400)
      for (const anchor of [`UPN:${adele}`, `SMTP:${adele}`, APP_ANCHOR]) {
        assert.strictEqual((yield* send(post(INVOKE, body, { authorization, "x-anchormailbox": anchor }))).status, 200)
      }
      const byDomain = `${ORIGIN}/adminapi/beta/contososandbox.onmicrosoft.com/InvokeCommand`
      assert.strictEqual((yield* send(post(byDomain, body, { authorization }))).status, 200)
      const otherTenant = `${ORIGIN}/adminapi/beta/11111111-2222-4333-8444-555555555555/InvokeCommand`
      assert.strictEqual((yield* send(post(otherTenant, body, { authorization }))).status, 401)
      // §5.2: an unknown cmdlet is a 403 with a non-JSON body
      assert.strictEqual((yield* send(post(INVOKE, command("Get-Mailbox"), { authorization }))).status, 403)
    }).pipe(Effect.provide(services())))
})

describe("ExchangeFace: envelopes (spec §3.1, §5.1)", () => {
  it.effect("success echoes host and tenant in @odata.context and always carries the warnings pair", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const created = yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Sales", ManagedBy: [adele] }), { authorization }))
      assert.strictEqual(created.status, 200)
      assert.strictEqual(created.headers.get("odata-version"), "4.0")
      assert.match(created.headers.get("content-type") ?? "", /^application\/json;odata\.metadata=minimal/)
      const body = yield* json(created)
      assert.deepStrictEqual(Object.keys(body), ["@odata.context", "adminapi.warnings@odata.type", "@adminapi.warnings", "value"])
      assert.strictEqual(body["@odata.context"], `${ORIGIN}/adminapi/beta/${TENANT}/$metadata#Collection(Exchange.GenericHashTable)`)
      assert.strictEqual(body["value"][0].Name, "Sales")
      const removed = yield* json(yield* send(post(INVOKE, command("Remove-DistributionGroup", { Identity: "Sales", ...bypass, Confirm: false }), { authorization })))
      assert.deepStrictEqual(removed["value"], [])
      assert.deepStrictEqual(removed["@adminapi.warnings"], [])
    }).pipe(Effect.provide(services())))

  it.effect("an unknown parameter gives the captured 400 body byte for byte (§5.1, S7)", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const response = yield* send(post(INVOKE, command("Get-DistributionGroup", { BogusParameter: "x" }), { authorization }))
      assert.strictEqual(response.status, 400)
      assert.strictEqual(
        yield* Effect.promise(() => response.text()),
        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"code":"Client","target":"","message":"|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter"}],"innererror":{"message":"Invalid Operation","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException","stacktrace":"","internalexception":{"message":"Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter","type":"Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException","stacktrace":""}}}}`
      )
    }).pipe(Effect.provide(services())))

  it.effect("a missing group is a 404 NotFound with Ex6F9304 in details and the warnings pair inside error (§5.1, S17)", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const response = yield* send(post(INVOKE, command("Get-DistributionGroup", { Identity: "nope@contoso.example" }), { authorization }))
      assert.strictEqual(response.status, 404)
      const { error } = yield* json(response)
      assert.strictEqual(error.code, "NotFound")
      assert.strictEqual(error.message, "Error executing cmdlet")
      assert.match(error.details[0].message, /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'nope@contoso\.example' couldn't be found on '/)
      assert.strictEqual(error.innererror.type, "Microsoft.Exchange.Admin.OData.Core.ODataServiceException")
      assert.strictEqual(error.innererror.internalexception.type, "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException")
      assert.deepStrictEqual(error["@adminapi.warnings"], [])
    }).pipe(Effect.provide(services())))
})

describe("ExchangeFace: paging (spec §3.3)", () => {
  it.effect("pages by Prefer: odata.maxpagesize; the nextLink is re-POSTed with the same body; expires after 30 minutes", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const members = Array.from({ length: 25 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@contoso.example`)
      yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Big", ManagedBy: adele, Members: members }), { authorization }))
      const list = command("Get-DistributionGroupMember", { Identity: "Big", ResultSize: "Unlimited" })
      const headers = { authorization, prefer: "odata.maxpagesize=10" }
      const seen: Array<string> = []
      let url: string | undefined = INVOKE
      let pages = 0
      let firstNext = ""
      while (url !== undefined) {
        const body: Record<string, any> = yield* json(yield* send(post(url, list, headers)))
        pages++
        seen.push(...body["value"].map((m: Record<string, string>) => m["PrimarySmtpAddress"]))
        url = body["@odata.nextLink"]
        if (url !== undefined) {
          assert.isTrue(url.startsWith(`${INVOKE}?$skiptoken=`))
          assert.include(body["@adminapi.warnings"], "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.")
          firstNext ||= url
        }
      }
      assert.strictEqual(pages, 3)
      assert.deepStrictEqual(seen, members)
      const otherBody = yield* send(post(firstNext, command("Get-DistributionGroupMember", { Identity: "Big" }), headers))
      assert.strictEqual(otherBody.status, 400)
      yield* TestClock.adjust(30 * 60 * 1000 + 1)
      const fresh = `Bearer ${yield* exchangeToken()}`
      const expired = yield* send(post(firstNext, list, { ...headers, authorization: fresh }))
      assert.strictEqual(expired.status, 400)
      assert.strictEqual((yield* json(expired)).error.innererror.internalexception.message, "Expired or Invalid pagination request. Default Expiry time is 00:30:00")
    }).pipe(Effect.provide(services({ tenant: { generatedUsers: 100 } }))))
})

describe("ExchangeFace: $batch (spec §1.1)", () => {
  it.effect("runs up to 10 cmdlets with per-request ids and statuses; counts each cmdlet and the batch", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Sales", ManagedBy: adele }), { authorization }))
      const part = (id: string, body: unknown) => ({ id, method: "POST", url: INVOKE, headers: { "X-AnchorMailbox": APP_ANCHOR }, body })
      const add = command("Add-DistributionGroupMember", { Identity: "Sales", Member: adele, ...bypass })
      const batchUrl = `${ORIGIN}/adminapi/beta/${TENANT}/$batch`
      const response = yield* send(post(batchUrl, { requests: [part("a", add), part("b", add), part("c", command("Get-DistributionGroupMember", { Identity: "Sales" }))] }, { authorization }))
      assert.strictEqual(response.status, 200)
      const { responses } = yield* json(response)
      assert.deepStrictEqual(responses.map((r: Record<string, unknown>) => [r["id"], r["status"]]), [["a", 200], ["b", 400], ["c", 200]])
      assert.match(responses[1].body.error.details[0].message, /MemberAlreadyExistsException/)
      assert.strictEqual(responses[2].body.value[0].PrimarySmtpAddress, adele)
      const tooMany = yield* send(post(batchUrl, { requests: Array.from({ length: 11 }, (_, i) => part(String(i), add)) }, { authorization }))
      assert.strictEqual(tooMany.status, 400)
      const stats = yield* (yield* SandboxStats).snapshot
      assert.strictEqual(stats.surfaces.exchange.operations["$batch"], 2)
      assert.strictEqual(stats.surfaces.exchange.operations["Add-DistributionGroupMember"], 2)
      assert.strictEqual(stats.surfaces.exchange.operations["New-DistributionGroup"], 1)
    }).pipe(Effect.provide(services())))
})

describe("ExchangeFace: behaviour knobs", () => {
  it.effect("SANDBOX_FAULT_RATE=1 fails every call as 503 or as 429 with Retry-After (seeded Random)", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const statuses = new Set<number>()
      for (let i = 0; i < 12; i++) {
        const response = yield* send(post(INVOKE, command("Get-DistributionGroup"), { authorization }))
        statuses.add(response.status)
        if (response.status === 429) assert.strictEqual(response.headers.get("retry-after"), "1")
      }
      assert.deepStrictEqual([...statuses].sort(), [429, 503])
    }).pipe(Random.withSeed("faults"), Effect.provide(services({ knobs: { faultRate: 1 } }))))

  it.effect("SANDBOX_LOST_REPLY_RATE=1 answers every write 503 after applying it; reads are answered", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const created = yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Sales", ManagedBy: [adele] }), { authorization }))
      assert.strictEqual(created.status, 503)
      // a write refused is answered as it is: nothing was applied
      const refused = yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Sales", ManagedBy: [adele] }), { authorization }))
      assert.notStrictEqual(refused.status, 503)
      // applied all the same: the group is there
      const read = yield* send(post(INVOKE, command("Get-DistributionGroup", { Identity: "Sales" }), { authorization }))
      assert.strictEqual(read.status, 200)
      assert.strictEqual(((yield* json(read)) as { value: Array<{ Name: string }> }).value[0]?.Name, "Sales")
    }).pipe(Effect.provide(services({ knobs: { lostReplyRate: 1 } }))))

  it.effect("SANDBOX_THROTTLE_RPS answers 429 with Retry-After once an app exceeds its rate", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const call = () => send(post(INVOKE, command("Get-DistributionGroup"), { authorization })).pipe(Effect.map((r) => r.status))
      assert.deepStrictEqual([yield* call(), yield* call(), yield* call()], [200, 200, 429])
      yield* TestClock.adjust(1_000)
      assert.strictEqual(yield* call(), 200)
    }).pipe(Effect.provide(services({ knobs: { throttleRps: 2 } }))))
})
