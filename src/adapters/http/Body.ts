import { Cause, Effect, Schema, SchemaAST } from "effect"
import { HttpServerError, type HttpServerRequest } from "effect/http"
import * as ApiErrors from "./ApiErrors.ts"
import { tooLargeDetails } from "./auth/Hygiene.ts"
import { pydanticBool } from "../../application/Settings.ts"
import { toInputIssues } from "./Validation.ts"

export type BodyError = ApiErrors.BadRequest | ApiErrors.PayloadTooLarge | ApiErrors.ValidationError

const isJsonMediaType = (contentType: string | undefined): boolean => {
  if (contentType === undefined || contentType.trim() === "") return true
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase()
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
}

/** JSON is UTF-8 (RFC 8259 §8.1), whatever charset the Content-Type names; undefined when it is not. */
const decodeUtf8 = (bytes: ArrayBuffer): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/**
 * Whether the body broke off because the caller went away: `node:http`'s request says it was aborted
 * (`readableAborted`: the body ended before its end; on Deno the body read fails before the request is
 * interrupted), a web request (Deno.serve) says so by its signal.
 */
const callerGone = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const source = request.source
  return source instanceof Request
    ? source.signal.aborted
    : (source as { readonly readableAborted?: unknown }).readableAborted === true
}

/**
 * Reads the request body as a JSON object and decodes it with `schema`: malformed or non-object
 * JSON is a 400, schema failures a 422 listing every issue, unknown fields are ignored, an
 * explicit `null` on an optional field counts as absent (as with Pydantic's `Optional[...] = None`), and a
 * boolean field takes what Pydantic's lax `bool` takes (`"true"`, `"yes"`, `1`, …; the document says boolean).
 */
export const decoder = <S extends Schema.Struct<Schema.Struct.Fields> & { readonly DecodingServices: never }>(
  schema: S
) => {
  const decode = Schema.decodeUnknownEffect(schema, { errors: "all", onExcessProperty: "ignore" })
  const optionalKeys = new Set(
    Object.entries(schema.fields).filter(([, field]) => SchemaAST.isOptional(field.ast)).map(([key]) => key)
  )
  const booleanKeys = new Set(
    Object.entries(schema.fields).filter(([, field]) => field.ast._tag === "Boolean").map(([key]) => key)
  )
  // Object.fromEntries defines keys, so a "__proto__" key stays a plain (ignored) field.
  const asPydanticReads = (body: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(body)
        .filter(([key, value]) => !(value === null && optionalKeys.has(key)))
        .map(([key, value]) => [key, booleanKeys.has(key) ? pydanticBool(value) ?? value : value])
    )
  return (request: HttpServerRequest.HttpServerRequest): Effect.Effect<S["Type"], BodyError> => {
    if (!isJsonMediaType(request.headers["content-type"])) {
      return Effect.fail(ApiErrors.badRequest("Content-Type must be application/json"))
    }
    return request.arrayBuffer.pipe(
      Effect.catch((error) =>
        error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
          ? Effect.fail(new ApiErrors.PayloadTooLarge({ error: "Payload Too Large", details: tooLargeDetails }))
          // the caller went away mid-body: as when the server interrupts the request for it (499, not started)
          : callerGone(request)
          ? Effect.failCause(Cause.annotate(Cause.interrupt(), HttpServerError.ClientAbort.annotation))
          : Effect.fail(ApiErrors.badRequest("The request body could not be read"))
      ),
      Effect.flatMap((bytes): Effect.Effect<S["Type"], BodyError> => {
        const text = decodeUtf8(bytes)
        // Silently replaced, a Latin-1 "é" would be stored in the display name as U+FFFD.
        if (text === undefined) return Effect.fail(ApiErrors.badRequest("The request body is not valid UTF-8"))
        const parsed = parseJson(text)
        if (!parsed.ok) return Effect.fail(ApiErrors.badRequest("The request body is not valid JSON"))
        if (!isObject(parsed.value)) return Effect.fail(ApiErrors.badRequest("The request body must be a JSON object"))
        const body = asPydanticReads(parsed.value)
        return Effect.mapError(decode(body), (error) => ApiErrors.validationError(toInputIssues(error.issue, body)))
      })
    )
  }
}
