import { Schema } from "effect"

// Deliberately simple: local@domain.tld without spaces; Exchange and Graph decide the rest.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/

export const isEmail = (value: string): boolean => value.length <= 320 && EMAIL.test(value)

/** An email address as callers send it: trimmed, and checked for shape. */
export const EmailAddress = Schema.Trim.pipe(
  Schema.check(Schema.makeFilter((value: string) => isEmail(value) || "value is not a valid email address"))
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
