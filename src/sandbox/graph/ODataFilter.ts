/**
 * The `$filter` subset the sandbox's Graph face understands (spec: graph-and-identity.md §1.2):
 * `prop eq 'v'`, `prop ne 'v'`, `prop in ('a','b')`, `startsWith(prop,'v')`, `endsWith(prop,'v')`, the
 * same inside `coll/any(x:…)`, combined with `and`, `or`, `not` and parentheses. Literals: quoted
 * strings (`''` escapes a quote), `true`, `false`, `null`. Which operators need the advanced-query
 * parameters is decided by the caller (`operatorsOf`).
 */
export type Literal = string | boolean | null

export type TextFunction = "startsWith" | "endsWith"

export type Filter =
  | { readonly _tag: "Or"; readonly terms: ReadonlyArray<Filter> }
  | { readonly _tag: "And"; readonly terms: ReadonlyArray<Filter> }
  | { readonly _tag: "Not"; readonly term: Filter }
  | { readonly _tag: "In"; readonly property: string; readonly any: boolean; readonly values: ReadonlyArray<Literal> }
  | { readonly _tag: "Ne"; readonly property: string; readonly any: boolean; readonly value: Literal }
  | { readonly _tag: "Text"; readonly fn: TextFunction; readonly property: string; readonly any: boolean; readonly value: string }

export class FilterSyntaxError {
  readonly _tag = "FilterSyntaxError"
  readonly position: number
  constructor(position: number) {
    this.position = position
  }
}

type Token = { readonly text: string; readonly position: number; readonly literal?: Literal }

const tokenize = (input: string): Array<Token> | FilterSyntaxError => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "'") {
      const start = i
      let value = ""
      i++
      for (;;) {
        if (i >= input.length) return new FilterSyntaxError(start)
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'"
            i += 2
            continue
          }
          i++
          break
        }
        value += input[i++]
      }
      tokens.push({ text: "'", position: start, literal: value })
    } else if ("(),:".includes(c)) {
      tokens.push({ text: c, position: i++ })
    } else {
      const start = i
      while (i < input.length && /[A-Za-z0-9_./$@-]/.test(input[i]!)) i++
      if (i === start) return new FilterSyntaxError(start)
      tokens.push({ text: input.slice(start, i), position: start })
    }
  }
  return tokens
}

/** Parses a `$filter` value; a syntax error carries the (0-based) position of the offending token. */
export const parseFilter = (input: string): Filter | FilterSyntaxError => {
  const tokens = tokenize(input)
  if (tokens instanceof FilterSyntaxError) return tokens
  let index = 0
  const peek = () => tokens[index]
  const fail = () => new FilterSyntaxError(peek()?.position ?? input.length)
  const keyword = (word: string) => peek()?.text.toLowerCase() === word && peek()?.literal === undefined
  const expect = (text: string) => (peek()?.text === text && peek()?.literal === undefined ? (index++, true) : false)

  const literal = (): Literal | FilterSyntaxError => {
    const token = peek()
    if (token === undefined) return fail()
    index++
    if (token.literal !== undefined) return token.literal
    const word = token.text.toLowerCase()
    if (word === "true") return true
    if (word === "false") return false
    if (word === "null") return null
    index--
    return fail()
  }

  const list = (): Array<Literal> | FilterSyntaxError => {
    if (!expect("(")) return fail()
    const values: Array<Literal> = []
    for (;;) {
      const value = literal()
      if (value instanceof FilterSyntaxError) return value
      values.push(value)
      if (expect(",")) continue
      if (expect(")")) return values
      return fail()
    }
  }

  const comparison = (property: string, any: boolean): Filter | FilterSyntaxError => {
    if (keyword("eq")) {
      index++
      const value = literal()
      return value instanceof FilterSyntaxError ? value : { _tag: "In", property, any, values: [value] }
    }
    if (keyword("ne")) {
      index++
      const value = literal()
      return value instanceof FilterSyntaxError ? value : { _tag: "Ne", property, any, value }
    }
    if (keyword("in")) {
      index++
      const values = list()
      return values instanceof FilterSyntaxError ? values : { _tag: "In", property, any, values }
    }
    return fail()
  }

  /** `startsWith(prop,'v')` / `endsWith(prop,'v')`; inside a lambda `prop` is its variable. */
  const textFunction = (fn: TextFunction, variable?: string): Filter | FilterSyntaxError => {
    if (!expect("(")) return fail()
    const target = peek()
    if (target === undefined || target.literal !== undefined || !/^[A-Za-z]/.test(target.text)) return fail()
    if (variable !== undefined && target.text !== variable) return fail()
    index++
    if (!expect(",")) return fail()
    const value = literal()
    if (value instanceof FilterSyntaxError) return value
    if (typeof value !== "string" || !expect(")")) return fail()
    return { _tag: "Text", fn, property: target.text, any: false, value }
  }

  const functionName = (): TextFunction | undefined => {
    const word = peek()?.literal === undefined ? peek()?.text.toLowerCase() : undefined
    return word === "startswith" ? "startsWith" : word === "endswith" ? "endsWith" : undefined
  }

  const primary = (): Filter | FilterSyntaxError => {
    if (expect("(")) {
      const inner = or()
      if (inner instanceof FilterSyntaxError) return inner
      return expect(")") ? inner : fail()
    }
    if (keyword("not")) {
      index++
      const term = primary()
      return term instanceof FilterSyntaxError ? term : { _tag: "Not", term }
    }
    const fn = functionName()
    if (fn !== undefined && tokens[index + 1]?.text === "(") {
      index++
      return textFunction(fn)
    }
    const token = peek()
    if (token === undefined || token.literal !== undefined || !/^[A-Za-z]/.test(token.text)) return fail()
    index++
    const lambda = /^(.+)\/any$/i.exec(token.text)
    if (lambda === null) return comparison(token.text, false)
    // coll/any(x:x eq 'v'), coll/any(x:startsWith(x,'v'))
    if (!expect("(")) return fail()
    const variable = peek()?.text
    if (variable === undefined) return fail()
    index++
    if (!expect(":")) return fail()
    const lambdaFn = functionName()
    let result: Filter | FilterSyntaxError
    if (lambdaFn !== undefined) {
      index++
      const inner = textFunction(lambdaFn, variable)
      result = inner instanceof FilterSyntaxError ? inner : { ...inner, property: lambda[1]!, any: true } as Filter
    } else {
      if (peek()?.text !== variable) return fail()
      index++
      result = comparison(lambda[1]!, true)
    }
    if (result instanceof FilterSyntaxError) return result
    return expect(")") ? result : fail()
  }

  const sequence = (word: "and" | "or", next: () => Filter | FilterSyntaxError): Filter | FilterSyntaxError => {
    const first = next()
    if (first instanceof FilterSyntaxError) return first
    const terms = [first]
    while (keyword(word)) {
      index++
      const term = next()
      if (term instanceof FilterSyntaxError) return term
      terms.push(term)
    }
    return terms.length === 1 ? first : { _tag: word === "and" ? "And" : "Or", terms }
  }
  const and = () => sequence("and", primary)
  const or = (): Filter | FilterSyntaxError => sequence("or", and)

  const result = or()
  if (result instanceof FilterSyntaxError) return result
  return index === tokens.length ? result : fail()
}

/** The directory counts every `in` value and every `or` branch as a child clause of one OR (spec §1.2: 15 max). */
export const orClauses = (filter: Filter): number => {
  switch (filter._tag) {
    case "In":
      return filter.values.length
    case "Ne":
    case "Text":
      return 1
    case "Not":
      return orClauses(filter.term)
    case "Or":
      return filter.terms.reduce((sum, term) => sum + orClauses(term), 0)
    case "And":
      return Math.max(...filter.terms.map(orClauses))
  }
}

/** Every property the filter names, for the "unsupported property" check. */
export const propertiesOf = (filter: Filter): ReadonlyArray<{ readonly property: string; readonly any: boolean }> => {
  switch (filter._tag) {
    case "Or":
    case "And":
      return filter.terms.flatMap(propertiesOf)
    case "Not":
      return propertiesOf(filter.term)
    default:
      return [{ property: filter.property, any: filter.any }]
  }
}

/** The longest text a filter compares with `eq` or `in` (0 without any). */
export const longestMatchedText = (filter: Filter): number => {
  switch (filter._tag) {
    case "Or":
    case "And":
      return Math.max(0, ...filter.terms.map(longestMatchedText))
    case "Not":
      return longestMatchedText(filter.term)
    case "In":
      return Math.max(0, ...filter.values.map((value) => (typeof value === "string" ? value.length : 0)))
    default:
      return 0
  }
}

/** The operators a filter uses that are not plain `eq`/`in`/`startsWith` (spec §1.2: these need advanced queries). */
export const advancedOperatorsOf = (filter: Filter): ReadonlyArray<{ readonly operator: "endsWith" | "ne" | "not"; readonly property?: string; readonly any?: boolean }> => {
  switch (filter._tag) {
    case "Or":
    case "And":
      return filter.terms.flatMap(advancedOperatorsOf)
    case "Not":
      return [{ operator: "not" }, ...advancedOperatorsOf(filter.term)]
    case "Ne":
      return [{ operator: "ne" }]
    case "Text":
      return filter.fn === "endsWith" ? [{ operator: "endsWith", property: filter.property, any: filter.any }] : []
    case "In":
      return []
  }
}

export type Value = string | boolean | null | ReadonlyArray<string>

/** Directory string comparisons are case-insensitive (UNVERIFIED for proxyAddresses: spec §1.2). */
const equal = (a: Value, b: Literal): boolean =>
  typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b

const textMatches = (fn: TextFunction, item: Value, value: string): boolean => {
  if (typeof item !== "string") return false
  const a = item.toLowerCase()
  const b = value.toLowerCase()
  return fn === "startsWith" ? a.startsWith(b) : a.endsWith(b)
}

type InFilter = Extract<Filter, { readonly _tag: "In" }>

// An `in` list is tested against every candidate user: its strings are lowercased into a set once per
// parsed filter, not compared one by one (a 15-part batch of 67-address lists made that quadratic).
const inLists = new WeakMap<InFilter, { readonly strings: ReadonlySet<string>; readonly others: ReadonlyArray<Literal> }>()
const inList = (filter: InFilter, item: Value): boolean => {
  let list = inLists.get(filter)
  if (list === undefined) {
    list = {
      strings: new Set(filter.values.flatMap((v) => (typeof v === "string" ? [v.toLowerCase()] : []))),
      others: filter.values.filter((v) => typeof v !== "string")
    }
    inLists.set(filter, list)
  }
  return typeof item === "string" ? list.strings.has(item.toLowerCase()) : list.others.some((v) => equal(item, v))
}

export const matches = (filter: Filter, get: (property: string) => Value): boolean => {
  switch (filter._tag) {
    case "Or":
      return filter.terms.some((term) => matches(term, get))
    case "And":
      return filter.terms.every((term) => matches(term, get))
    case "Not":
      return !matches(filter.term, get)
    case "Ne": {
      const value = get(filter.property)
      return filter.any
        ? Array.isArray(value) && value.some((item: string) => !equal(item, filter.value))
        : !equal(value, filter.value)
    }
    case "Text": {
      const value = get(filter.property)
      return filter.any
        ? Array.isArray(value) && value.some((item: string) => textMatches(filter.fn, item, filter.value))
        : textMatches(filter.fn, value, filter.value)
    }
    case "In": {
      const value = get(filter.property)
      return filter.any
        ? Array.isArray(value) && value.some((item: string) => inList(filter, item))
        : inList(filter, value)
    }
  }
}
