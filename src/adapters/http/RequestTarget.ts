import type { HttpServerRequest } from "effect/http"

/** The path of a target: up to its query. */
export const pathOf = (target: string): string => {
  const end = target.indexOf("?")
  return end === -1 ? target : target.slice(0, end)
}

const ABSOLUTE = /^https?:\/\/[^/?#]*/i

/** The request's target as it came: Node's own `url`, where there is one. */
const rawTargetOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const source: unknown = request.source
  if (typeof Request !== "undefined" && source instanceof Request) return request.url // a web request: parsed before it got here
  const url = (source as { readonly url?: unknown }).url
  return typeof url === "string" ? url : request.url
}

/**
 * The target (path and query) as the client wrote it, and whether it can name a route here.
 * - Effect's node server resolves an absolute-form target (`DELETE http://host/api/dl/a/%2e%2e/b`) with
 *   `new URL`, which removes dot segments and turns `\` into `/`: the client's own path is taken back from
 *   the raw target, so that it reaches the route it names (here none) and not another list. One whose
 *   authority does not parse (`http://[/…`, a port over 65535) names none: gunicorn refuses it (400).
 * - A raw `#` in the path names none either: RFC 9112 allows none in a request target, and the router cuts
 *   the path there (`DELETE /api/dl/sales#/members` deleted `sales`). After the query starts, the fragment is
 *   dropped, as gunicorn's `urlsplit` drops it.
 */
export const asWritten = (request: HttpServerRequest.HttpServerRequest): { readonly target: string; readonly routable: boolean } => {
  const raw = rawTargetOf(request)
  const absolute = ABSOLUTE.exec(raw)
  const rest = absolute === null ? raw : raw.slice(absolute[0].length)
  const target = absolute === null || rest.startsWith("/") ? rest : `/${rest}`
  const query = target.indexOf("?")
  const hash = target.indexOf("#")
  const hashInPath = hash !== -1 && (query === -1 || hash < query)
  // Effect keeps the raw URL (no leading `/`) when `new URL` refused it
  const unparsed = absolute !== null && !request.url.startsWith("/")
  return { target: hash === -1 || hashInPath ? target : target.slice(0, hash), routable: !hashInPath && !unparsed }
}

/**
 * The request as the router must see it, for a target as written: a raw `;` escaped. The router cuts a path
 * at `;` as at `?` (for `/foo;jsessionid=…`), so `DELETE /api/dl/victim;v=1/members` was the deletion of
 * `victim`, and `GET /api/dl/Sales; EMEA` a lookup of `Sales`; Werkzeug keeps `;` in the segment (a dlId
 * may be a name holding one). Escaped, it reaches the route as written, decoded back into the dlId.
 */
export const forRouting = (request: HttpServerRequest.HttpServerRequest, target: string): HttpServerRequest.HttpServerRequest => {
  const path = pathOf(target)
  const url = path.includes(";") ? path.replaceAll(";", "%3B") + target.slice(path.length) : target
  return url === request.url ? request : request.modify({ url })
}
