import { Schema, SchemaTransformation } from "effect"

// Simple on purpose: local@domain.tld without spaces; Exchange and Graph decide the rest. What Pydantic's
// EmailStr (email-validator 2.3, the seed's validation) refuses besides is refused with its words.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/
const MAX_LENGTH = 254
const MAX_LABEL_LENGTH = 63

// Control, format (zero-width, bidi overrides), private-use and unpaired surrogate characters and odd spaces:
// email-validator refuses them as unsafe; here they would reach Graph queries, logs and 404 bodies.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Z}]/u

/** Why `value` is not an email address the service takes, in email-validator's words where it has them. */
export const emailProblem = (value: string): string | undefined => {
  if (!EMAIL.test(value) || UNSAFE.test(value)) return "value is not a valid email address"
  const at = value.lastIndexOf("@")
  const local = value.slice(0, at)
  const labels = value.slice(at + 1).split(".")
  const invalid = (reason: string) => `value is not a valid email address: ${reason}`
  if (local.startsWith(".")) return invalid("An email address cannot start with a period.")
  if (local.endsWith(".")) return invalid("An email address cannot have a period immediately before the @-sign.")
  if (local.includes("..")) return invalid("An email address cannot have two periods in a row.")
  if (value.length > MAX_LENGTH) {
    const over = value.length - MAX_LENGTH
    return invalid(`The email address is too long (${over} character${over === 1 ? "" : "s"} too many).`)
  }
  const longest = Math.max(...labels.map((label) => label.length))
  if (longest > MAX_LABEL_LENGTH) {
    const over = longest - MAX_LABEL_LENGTH
    return invalid(
      `After the @-sign, periods cannot be separated by so many characters (${over} character${over === 1 ? "" : "s"} too many).`
    )
  }
  // email-validator: the domain must end with a letter
  if (!/[A-Za-z]$/.test(labels.at(-1)!)) {
    return invalid("The part after the @-sign is not valid. It is not within a valid top-level domain.")
  }
  return undefined
}

export const isEmail = (value: string): boolean => emailProblem(value) === undefined

// Pydantic's "pretty" address (pydantic/networks.py, _build_pretty_email_regex): an optional name, plain
// or in double quotes, then the address in angle brackets; Python's \w is Unicode letters, digits and "_".
const NAME_CHARS = "[\\p{L}\\p{N}_!#$%&'*+\\-/=?^`{|}~]"
const PRETTY = new RegExp(`^\\s*(?:(?:${NAME_CHARS}+\\s+)*${NAME_CHARS}+|"(?:[^"]|")+")?\\s*<(.+)>\\s*$`, "u")

// Pydantic's limit before its regex (MAX_EMAIL_LENGTH), which it needs as this one does: the quoted name
// may hold quotes, so the match is quadratic in the length (a 256 KB value took 17 s).
const MAX_PRETTY_LENGTH = 2048

/** The address of `Name <address>`, which Pydantic's EmailStr takes and keeps only the address of; else `value`. */
export const addressOf = (value: string): string =>
  value.length > MAX_PRETTY_LENGTH ? value : PRETTY.exec(value)?.[1] ?? value

/** An email address as callers send it (also as `Name <address>`): the address, trimmed, checked for shape. */
export const EmailAddress = Schema.String.annotate({ format: "email" }).pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transform({ decode: (value: string) => addressOf(value).trim(), encode: (value: string) => value })
  ),
  Schema.check(Schema.makeFilter((value: string) => emailProblem(value) ?? true))
)

export const normalizeEmail = (value: string): string => value.trim().toLowerCase()

export const sameEmail = (a: string, b: string): boolean => normalizeEmail(a) === normalizeEmail(b)

/** Drops case-insensitive duplicates, keeping the first spelling of each address. */
export const uniqueEmails = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const result: Array<string> = []
  for (const value of values) {
    const key = normalizeEmail(value)
    if (!seen.has(key)) {
      seen.add(key)
      result.push(value.trim())
    }
  }
  return result
}

export const primaryAddress = (alias: string, domain: string): string => `${alias}@${domain}`
