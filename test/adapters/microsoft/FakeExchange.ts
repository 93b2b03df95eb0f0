import { Effect, Layer } from "effect"
import * as ExchangeGroupStore from "../../../src/adapters/microsoft/ExchangeGroupStore.ts"
import { cloudLayer, EXCHANGE, type FakeReply, type FakeRequest, fakeHttp, fakeTokens } from "./FakeHttp.ts"

export const target = { identity: "sales@contoso.com", anchor: "owner@contoso.com" }

export const setup = (handler: (request: FakeRequest) => FakeReply | Effect.Effect<FakeReply>) => {
  const http = fakeHttp((request) => {
    const reply = handler(request)
    return Effect.isEffect(reply) ? reply : Effect.succeed(reply)
  })
  const layer = ExchangeGroupStore.layer.pipe(Layer.provide([http.layer, fakeTokens().layer, cloudLayer]))
  return { requests: http.requests, layer }
}

export const ok = (value: ReadonlyArray<unknown> = []): FakeReply => ({
  status: 200,
  body: {
    "@odata.context": `${EXCHANGE}/$metadata#Collection(Exchange.GenericHashTable)`,
    "adminapi.warnings@odata.type": "#Collection(String)",
    "@adminapi.warnings": [],
    value
  }
})

/** An error envelope as documented (spec exchange-admin-rest.md §5.1), with `details[0].message`. */
export const cmdletError = (status: number, message: string, code = "BadRequest"): FakeReply => ({
  status,
  body: {
    error: {
      code,
      message: "Error executing cmdlet",
      details: [{ code: "Client", target: "", message }],
      innererror: {
        message: "Error executing cmdlet",
        type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
        stacktrace: "",
        internalexception: { message: "Exception of type 'DirectInvokeCmdletExecutionException' was thrown.", type: "x", stacktrace: "" }
      },
      "adminapi.warnings@odata.type": "#Collection(String)",
      "@adminapi.warnings": []
    }
  }
})

export const groupObject = {
  Identity: "Sales",
  Name: "Sales",
  Alias: "sales",
  DisplayName: "Sales team",
  PrimarySmtpAddress: "sales@contoso.com",
  "ManagedBy@odata.type": "#Collection(String)",
  ManagedBy: ["11111111-1111-4111-8111-111111111111"],
  RequireSenderAuthenticationEnabled: false,
  "Guid@data.type": "System.Guid",
  "Guid@odata.type": "#Guid",
  Guid: "9feb45ad-0cc9-43dc-a609-2110e2216c15"
}


