import { Schema } from "effect"
import { InputIssue } from "../../domain/Errors.ts"

// The seed's error body is `{"error": <summary>, "details": <string|object|array>}` with no `_tag`,
// so these are untagged `Schema.Error` classes; the class decides the status.

export class BadRequest extends Schema.Error<BadRequest>("BadRequest")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 400, description: "The request body is not a JSON object" }
) {}

export class NotFound extends Schema.Error<NotFound>("NotFound")(
  { error: Schema.String, details: Schema.Union([Schema.String, Schema.Array(Schema.String)]) },
  { httpApiStatus: 404, description: "The distribution list, or some of the users (listed in details), do not exist" }
) {}

export class Conflict extends Schema.Error<Conflict>("Conflict")(
  { error: Schema.String, details: Schema.String },
  {
    httpApiStatus: 409,
    description:
      "The dlId names more than one distribution list (use its address or id); on create or update, another distribution list already has that name, alias or address"
  }
) {}

export class PayloadTooLarge extends Schema.Error<PayloadTooLarge>("PayloadTooLarge")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 413, description: "The request body is too large" }
) {}

export class ValidationError extends Schema.Error<ValidationError>("ValidationError")(
  { error: Schema.Literal("Validation Error"), details: Schema.Array(InputIssue) },
  { httpApiStatus: 422, description: "Pydantic-style validation errors; loc names the field" }
) {}

export class InternalServerError extends Schema.Error<InternalServerError>("InternalServerError")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 500, description: "Unexpected failure; details holds the request id" }
) {}

export class BadGateway extends Schema.Error<BadGateway>("BadGateway")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 502, description: "Exchange Online or Microsoft Graph refused or failed the operation" }
) {}

export class ServiceUnavailable extends Schema.Error<ServiceUnavailable>("ServiceUnavailable")(
  { error: Schema.String, details: Schema.String },
  { httpApiStatus: 503, description: "Exchange Online or Microsoft Graph is temporarily unavailable; retry later" }
) {}

export const badRequest = (details: string) => new BadRequest({ error: "Bad Request", details })

export const validationError = (details: ReadonlyArray<InputIssue>) =>
  new ValidationError({ error: "Validation Error", details })

/** A `dlId` (name or alias) that names more than one list: the caller must pick one by address or id. */
export const ambiguous = (details: string) => new Conflict({ error: "Ambiguous Distribution List identifier", details })

/** Errors every endpoint may answer with (409: an ambiguous `dlId`). */
export const common = [NotFound, Conflict, ValidationError, InternalServerError, BadGateway, ServiceUnavailable] as const

/** Errors of endpoints that read a JSON body. */
export const withBody = [BadRequest, PayloadTooLarge, ...common] as const
