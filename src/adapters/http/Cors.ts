import { Config, Schema } from "effect"
import { HttpServerResponse } from "effect/http"

const originsIn = (value: string): ReadonlyArray<string> =>
  value.split(",").map((origin) => origin.trim().replace(/\/+$/, "")).filter((origin) => origin !== "")

/** Whether `origin` is one as a browser sends it: scheme, host and port only. */
const isOrigin = (origin: string): boolean => {
  const url = URL.parse(origin)
  return url !== null && (url.protocol === "https:" || url.protocol === "http:") && url.origin === origin.toLowerCase()
}

// a mistyped origin would silently refuse every browser call from the site it meant
const Origins = Schema.String.check(
  Schema.makeFilter((value: string) => {
    const bad = originsIn(value).filter((origin) => !isOrigin(origin))
    return bad.length === 0 || `Expected origins such as https://app.contoso.example, not ${bad.join(", ")}`
  })
)

/** Origins allowed to call the API from a browser: `CORS_ORIGINS`, comma-separated, none by default. */
export const origins = Config.schema(Origins, "CORS_ORIGINS").pipe(
  Config.withDefault(""),
  Config.map((value) => new Set(originsIn(value).map((origin) => origin.toLowerCase())))
)

const ALLOW_HEADERS = "Content-Type, X-Request-ID, X-AnchorMailbox, Authorization, X-API-Key"
// WWW-Authenticate: a browser client handling a 401 reads where to get a token from it
const EXPOSE_HEADERS = "X-Request-ID, Retry-After, WWW-Authenticate"

/** Adds the CORS response headers when `origin` is allowed; other origins get none (the browser then refuses). */
export const withCorsHeaders = (
  response: HttpServerResponse.HttpServerResponse,
  origin: string
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.setHeaders(response, {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSE_HEADERS,
    vary: "Origin"
  })

/**
 * The answer to an `OPTIONS` request for a path that answers `methods` (HEAD included wherever GET is); a
 * preflight from an allowed origin gets its permissions. 200 with an empty body, as Flask's automatic
 * `OPTIONS` answers (`make_default_options_response`, flask-cors adding its headers to it).
 */
export const preflight = (origin: string | undefined, methods: ReadonlyArray<string>): HttpServerResponse.HttpServerResponse =>
  origin === undefined
    ? HttpServerResponse.empty({
      status: 200,
      headers: { allow: [...methods, "OPTIONS"].join(", "), vary: "Origin", "content-length": "0" }
    })
    : HttpServerResponse.empty({
      status: 200,
      headers: {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": methods.join(", "),
        "access-control-allow-headers": ALLOW_HEADERS,
        "access-control-max-age": "600",
        vary: "Origin",
        "content-length": "0"
      }
    })
