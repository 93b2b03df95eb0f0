import { Effect, Option, Schema } from "effect"
import { HttpEffect, type HttpServerResponse } from "effect/http"
import type { Action, Caller } from "../../../domain/Access.ts"
import { RequestId } from "../Middleware.ts"

const Created = Schema.fromJsonString(Schema.Struct({ dlId: Schema.String }))
const decodeCreated = Schema.decodeUnknownOption(Created)

// A create names its list only in the response (`dlId` of the 201 body).
const createdId = (response: HttpServerResponse.HttpServerResponse): string | undefined =>
  response.body._tag === "Uint8Array" && response.body.contentType.includes("json")
    ? Option.getOrUndefined(Option.map(decodeCreated(new TextDecoder().decode(response.body.body)), (b) => b.dlId))
    : undefined

/**
 * Registers the audit line of a mutation, written once the response is final: who (key name, app
 * client id or user UPN, never a credential), what, which list, the request id and the status.
 */
export const auditOnResponse = (caller: Caller, action: Action, dlId: string | undefined) =>
  Effect.flatMap(Effect.service(RequestId), (requestId) =>
    HttpEffect.appendPreResponseHandler((_request, response) =>
      Effect.logInfo("audit").pipe(
        // the id is taken now: a response made for a caller that went away (499) carries none
        Effect.annotateLogs({
          audit: true,
          caller: caller.name,
          callerKind: caller.kind,
          action,
          dlId: dlId ?? createdId(response) ?? null,
          requestId: requestId === "" ? (response.headers["x-request-id"] ?? null) : requestId,
          status: response.status
        }),
        Effect.as(response)
      )
    ))
