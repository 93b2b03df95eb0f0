import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import type { Json } from "./Output.ts"

/**
 * A small OPATH subset for `-Filter` (Get-DistributionGroup, Get-Recipient): `Prop -eq 'v'`, `-ne`,
 * `-like`/`-notlike` (`*` wildcard), `-and`, `-or`, `-not`, parentheses, `$true/$false/$null`. It is
 * evaluated on the output object; a multi-valued property matches when any value does. Comparisons
 * are case-insensitive, as in Exchange.
 */
export type Predicate = (object: Json) => boolean

const TOKEN = /\s*(\(|\)|-and\b|-or\b|-not\b|-eq\b|-ne\b|-like\b|-notlike\b|'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|\$true\b|\$false\b|\$null\b|[^\s()]+)/giy

const syntaxError = (filter: string, position: number): ExchangeError =>
  Errors.cannotConvert("Filter", filter, "System.String",
    `Invalid filter syntax. For a description of the filter parameter syntax see the command help. "${filter}" at position ${position + 1}.`)

const literal = (token: string): string | boolean | null => {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'")
  if (token.startsWith("\"")) return token.slice(1, -1).replace(/\\(.)/g, "$1")
  const lower = token.toLowerCase()
  return lower === "$true" ? true : lower === "$false" ? false : lower === "$null" ? null : token
}

const matches = (actual: unknown, op: string, expected: string | boolean | null): boolean => {
  if (Array.isArray(actual)) {
    const any = actual.some((value) => matches(value, op.replace("not", "").replace("ne", "eq"), expected))
    return op === "-ne" || op === "-notlike" ? !any : any
  }
  const a = actual === undefined || actual === null || actual === "" ? null : String(actual).toLowerCase()
  const e = expected === null ? null : String(expected).toLowerCase()
  switch (op) {
    case "-eq": return a === e
    case "-ne": return a !== e
    case "-like":
    case "-notlike": {
      const pattern = new RegExp(`^${(e ?? "").replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "s")
      const hit = a !== null && pattern.test(a)
      return op === "-like" ? hit : !hit
    }
  }
  return false
}

export const parseFilter = (input: string): Predicate | ExchangeError => {
  const filter = input.trim().replace(/^\{([\s\S]*)\}$/, "$1").trim()
  const tokens: Array<{ text: string; at: number }> = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < filter.length) {
    const at = TOKEN.lastIndex
    const match = TOKEN.exec(filter)
    if (match === null) return syntaxError(filter, at)
    tokens.push({ text: match[1]!, at })
    if (/^\s*$/.test(filter.slice(TOKEN.lastIndex))) break
  }
  let i = 0
  const peek = () => tokens[i]?.text.toLowerCase()
  const fail = () => ({ error: syntaxError(filter, tokens[i]?.at ?? filter.length) })
  type Parsed = Predicate | { error: ExchangeError }

  const term = (): Parsed => {
    const token = tokens[i]
    if (token === undefined) return fail()
    if (token.text === "(") {
      i++
      const inner = expression()
      if (typeof inner !== "function") return inner
      if (peek() !== ")") return fail()
      i++
      return inner
    }
    if (peek() === "-not") {
      i++
      const inner = term()
      return typeof inner === "function" ? (o) => !inner(o) : inner
    }
    const property = token.text
    const op = tokens[i + 1]?.text.toLowerCase()
    const value = tokens[i + 2]
    if (op === undefined || !["-eq", "-ne", "-like", "-notlike"].includes(op) || value === undefined) return fail()
    i += 3
    const expected = literal(value.text)
    return (object) => {
      const key = Object.keys(object).find((k) => k.toLowerCase() === property.toLowerCase())
      return matches(key === undefined ? undefined : object[key], op, expected)
    }
  }

  const expression = (): Parsed => {
    let left = term()
    while (typeof left === "function" && (peek() === "-and" || peek() === "-or")) {
      const op = peek()
      i++
      const right = term()
      if (typeof right !== "function") return right
      const l = left
      left = op === "-and" ? (o) => l(o) && right(o) : (o) => l(o) || right(o)
    }
    return left
  }

  const parsed = expression()
  if (typeof parsed !== "function") return parsed.error
  return i === tokens.length ? parsed : syntaxError(filter, tokens[i]!.at)
}
