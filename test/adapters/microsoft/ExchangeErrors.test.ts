import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { GroupStore } from "../../../src/application/ports/GroupStore.ts"
import type { FakeReply } from "./FakeHttp.ts"
import { cmdletError, setup, target } from "./FakeExchange.ts"

// Verbatim or near-verbatim bodies from spec §5.1/§5.2; what each must become.
const errorCases: ReadonlyArray<readonly [string, FakeReply, (error: any) => void]> = [
  [
    "404 Ex6F9304 ManagementObjectNotFoundException → GroupNotFound",
    cmdletError(404, "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'sales@contoso.com' couldn't be found on 'YQBPR01A12DC007.CANPR01A012.PROD.OUTLOOK.COM'.", "NotFound"),
    (e) => assert.deepStrictEqual([e._tag, e.identity], ["GroupNotFound", "sales@contoso.com"])
  ],
  [
    "Ex94914C → RecipientNotFound with the address",
    cmdletError(400, "Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"new.user@contoso.com\". Please make sure that it was spelled correctly or specify a different object."),
    (e) => assert.deepStrictEqual([e._tag, e.address], ["RecipientNotFound", "new.user@contoso.com"])
  ],
  [
    "Ex9E65A2 (the -Identity matches multiple entries) → GroupAmbiguous, not a not-found",
    cmdletError(500, "Ex9E65A2|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because 'sales@contoso.com' matches multiple entries."),
    (e) => assert.deepStrictEqual([e._tag, e.identity], ["GroupAmbiguous", "sales@contoso.com"])
  ],
  [
    "the same text without an ErrorId (a form seen live) → GroupAmbiguous",
    cmdletError(400, "||The operation couldn't be performed because 'SALES@contoso.com' matches multiple entries."),
    (e) => assert.deepStrictEqual([e._tag, e.identity], ["GroupAmbiguous", "sales@contoso.com"])
  ],
  [
    "Ex8155FB ManagementObjectAmbiguousException on the -Identity → GroupAmbiguous",
    cmdletError(400, "Ex8155FB|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|There are multiple recipients matching the identity \"sales@contoso.com\". Please specify a unique value."),
    (e) => assert.deepStrictEqual([e._tag, e.identity], ["GroupAmbiguous", "sales@contoso.com"])
  ],
  [
    "Ex8155FB on another value (an owner or member) → Failed: the list itself is not ambiguous",
    cmdletError(400, "Ex8155FB|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|There are multiple recipients matching the identity \"jdoe\". Please specify a unique value."),
    (e) => {
      assert.deepStrictEqual([e._tag, e.reason._tag], ["UpstreamError", "Failed"])
      assert.match(e.message, /Ex8155FB/)
    }
  ],
  [
    "ProxyAddressExistsException → GroupAlreadyExists",
    cmdletError(400, "|Microsoft.Exchange.Data.ProxyAddressExistsException|The proxy address \"SMTP:sales@contoso.com\" is already being used by the proxy addresses or LegacyExchangeDN of \"Sales\". Please choose another proxy address."),
    (e) => assert.deepStrictEqual([e._tag, e.detail], ["GroupAlreadyExists", "ProxyAddressExistsException"])
  ],
  [
    "\"The name … is already being used\" → GroupAlreadyExists",
    cmdletError(400, "||The name \"Sales\" is already being used. Please try another name."),
    (e) => assert.strictEqual(e._tag, "GroupAlreadyExists")
  ],
  [
    "429 with a fractional Retry-After → Transient with retryAfterMillis",
    { status: 429, headers: { "Retry-After": "2.5" }, body: "" },
    (e) => assert.deepStrictEqual({ ...e.reason }, { _tag: "Transient", throttled: true, status: 429, retryAfterMillis: 2500 })
  ],
  ["503 → Transient", { status: 503, body: "" }, (e) => assert.deepStrictEqual([e.reason._tag, e.reason.status], ["Transient", 503])],
  ["504 → Transient", { status: 504, body: "" }, (e) => assert.deepStrictEqual([e.reason._tag, e.reason.status], ["Transient", 504])],
  [
    "DCOverloadedException → Transient",
    cmdletError(500, "|Microsoft.Exchange.Data.Directory.DCOverloadedException|The domain controller is overloaded."),
    (e) => assert.strictEqual(e.reason._tag, "Transient")
  ],
  [
    "the plain-text tenant concurrency message → Transient",
    { status: 500, headers: { "content-type": "text/plain" }, body: "You have reached the maximum number of concurrent requests per tenant. Please wait and try again" },
    (e) => assert.strictEqual(e.reason._tag, "Transient")
  ],
  [
    "401 → Forbidden",
    { status: 401, body: { error: { code: "Unauthorized", message: "User is not allowed to call Get-DistributionGroup", innererror: { message: "x", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException" } } } },
    (e) => assert.strictEqual(e.reason._tag, "Forbidden")
  ],
  [
    "403 with a body of NUL bytes → Forbidden naming Exchange.ManageAsApp and the Exchange Administrator role",
    { status: 403, headers: { "content-encoding": "identity" }, body: "\u0000".repeat(64) },
    (e) => {
      assert.strictEqual(e.reason._tag, "Forbidden")
      assert.match(e.message, /Exchange\.ManageAsApp.*Exchange Administrator/)
    }
  ],
  [
    "400 AmbiguousParameterSetException (unknown parameter) → Failed with the exception, not the text",
    {
      status: 400,
      body: { error: { code: "BadRequest", message: "Invalid Operation", details: [{ code: "Client", target: "", message: "|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter" }], innererror: { message: "Invalid Operation", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", stacktrace: "", internalexception: { message: "Parameter set cannot be resolved… BogusParameter", type: "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException", stacktrace: "" } } } }
    },
    (e) => {
      assert.strictEqual(e.reason._tag, "Failed")
      assert.strictEqual(e.message, "Get-DistributionGroup: Get-DistributionGroup failed with HTTP 400 (AmbiguousParameterSetException)")
    }
  ],
  [
    "400 without details (ParameterTransformationException in innererror) → Failed",
    {
      status: 400,
      body: { error: { code: "BadRequest", message: "Invalid Operation", innererror: { message: "Invalid Operation", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", stacktrace: "", internalexception: { message: "Cannot process argument transformation on parameter 'QuarantineTypes'.", type: "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException", stacktrace: "" } }, "adminapi.warnings@odata.type": "#Collection(String)", "@adminapi.warnings": [] } }
    },
    (e) => assert.match(e.message, /HTTP 400 \(ParameterTransformationException\)$/)
  ],
  [
    "400 expired pagination link → Failed",
    { status: 400, body: { error: { code: "BadRequest", message: "Invalid Operation", innererror: { internalexception: { message: "Expired or Invalid pagination request. Default Expiry time is 00:30:00", type: "System.ArgumentException" } } } } },
    (e) => assert.strictEqual(e.reason._tag, "Failed")
  ]
]

describe("ExchangeGroupStore errors", () => {
  it.effect.each(errorCases)("%s", ([, reply, check]) => {
    const exchange = setup(() => reply)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* GroupStore).get(target))
      check(error)
      assert.notInclude(String(error.message), "BogusParameter")
    }).pipe(Effect.provide(exchange.layer))
  })
})

