import { Context, Effect, Option, Schema } from "effect"
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
 * What a change came to, filled in by its handler once the use case has finished: a caller that went
 * away gets a 499 that says nothing of it, while the change itself ran to its end.
 */
export interface AuditNote {
  outcome?: "completed" | "failed"
  /** The list a create made (otherwise named only in the 201 body the caller did not wait for). */
  dlId?: string
  /** A rename's new alias (the line's dlId is the list as the request named it). */
  renamedTo?: string
}

/** The current mutation's note, for its handler; undefined where nothing is audited. */
export const CurrentAuditNote = Context.Reference<AuditNote | undefined>(
  "distribution-list-api/adapters/http/auth/CurrentAuditNote",
  { defaultValue: () => undefined }
)

/**
 * Registers the audit line of a mutation, written once the response is final: who (key name, app
 * client id or user UPN, never a credential), what, which list, the request id and the status; for a
 * caller that went away (499), what the change came to. Returns the note the handler fills in.
 */
export const auditOnResponse = (caller: Caller, action: Action, dlId: string | undefined) =>
  Effect.flatMap(Effect.service(RequestId), (requestId) => {
    const note: AuditNote = {}
    return HttpEffect.appendPreResponseHandler((_request, response) =>
      Effect.logInfo("audit").pipe(
        // the id is taken now: a response made for a caller that went away (499) carries none
        Effect.annotateLogs({
          audit: true,
          caller: caller.name,
          // a user's name may be stale or since another's; the object id is who acted
          ...(caller.objectId === undefined ? {} : { callerId: caller.objectId }),
          callerKind: caller.kind,
          action,
          dlId: dlId ?? createdId(response) ?? note.dlId ?? null,
          requestId: requestId === "" ? (response.headers["x-request-id"] ?? null) : requestId,
          status: response.status,
          ...(note.renamedTo === undefined ? {} : { renamedTo: note.renamedTo }),
          // a started change ends before its 499 is made (it runs uninterruptibly): no outcome means not started
          ...(response.status === 499 ? { outcome: note.outcome ?? "notStarted" } : {})
        }),
        Effect.as(response)
      )
    ).pipe(Effect.as(note))
  })
