import { Schema } from "effect"

export class DistributionListNotFound extends Schema.TaggedError<DistributionListNotFound>()(
  "DistributionListNotFound",
  { dlId: Schema.String }
) {
  override get message() {
    return `Distribution List '${this.dlId}' not found.`
  }
}

/** The caller's id (a name or alias) names more than one distribution list. */
export class DistributionListAmbiguous extends Schema.TaggedError<DistributionListAmbiguous>()(
  "DistributionListAmbiguous",
  { dlId: Schema.String }
) {
  override get message() {
    return `'${this.dlId}' matches more than one distribution list; ` +
      `use the list's primary SMTP address or its id (GUID) instead.`
  }
}

export class DistributionListExists extends Schema.TaggedError<DistributionListExists>()(
  "DistributionListExists",
  { alias: Schema.String, detail: Schema.String }
) {
  override get message() {
    return `A Distribution List with alias '${this.alias}' already exists.`
  }
}

export class UsersNotFound extends Schema.TaggedError<UsersNotFound>()(
  "UsersNotFound",
  { addresses: Schema.Array(Schema.String) }
) {
  override get message() {
    return `User(s) not found: ${this.addresses.join(", ")}`
  }
}

/** One input problem, shaped like a Pydantic validation error item. */
export const InputIssue = Schema.Struct({
  type: Schema.String,
  loc: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  msg: Schema.String
})
export type InputIssue = typeof InputIssue.Type

export class InvalidInput extends Schema.TaggedError<InvalidInput>()(
  "InvalidInput",
  { issues: Schema.Array(InputIssue) }
) {
  override get message() {
    return this.issues.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; ")
  }
}
