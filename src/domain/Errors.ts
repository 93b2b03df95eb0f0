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
  // Exchange refuses a name or address any recipient holds (a list, a mailbox, a contact) and does not say
  // which: the message must not claim it is a distribution list.
  override get message() {
    return `The alias '${this.alias}' or its address is already used by a distribution list or another recipient.`
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
