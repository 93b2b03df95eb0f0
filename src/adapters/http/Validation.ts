import type { SchemaAST, SchemaIssue } from "effect"
import type { InputIssue } from "../../domain/Errors.ts"

type Loc = ReadonlyArray<string | number>

/** Enough to show a client what is wrong without answering a huge body with a huger one. */
export const MAX_ISSUES = 1000

/**
 * Renders a schema failure the way Pydantic v2 reports validation errors
 * (`type`, `loc`, `msg`), which is what the seed's clients expect in a 422.
 */
export const toInputIssues = (issue: SchemaIssue.Issue, input: unknown, prefix: Loc = []): Array<InputIssue> => {
  const out: Array<InputIssue> = []
  walk(issue, prefix, undefined, input, prefix.length, out)
  return out
}

const walk = (
  issue: SchemaIssue.Issue,
  loc: Loc,
  parent: SchemaAST.AST | undefined,
  input: unknown,
  skip: number,
  out: Array<InputIssue>
): void => {
  if (out.length >= MAX_ISSUES) return
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...loc, ...issue.path.map(segment)], parent, input, skip, out)
    case "Composite":
      for (const inner of issue.issues) walk(inner, loc, issue.ast, input, skip, out)
      return
    case "Encoding":
      return walk(issue.issue, loc, issue.ast, input, skip, out)
    case "MissingKey":
      out.push({ type: "missing", loc, msg: "Field required" })
      return
    case "InvalidType": {
      // Pydantic tells a string or number it could not read as a bool from a value of another type
      const value = issue.ast._tag === "Boolean" ? valueAt(input, loc.slice(skip)) : undefined
      out.push(
        typeof value === "string" || typeof value === "number"
          ? { type: "bool_parsing", loc, msg: "Input should be a valid boolean, unable to interpret input" }
          : invalidType(issue.ast, loc)
      )
      return
    }
    case "Filter":
      out.push(filter(issue, loc, parent, valueAt(input, loc.slice(skip))))
      return
    case "AnyOf":
      if (issue.issues.length > 0) {
        for (const inner of issue.issues) walk(inner, loc, issue.ast, input, skip, out)
      } else out.push(invalidType(issue.ast, loc))
      return
    default:
      out.push({ type: "value_error", loc, msg: messageOf(issue) ?? "Invalid value" })
  }
}

const segment = (key: PropertyKey): string | number => typeof key === "number" ? key : String(key)

const invalidType = (ast: SchemaAST.AST, loc: Loc): InputIssue => {
  switch (ast._tag) {
    case "String":
      return { type: "string_type", loc, msg: "Input should be a valid string" }
    case "Arrays":
      return { type: "list_type", loc, msg: "Input should be a valid list" }
    case "Boolean":
      return { type: "bool_type", loc, msg: "Input should be a valid boolean" }
    case "Number":
      return { type: "float_type", loc, msg: "Input should be a valid number" }
    case "Objects":
      return { type: "dict_type", loc, msg: "Input should be a valid dictionary" }
    default:
      return { type: "value_error", loc, msg: "Input has the wrong type" }
  }
}

const filter = (issue: SchemaIssue.Filter, loc: Loc, parent: SchemaAST.AST | undefined, value: unknown): InputIssue => {
  const representation = issue.filter.annotations?.representation as
    | { readonly id?: string; readonly payload?: Record<string, number> }
    | undefined
  const isString = parent?._tag === "String" || typeof value === "string"
  const actual = Array.isArray(value) ? `, not ${value.length}` : ""
  switch (representation?.id) {
    case "effect/schema/isMinLength": {
      const n = representation.payload?.minLength ?? 0
      return isString
        ? { type: "string_too_short", loc, msg: `String should have at least ${plural(n, "character")}` }
        : { type: "too_short", loc, msg: `List should have at least ${plural(n, "item")} after validation${actual}` }
    }
    case "effect/schema/isMaxLength": {
      const n = representation.payload?.maxLength ?? 0
      return isString
        ? { type: "string_too_long", loc, msg: `String should have at most ${plural(n, "character")}` }
        : { type: "too_long", loc, msg: `List should have at most ${plural(n, "item")} after validation${actual}` }
    }
  }
  const message = issue.filter.annotations?.message
  return {
    type: "value_error",
    loc,
    msg: typeof message === "string" ? message : messageOf(issue.issue) ?? "Value is not valid"
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

const messageOf = (issue: SchemaIssue.Issue): string | undefined => {
  if (issue._tag === "InvalidValue" || issue._tag === "Forbidden") {
    const message = issue.annotations?.message
    return typeof message === "string" ? message : undefined
  }
  if (issue._tag === "Filter") return messageOf(issue.issue)
  return undefined
}

const valueAt = (input: unknown, path: Loc): unknown => {
  let current = input
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string | number, unknown>)[key]
  }
  return current
}
