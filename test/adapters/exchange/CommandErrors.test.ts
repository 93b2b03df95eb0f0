import { assert, describe, it } from "@effect/vitest"
import { classify } from "../../../src/adapters/exchange/CommandErrors.ts"
import { failure, failureHeaders } from "../../../src/sandbox/exchange/Envelope.ts"
import { invalidPagination } from "../../../src/sandbox/exchange/ExchangeError.ts"

describe("classify: a nextLink Exchange no longer honours (spec §3.3)", () => {
  it("the sandbox's 400 'Expired or Invalid pagination request' is InvalidPagination, not a plain failure", () => {
    const error = invalidPagination()
    const body = failure(error)
    const classified = classify({
      cmdlet: "Get-DistributionGroupMember",
      status: error.httpStatus,
      body,
      rawText: JSON.stringify(body),
      exceptionHeader: failureHeaders(error)["x-ExceptionType"]
    })
    assert.deepStrictEqual([classified.status, classified.kind], [400, "InvalidPagination"])
  })

  it("the text in details[0] (ErrorId|Type|text form) counts too; other 400s stay Failed", () => {
    const body = (text: string) => ({ error: { code: "BadRequest", message: "x", details: [{ message: text }] } })
    const kind = (text: string) =>
      classify({ cmdlet: "Get-DistributionGroupMember", status: 400, body: body(text), rawText: "", exceptionHeader: undefined })
        .kind
    assert.strictEqual(kind("|Microsoft.Exchange.Admin.OData.Core.ODataServiceException|Expired or Invalid pagination request. Default Expiry time is 00:30:00"), "InvalidPagination")
    assert.strictEqual(kind("|Microsoft.Exchange.Admin.OData.Core.ODataServiceException|Something else went wrong"), "Failed")
  })
})
