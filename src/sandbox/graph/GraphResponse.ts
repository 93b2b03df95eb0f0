/** A Graph response before it goes on the wire, either as an HTTP response or inside a `$batch` body. */
export interface GraphResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** Per-request identifiers echoed in every error's `innerError` (spec §1.4). */
export interface RequestIds {
  readonly requestId: string
  readonly clientRequestId: string
  readonly now: number
}

export const graphRoot = "https://graph.microsoft.com/v1.0"

// spec §2: the per-request headers of a successful response (json-batching.md sample).
const odataJson = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

/** `2023-02-14T11:10:50`: UTC, no `Z`, no fraction (spec §1.4). */
export const innerErrorDate = (millis: number): string => new Date(millis).toISOString().slice(0, 19)

export const ok = (body: unknown): GraphResponse => ({
  status: 200,
  headers: {
    "Cache-Control": "no-cache",
    "OData-Version": "4.0",
    "Content-Type": odataJson
  },
  body
})

/**
 * spec §5: "`x-ms-resource-unit` (response)", the units the request was charged. throttling-limits.md
 * lists it under regular responses, and the §2 batch sample shows it on a 403 part too; a throttled
 * 429 carries the throttle headers instead.
 */
export const withResourceUnits = (response: GraphResponse, units: number): GraphResponse => ({
  ...response,
  headers: { ...response.headers, "x-ms-resource-unit": String(units) }
})

export const graphError = (
  status: number,
  code: string,
  message: string,
  ids: RequestIds,
  headers: Readonly<Record<string, string>> = {}
): GraphResponse => ({
  status,
  headers: { "Cache-Control": "no-cache", "Content-Type": "application/json", ...headers },
  body: {
    error: {
      code,
      message,
      innerError: { date: innerErrorDate(ids.now), "request-id": ids.requestId, "client-request-id": ids.clientRequestId }
    }
  }
})

/** spec §1.4: the message is verified for GUID lookups; for a UPN the same template is UNVERIFIED. */
export const notFound = (resource: string, ids: RequestIds) =>
  graphError(404, "Request_ResourceNotFound", `Resource '${resource}' does not exist or one of its queried reference-property objects are not present.`, ids)

export const badRequest = (message: string, ids: RequestIds, code = "Request_BadRequest") =>
  graphError(400, code, message, ids)

export const unsupportedQuery = (message: string, ids: RequestIds) => graphError(400, "Request_UnsupportedQuery", message, ids)

/** spec §2 (json-batching.md sample): the 403 for an app without the permission. */
export const forbidden = (ids: RequestIds) =>
  graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", ids)

/**
 * spec §5: the throttling body, verbatim shape (innerError carries code/status/message too), with the
 * 429 headers `x-ms-throttle-scope` (`<Scope>/<Limit>/<AppId>/<TenantId>`) and `x-ms-throttle-information`.
 */
export const throttled = (
  retryAfterSeconds: number,
  ids: RequestIds,
  scope?: { readonly appId: string; readonly tenantId: string }
): GraphResponse => ({
  status: 429,
  headers: {
    "Content-Type": "application/json",
    "Retry-After": String(retryAfterSeconds),
    ...(scope === undefined ? {} : {
      "x-ms-throttle-scope": `Tenant_Application/ReadWrite/${scope.appId}/${scope.tenantId}`,
      "x-ms-throttle-information": "ResourceUnitLimitExceeded"
    })
  },
  body: {
    error: {
      code: "TooManyRequests",
      innerError: {
        code: "429",
        date: innerErrorDate(ids.now),
        message: "Please retry after",
        "request-id": ids.requestId,
        status: "429"
      },
      message: "Please retry again later."
    }
  }
})

// UNVERIFIED: Graph's 503 body; the code and text follow Graph's documented error code list.
export const unavailable = (ids: RequestIds, retryAfterSeconds?: number) =>
  graphError(
    503,
    "serviceNotAvailable",
    "The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, the length of which may be specified in a Retry-After header.",
    ids,
    retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) }
  )
