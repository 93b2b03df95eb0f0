import type { ExchangeError } from "./ExchangeError.ts"
import type { Json } from "./Output.ts"

/** Response headers of a real InvokeCommand answer (spec §3.1, [V-cap S1]). */
export const JSON_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

const ODATA_SERVICE_EXCEPTION = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"

/** `https://<host>/adminapi/beta/<tenant>/$metadata#Collection(Exchange.GenericHashTable)` (§3.1: echoes host and tenant). */
export const contextUrl = (origin: string, tenant: string): string =>
  `${origin}/adminapi/beta/${tenant}/$metadata#Collection(Exchange.GenericHashTable)`

/** The success envelope (§3.1): `@adminapi.warnings` is always there; no-output cmdlets give `value: []`. */
export const success = (options: {
  readonly context: string
  readonly value: ReadonlyArray<Json>
  readonly warnings: ReadonlyArray<string>
  readonly nextLink?: string | undefined
  readonly confirmationMessage?: string | undefined
}): Json => ({
  "@odata.context": options.context,
  "adminapi.warnings@odata.type": "#Collection(String)",
  "@adminapi.warnings": [...options.warnings],
  ...(options.confirmationMessage === undefined ? {} : { "@adminapi.confirmationmessage": options.confirmationMessage }),
  value: [...options.value],
  ...(options.nextLink === undefined ? {} : { "@odata.nextLink": options.nextLink })
})

/**
 * The error envelope (§5.1): `details[0].message` is `ErrorId|Type|text`; the warnings pair sits inside
 * `error`, except in the captured unknown-parameter body, which has none (reproduced as captured).
 */
export const failure = (error: ExchangeError): Json => {
  const bare = error.exceptionType.endsWith("AmbiguousParameterSetException")
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.withDetails
        ? { details: [{ code: "Client", target: "", message: `${error.errorId}|${error.exceptionType}|${error.text}` }] }
        : {}),
      innererror: {
        message: error.message,
        type: ODATA_SERVICE_EXCEPTION,
        stacktrace: "",
        internalexception: {
          message: error.internalMessage ?? error.text,
          type: error.internalType ?? error.exceptionType,
          stacktrace: ""
        }
      },
      ...(bare ? {} : { "adminapi.warnings@odata.type": "#Collection(String)", "@adminapi.warnings": [] })
    }
  }
}

/** §5.1: the exception also travels in `x-ExceptionType`. */
export const failureHeaders = (error: ExchangeError): Record<string, string> => ({
  "x-ExceptionType": error.exceptionType.split(".").pop() ?? error.exceptionType
})

/**
 * 401 body. Only a 2021 REST v1 example is known (§5.2, S14); its shape is reused, the message is
 * UNVERIFIED and never carries token contents.
 */
export const unauthorized = (message: string): Json => ({
  error: { code: "Unauthorized", message, innererror: { message, type: ODATA_SERVICE_EXCEPTION } }
})

/** §5.2: 403 answers (missing role, unknown cmdlet) have a body that is not JSON: a run of NUL bytes. */
export const FORBIDDEN_BODY = new Uint8Array(64)

/** Injected transient failures; bodies UNVERIFIED (§5.2: "body U"), clients act on status and Retry-After. */
export const unavailable = (): Json => ({
  error: { code: "ServiceUnavailable", message: "The service is temporarily unavailable. Please try again later." }
})

export const throttled = (): Json => ({
  error: { code: "TooManyRequests", message: "The request was throttled. Please retry after the time given in Retry-After." }
})
