import { Cause, Effect } from "effect"
import { HttpServerError, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { Api } from "./Api.ts"
import { tooLargeDetails } from "./auth/Hygiene.ts"
import { toInputIssues } from "./Validation.ts"

const json = (status: number, error: string, details: unknown) =>
  HttpServerResponse.jsonUnsafe({ error, details }, { status })

export const notFound = json(
  404,
  "Not Found",
  "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
)

/** Which switchable routes are served: `/docs` (DOCS_ENABLED). */
export interface Served {
  readonly docs: boolean
}

// Every route and its methods, to tell a wrong method (405, with Allow) from an unknown path (404).
const routeTable = (served: Served): ReadonlyArray<{ readonly pattern: RegExp; readonly method: string }> =>
  [
    ...Object.values(Api.groups).flatMap((group) =>
      Object.values(group.endpoints).map((endpoint) => ({ path: endpoint.path as string, method: endpoint.method }))
    ),
    // a route that is switched off is not there at all
    ...["/healthz", "/readyz", "/openapi.json", ...(served.docs ? ["/docs"] : [])].map((path) => ({ path, method: "GET" }))
  ].map(({ method, path }) => ({ method, pattern: new RegExp(`^${path.replace(/:[^/]+/g, "[^/]+")}$`) }))

const tables = { docs: routeTable({ docs: true }), noDocs: routeTable({ docs: false }) }

/** The methods a URL's path answers (HEAD wherever GET), without OPTIONS; none for an unknown path. */
export const allowedMethods = (url: string, served: Served): ReadonlyArray<string> => {
  const path = url.split(/[?#]/, 1)[0]!
  const routes = served.docs ? tables.docs : tables.noDocs
  const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))
  return ["GET", "HEAD", "POST", "PATCH", "DELETE"].filter((method) => methods.has(method === "HEAD" ? "GET" : method))
}

const methodNotAllowed = (method: string, url: string, served: Served) => {
  const allowed = allowedMethods(url, served)
  if (allowed.length === 0 || allowed.includes(method)) return notFound
  return HttpServerResponse.jsonUnsafe(
    { error: "Method Not Allowed", details: "The method is not allowed for the requested URL." },
    { status: 405, headers: { allow: [...allowed, "OPTIONS"].join(", ") } }
  )
}

const payloadTooLarge = json(413, "Payload Too Large", tooLargeDetails)

export const badRequest = json(400, "Bad Request", "The request could not be parsed")

export const internalServerError = (requestId: string) => json(500, "Internal Server Error", requestId)

// FastAPI's names for where a request value came from.
const slot = { Params: "path", Headers: "header", Query: "query", Payload: "body" } as const

const fromSchemaError = (error: HttpApiError.HttpApiSchemaError) =>
  error.kind === "Body" || error.kind === "ResponseHeaders"
    ? undefined
    : json(422, "Validation Error", toInputIssues(error.cause.issue, undefined, [slot[error.kind]]))

const fromServerError = (error: HttpServerError.HttpServerError, served: Served) => {
  switch (error.reason._tag) {
    case "RouteNotFound":
      return methodNotAllowed(error.reason.request.method, error.reason.request.url, served)
    case "RequestParseError":
      return error.reason.reason === "BodyTooLarge" ? payloadTooLarge : badRequest
    default:
      return undefined
  }
}

const known = (value: unknown, served: Served): HttpServerResponse.HttpServerResponse | undefined => {
  if (HttpServerResponse.isHttpServerResponse(value)) return value
  if (HttpServerError.isHttpServerError(value)) return fromServerError(value, served)
  if (HttpApiError.HttpApiSchemaError.is(value)) return fromSchemaError(value)
  return undefined
}

/**
 * Turns whatever escaped the routes into the standard error body. Anything unexpected is a 500
 * whose details are the request id; the cause goes to the log, never to the caller.
 */
export const fromCause = (
  cause: Cause.Cause<unknown>,
  requestId: string,
  served: Served
): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
  for (const reason of cause.reasons) {
    const response = reason._tag === "Fail"
      ? known(reason.error, served)
      : reason._tag === "Die"
      ? known(reason.defect, served)
      : undefined
    if (response !== undefined) return Effect.succeed(response)
  }
  return Effect.as(Effect.logError("Unhandled failure", cause), internalServerError(requestId))
}
