import { Effect } from "effect"
import type { SandboxStats } from "../Stats.ts"
import { checkAnchor } from "./Anchor.ts"
import { type CommandRequest, errorResponse, operationOf, type Runner, selectFrom, type WireResponse } from "./CommandRunner.ts"
import * as Envelope from "./Envelope.ts"
import * as Errors from "./ExchangeError.ts"
import type { Json } from "./Output.ts"

/** spec §1.1: at most 10 cmdlets per `$batch` (the module batches 10; CIPP sends 10). */
export const MAX_BATCH = 10

export interface BatchRequest extends Omit<CommandRequest, "skipToken" | "select"> {
  readonly outerAnchor: string | undefined
}

const header = (headers: unknown, name: string): string | undefined => {
  if (typeof headers !== "object" || headers === null) return undefined
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)
  return typeof entry?.[1] === "string" ? entry[1] : undefined
}

const INNER_URL = /\/adminapi\/beta\/([^/?#]+)\/InvokeCommand(?:\?(.*))?$/i

/**
 * `POST /adminapi/beta/{tenant}/$batch` with `{"requests":[{id, method, url, headers, body}]}` →
 * `{"responses":[{id, status, headers, body}]}` (spec §1.1, S4). Parts run in order; one failing part
 * does not stop the others (S4 sends `odata.continue-on-error`). Each part is counted as its cmdlet.
 * Over-limit and malformed batches: 400, wire text UNVERIFIED.
 */
export const runBatch = Effect.fn("ExchangeFace.batch")(function*(run: Runner, stats: SandboxStats["Service"], request: BatchRequest) {
  const requests = typeof request.body === "object" && request.body !== null
    ? (request.body as Record<string, unknown>)["requests"]
    : undefined
  if (!Array.isArray(requests)) return errorResponse(Errors.badRequest("The batch body must hold a requests array."))
  if (requests.length > MAX_BATCH) {
    return errorResponse(Errors.badRequest(`The batch holds ${requests.length} requests; at most ${MAX_BATCH} are allowed.`))
  }
  const responses: Array<Json> = []
  for (const [index, part] of requests.entries()) {
    const item = (typeof part === "object" && part !== null ? part : {}) as Record<string, unknown>
    const id = typeof item["id"] === "string" ? item["id"] : String(index)
    yield* stats.count("exchange", operationOf(item["body"]))
    const response = yield* runPart(run, request, item)
    responses.push({
      id,
      status: response.status,
      headers: response.headers,
      body: response.body instanceof Uint8Array ? null : response.body
    })
  }
  return {
    status: 200,
    headers: { "content-type": Envelope.JSON_CONTENT_TYPE, "odata-version": "4.0" },
    body: { responses }
  } satisfies WireResponse
})

const runPart = (run: Runner, request: BatchRequest, item: Record<string, unknown>): Effect.Effect<WireResponse> => {
  const method = typeof item["method"] === "string" ? item["method"].toUpperCase() : "POST"
  const match = typeof item["url"] === "string" ? INNER_URL.exec(item["url"]) : null
  if (method !== "POST" || match === null) {
    return Effect.succeed(errorResponse(Errors.badRequest("Each batch request must POST to .../adminapi/beta/{tenant}/InvokeCommand.")))
  }
  if (decodeURIComponent(match[1]!).toLowerCase() !== request.tenant.toLowerCase()) {
    return Effect.succeed(errorResponse(Errors.badRequest("A batch request names another tenant than the batch.")))
  }
  const anchorError = checkAnchor(header(item["headers"], "x-anchormailbox") ?? request.outerAnchor)
  if (anchorError) return Effect.succeed(errorResponse(anchorError))
  const query = new URLSearchParams(match[2] ?? "")
  const skipToken = query.get("$skiptoken") ?? undefined
  return run({
    origin: request.origin,
    tenant: request.tenant,
    body: item["body"],
    prefer: header(item["headers"], "prefer") ?? request.prefer,
    skipToken,
    select: selectFrom(query),
    caller: request.caller
  })
}
