import type { HttpServerRequest } from "effect/http"

/** The path of a target (path and query): up to its query. */
export const pathOf = (target: string): string => {
  const end = target.search(/[?#]/)
  return end === -1 ? target : target.slice(0, end)
}

const ABSOLUTE = /^https?:\/\/[^/?#]*/i

/**
 * The target (path and query) as the client wrote it, or undefined when it holds a raw `#`: RFC 9112
 * allows none in a request target, and the router cuts the path there, so `DELETE /api/dl/sales#/members`
 * deleted `sales`. Effect's node server resolves an absolute-form target (`DELETE http://host/api/dl/a/%2e%2e/b`)
 * with `new URL`, which removes dot segments and turns `\` into `/`: the client's own path is taken back
 * from the raw target, so that it reaches the route it names (here none) and not another list.
 */
export const asWritten = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const source: unknown = request.source
  const raw = typeof Request !== "undefined" && source instanceof Request
    ? request.url // a web request: its URL was parsed before it got here
    : typeof (source as { readonly url?: unknown }).url === "string"
    ? (source as { readonly url: string }).url
    : request.url
  const absolute = ABSOLUTE.exec(raw)
  const rest = absolute === null ? raw : raw.slice(absolute[0].length)
  const written = absolute === null || rest.startsWith("/") ? rest : `/${rest}`
  return written.includes("#") ? undefined : written
}

/**
 * The request as the router must see it, for a target as written: a raw `;` escaped. The router cuts a path
 * at `;` as at `?` (for `/foo;jsessionid=…`), so `DELETE /api/dl/victim;v=1/members` was the deletion of
 * `victim`, and `GET /api/dl/Sales; EMEA` a lookup of `Sales`; Werkzeug keeps `;` in the segment (a dlId
 * may be a name holding one). Escaped, it reaches the route as written, decoded back into the dlId.
 */
export const forRouting = (request: HttpServerRequest.HttpServerRequest, written: string): HttpServerRequest.HttpServerRequest => {
  const path = pathOf(written)
  const url = path.includes(";") ? path.replaceAll(";", "%3B") + written.slice(path.length) : written
  return url === request.url ? request : request.modify({ url })
}
