import { Effect } from "effect"
import { SandboxConfig } from "../Config.ts"
import { Behaviour } from "../tenant/Behaviour.ts"
import { TenantModel } from "../tenant/TenantModel.ts"
import { canonicalCmdletName, invokeCmdlet } from "./Cmdlets.ts"
import * as Envelope from "./Envelope.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { type Caller, guidSource } from "./Invocation.ts"
import { type Json, selector } from "./Output.ts"
import { PageCursors } from "./PageCursors.ts"
import * as Paging from "./Paging.ts"

/** One InvokeCommand call after authentication: what the face (or a `$batch` part) needs. */
export interface CommandRequest {
  /** `http://host:port`, echoed in `@odata.context` and nextLinks (spec §3.1). */
  readonly origin: string
  /** The `{tenant}` path segment as the client sent it. */
  readonly tenant: string
  readonly body: unknown
  readonly prefer: string | undefined
  readonly skipToken: string | undefined
  /** `?$select=` names (spec §1.1), if any. */
  readonly select?: ReadonlyArray<string> | undefined
  readonly caller: Caller
}

export interface WireResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** JSON, raw bytes (the 403 body), or nothing. */
  readonly body: Json | Uint8Array | null
}

const jsonResponse = (status: number, body: Json, headers: Record<string, string> = {}): WireResponse => ({
  status,
  headers: { "content-type": Envelope.JSON_CONTENT_TYPE, "odata-version": "4.0", ...headers },
  body
})

export const errorResponse = (error: ExchangeError, cmdlet?: string): WireResponse =>
  jsonResponse(error.httpStatus, Envelope.failure(error), {
    ...Envelope.failureHeaders(error),
    ...(cmdlet ? { "cmdlet-name": cmdlet } : {})
  })

/** `{"CmdletInput":{"CmdletName":"…","Parameters":{…}}}` (spec §2); `Parameters` absent or null is taken as `{}`. */
const parseInput = (body: unknown): { name: string; parameters: Record<string, unknown> } | ExchangeError => {
  const input = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["CmdletInput"] : undefined
  if (typeof input !== "object" || input === null) return Errors.badRequest("The request body must hold a CmdletInput object.")
  const { CmdletName: name, Parameters: parameters } = input as Record<string, unknown>
  if (typeof name !== "string" || name.trim() === "") return Errors.badRequest("CmdletInput.CmdletName is required.")
  if (parameters !== undefined && parameters !== null && (typeof parameters !== "object" || Array.isArray(parameters))) {
    return Errors.badRequest("CmdletInput.Parameters must be a JSON object.")
  }
  return { name, parameters: (parameters ?? {}) as Record<string, unknown> }
}

/** What `SandboxStats` counts a request body as: its cmdlet (canonical spelling when served), else `InvokeCommand`. */
export const operationOf = (body: unknown): string => {
  const input = parseInput(body)
  return "_tag" in input ? "InvokeCommand" : canonicalCmdletName(input.name) ?? input.name.slice(0, 64)
}

/** Runs InvokeCommand bodies against the tenant model: paging and envelopes (callers count and admit). */
export const makeRunner = Effect.gen(function*() {
  const tenant = yield* TenantModel
  const behaviour = yield* Behaviour
  const config = yield* SandboxConfig
  const cursors = new PageCursors()

  return Effect.fn("ExchangeFace.runCommand")(function*(request: CommandRequest) {
    const input = parseInput(request.body)
    if ("_tag" in input) return errorResponse(input)
    const cmdlet = canonicalCmdletName(input.name)
    const hash = Paging.bodyHash(request.body)
    const pageSize = Paging.pageSizeFrom(request.prefer)
    const knobs = yield* behaviour.knobs
    const newGuid = yield* guidSource
    const result = yield* tenant.transact((state, now) => {
      const offset = request.skipToken === undefined ? 0 : Paging.decodeSkipToken(request.skipToken, hash, now)
      if (offset === undefined) return Errors.invalidPagination()
      const invocation = {
        state, now, caller: request.caller, organization: config.tenantDomain,
        replicationDelayMillis: knobs.replicationDelayMillis, newGuid
      }
      const outcome = invokeCmdlet(invocation, input.name, input.parameters)
      if (outcome._tag !== "CmdletResult") return outcome
      // The cmdlet still runs (its errors, e.g. a group deleted since the last page, still apply); a parked
      // cursor only saves walking the objects before the offset.
      const parked = request.skipToken === undefined ? undefined : cursors.take(request.skipToken, state, request.caller, now)
      const page = Paging.takePage(outcome.objects, outcome.resultSize, offset, pageSize, parked)
      const expiresAt = now + Paging.NEXT_LINK_LIFETIME_MILLIS
      const token = page.hasMore ? Paging.encodeSkipToken(offset + page.objects.length, hash, expiresAt) : undefined
      if (token !== undefined && page.cursor !== undefined) cursors.park(token, page.cursor, state, request.caller, expiresAt)
      return { _tag: "Page" as const, page, token, warnings: outcome.warnings, confirmation: outcome.confirmationMessage }
    })
    if (result._tag === "UnknownCmdlet") {
      return { status: 403, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: Envelope.FORBIDDEN_BODY }
    }
    if (result._tag === "ExchangeError") return errorResponse(result, cmdlet)
    const base = `${request.origin}/adminapi/beta/${request.tenant}/InvokeCommand`
    return jsonResponse(200, Envelope.success({
      context: Envelope.contextUrl(request.origin, request.tenant),
      value: request.select === undefined
        ? result.page.objects
        : result.page.objects.map(selector(request.select)),
      warnings: result.page.truncated ? [...result.warnings, Paging.TRUNCATION_WARNING] : result.warnings,
      // The nextLink keeps `$select`, so re-POSTing the same body to it gives the same shape.
      nextLink: result.token === undefined
        ? undefined
        : `${base}?${request.select === undefined ? "" : `$select=${request.select.map(encodeURIComponent).join(",")}&`}$skiptoken=${result.token}`,
      confirmationMessage: result.confirmation
    }))
  })
})

export type Runner = Effect.Success<typeof makeRunner>

/** `$select=A,B` from a query string (names trimmed, empties dropped), or undefined without one. */
export const selectFrom = (query: URLSearchParams): ReadonlyArray<string> | undefined => {
  const value = query.get("$select")
  return value === null ? undefined : value.split(",").map((n) => n.trim()).filter((n) => n !== "")
}
