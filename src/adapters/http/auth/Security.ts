import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import type { Caller } from "../../../domain/Access.ts"
import { AuthUnavailable, Forbidden, TooManyRequests, Unauthorized } from "./Errors.ts"
import * as ApiErrors from "../ApiErrors.ts"

/** The authenticated caller of the current request; `undefined` outside an authenticated request. */
export const CurrentCaller = Context.Reference<Caller | undefined>(
  "distribution-list-api/adapters/http/auth/CurrentCaller",
  { defaultValue: () => undefined }
)

/** The identity of the list an owner check was made on, for the endpoint to act on that one only. */
export const CheckedList = Context.Reference<string | undefined>(
  "distribution-list-api/adapters/http/auth/CheckedList",
  { defaultValue: () => undefined }
)

export const apiKeyHeader = "X-API-Key"

const bearer: HttpApiSecurity.Http = HttpApiSecurity.annotate(
  HttpApiSecurity.annotate(HttpApiSecurity.bearer, OpenApi.Format, "JWT"),
  OpenApi.Description,
  "A Microsoft Entra ID access token issued for this API (aud = API_AUDIENCE)."
)

const apiKey: HttpApiSecurity.ApiKey = HttpApiSecurity.annotate(
  HttpApiSecurity.apiKey({ key: apiKeyHeader, in: "header" }),
  OpenApi.Description,
  "An API key configured in API_KEYS."
)

/**
 * Authenticates (Entra ID bearer token or API key), rate-limits and authorizes every request of the
 * endpoints it is applied to. Either scheme satisfies it; the implementation is `Authenticate.layer`.
 */
export class Authentication extends HttpApiMiddleware.Service<Authentication>()(
  "distribution-list-api/adapters/http/auth/Authentication",
  {
    security: { bearer, apiKey },
    error: [Unauthorized, Forbidden, TooManyRequests, AuthUnavailable, ApiErrors.NotFound, ApiErrors.Conflict]
  }
) {}
