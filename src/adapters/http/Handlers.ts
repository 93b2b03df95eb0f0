import { Cause, Effect, Exit } from "effect"
import { HttpEffect, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { DistributionLists, type DistributionListsError, type RequestHints } from "../../application/DistributionLists.ts"
import { Api, CreateBody, MembersBody, UpdateBody } from "./Api.ts"
import * as ApiErrors from "./ApiErrors.ts"
import { type AuditNote, CurrentAuditNote } from "./auth/Audit.ts"
import { CheckedList } from "./auth/Security.ts"
import * as Body from "./Body.ts"
import { CurrentNotFoundCache, type NotFoundCache } from "./NotFoundCache.ts"

type ApiError =
  | ApiErrors.NotFound
  | ApiErrors.Conflict
  | ApiErrors.ValidationError
  | ApiErrors.BadGateway
  | ApiErrors.ServiceUnavailable

const retryAfter = (millis: number) =>
  HttpEffect.appendPreResponseHandler((_request, response) =>
    Effect.succeed(HttpServerResponse.setHeader(response, "retry-after", String(Math.max(1, Math.ceil(millis / 1000)))))
  )

/** Whitelists what callers may learn of a failure; status codes live on the error classes. */
export const toApiError = (
  error: DistributionListsError
): Effect.Effect<never, ApiError, HttpServerRequest.HttpServerRequest> => {
  switch (error._tag) {
    case "DistributionListNotFound":
      return Effect.fail(new ApiErrors.NotFound({ error: "Distribution List not found", details: error.message }))
    case "UsersNotFound":
      return Effect.fail(new ApiErrors.NotFound({ error: "User(s) not found", details: error.addresses }))
    case "DistributionListAmbiguous":
      return Effect.fail(ApiErrors.ambiguous(error.message))
    case "DistributionListExists":
      return Effect.fail(new ApiErrors.Conflict({ error: "Distribution List already exists", details: error.message }))
    case "InvalidInput":
      return Effect.fail(ApiErrors.validationError(error.issues))
    case "UpstreamError": {
      const reason = error.reason
      // the seed's level for API errors: a request Microsoft's failure ended is an ERROR line
      const logged = Effect.logError("Upstream failure").pipe(
        Effect.annotateLogs({ operation: error.operation, reason: reason._tag, detail: error.message })
      )
      if (reason._tag === "Transient") {
        const failure = Effect.fail(
          new ApiErrors.ServiceUnavailable({
            error: "Service Unavailable",
            details: "Exchange Online or Microsoft Graph is temporarily unavailable; please retry."
          })
        )
        return Effect.andThen(
          logged,
          reason.retryAfterMillis === undefined ? failure : Effect.andThen(retryAfter(reason.retryAfterMillis), failure)
        )
      }
      return Effect.andThen(logged, Effect.fail(new ApiErrors.BadGateway({ error: "Bad Gateway", details: error.message })))
    }
  }
}

/** Runs `use` with the request's hints: its `X-AnchorMailbox`, and the list an owner check was made on. */
const withHints = <A, E, R>(
  headers: { readonly "x-anchormailbox"?: string },
  use: (hints: RequestHints) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const checkedList = yield* CheckedList
    const anchor = headers["x-anchormailbox"]?.trim()
    return yield* use({ ...(anchor ? { anchorMailbox: anchor } : {}), ...(checkedList === undefined ? {} : { checkedList }) })
  })

const decodeCreate = Body.decoder(CreateBody)
const decodeUpdate = Body.decoder(UpdateBody)
const decodeMembers = Body.decoder(MembersBody)

/**
 * A change, once started, runs to its end even if the caller goes away: interrupting it between two
 * upstream calls would leave a list half changed (a PATCH with its settings applied and its members not)
 * with nobody told. The upstream calls have their own timeouts, so this cannot hang.
 */
const toCompletion = Effect.uninterruptible

/**
 * A create or update that may have made a missing name findable: done, ended by Microsoft (the reply may
 * be lost), cut short, or refused because the name is taken (the list exists, maybe made by this very
 * request after a lost reply).
 */
const mayHaveApplied = (exit: Exit.Exit<unknown, DistributionListsError>): boolean =>
  Exit.isSuccess(exit) ||
  exit.cause.reasons.some((reason) =>
    !Cause.isFailReason(reason) || reason.error._tag === "UpstreamError" || reason.error._tag === "DistributionListExists"
  )

/**
 * A create or update (a new list, name or display name can make a missing one findable) empties the
 * not-found cache while it runs (nothing is kept that a lookup saw meanwhile), and, once it may have
 * applied, tells the other instances before its answer goes out, whether or not this instance caches.
 * Here, after authentication: a request that never got this far costs no one their cache. Deletes and
 * member changes cannot make a missing list findable: they leave the cache alone.
 */
const emptyingNotFound = <A, R>(notFound: NotFoundCache, use: Effect.Effect<A, DistributionListsError, R>) =>
  notFound.enabled || notFound.announces
    ? Effect.acquireUseRelease(
      Effect.sync(() => notFound.changeStarts()),
      () => use,
      (_, exit) =>
        Effect.andThen(Effect.sync(() => notFound.changeEnds()), mayHaveApplied(exit) ? notFound.announce : Effect.void)
    )
    : use

/**
 * Runs a change to its end and notes what it came to, and what else its audit line names (the list a
 * create made, a rename's new alias).
 */
const change = <A, R>(
  use: Effect.Effect<A, DistributionListsError, R>,
  named: (result: A) => Pick<AuditNote, "dlId" | "renamedTo"> = () => ({})
) =>
  Effect.gen(function*() {
    const note = yield* CurrentAuditNote
    const noted = (outcome: "completed" | "failed", names: Pick<AuditNote, "dlId" | "renamedTo"> = {}) =>
      Effect.sync(() => {
        if (note !== undefined) Object.assign(note, { outcome, ...names })
      })
    return yield* toCompletion(use.pipe(
      Effect.tap((result) => noted("completed", named(result))),
      Effect.tapError(() => noted("failed"))
    ))
  }).pipe(Effect.catch(toApiError))

/** The six endpoints over the `DistributionLists` use cases; bodies are decoded here (see Body.ts). */
export const layer = HttpApiBuilder.group(
  Api,
  "distributionLists",
  Effect.fn(function*(handlers) {
    const lists = yield* DistributionLists
    const notFound = yield* CurrentNotFoundCache
    return handlers
      .handleRaw("create", ({ headers, request }) =>
        Effect.flatMap(decodeCreate(request), (body) =>
          change(
            emptyingNotFound(
              notFound,
              withHints(headers, (hints) =>
                lists.create({
                  name: body.name,
                  ownerEmails: body.ownerEmails,
                  memberEmails: body.memberEmails ?? [],
                  allowExternalSenders: body.allowExternalSenders ?? false
                }, hints))
            ),
            (result) => ({ dlId: result.dlId })
          )))
      .handle("get", ({ headers, params, query }) =>
        withHints(headers, (hints) =>
          query.membersPageSize === undefined && query.membersPageToken === undefined
            ? lists.get(params.dlId, hints)
            : lists.getPage(params.dlId, { pageSize: query.membersPageSize, pageToken: query.membersPageToken }, hints))
          .pipe(Effect.catch(toApiError)))
      .handleRaw("update", ({ headers, params, request }) =>
        Effect.flatMap(decodeUpdate(request), (body) =>
          change(
            emptyingNotFound(notFound, withHints(headers, (hints) => lists.update(params.dlId, body, hints))),
            ({ renamedTo }) => (renamedTo === undefined ? {} : { renamedTo })
          ).pipe(Effect.map(({ renamedTo: _, ...response }) => response))))
      .handle("remove", ({ headers, params }) =>
        change(withHints(headers, (hints) => lists.remove(params.dlId, hints))))
      .handleRaw("addMembers", ({ headers, params, request }) =>
        Effect.flatMap(decodeMembers(request), (body) =>
          change(withHints(headers, (hints) => lists.addMembers(params.dlId, body.memberEmails, hints)))))
      .handleRaw("removeMembers", ({ headers, params, request }) =>
        Effect.flatMap(decodeMembers(request), (body) =>
          change(withHints(headers, (hints) => lists.removeMembers(params.dlId, body.memberEmails, hints)))))
  })
)
