import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {badRequest} from './errors.js'

/**
 * WebDAV request bodies as namespace-resolved element trees, and the small pieces of XML output
 * (pure). Parsing is fast-xml-parser's (well-formedness, entities with bounded expansion); it
 * keeps prefixes as written, so namespaces are resolved here from the `xmlns` declarations in
 * scope, as the Namespaces in XML recommendation says. An unbound prefix, or a prefix bound to
 * the empty name (`xmlns:x=""`), is a 400.
 */

export const DAV_NS = 'DAV:'

export interface XmlAttribute {
  ns: string
  name: string
  value: string
}

export interface XmlElement {
  ns: string
  name: string
  attributes: XmlAttribute[]
  children: XmlNode[]
}

export type XmlNode = XmlElement | string

/** Larger bodies are refused before they are read (413): no WebDAV request needs them. */
export const MAX_XML_BYTES = 1 << 20

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  processEntities: {enabled: true, maxEntityCount: 16, maxEntitySize: 1024, maxTotalExpansions: 256, maxExpandedLength: 65_536},
  // Numeric character references (`&#65536;`) are XML; the option that decodes them also knows HTML's names.
  htmlEntities: true,
})

type Ordered = Record<string, unknown>

/** The document element of `text`; malformed XML, or namespaces used wrongly, is a 400. */
export function parseXml(text: string): XmlElement {
  if (hasDoctype(text)) throw badRequest('A document type declaration is not accepted in a WebDAV body.')
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw badRequest(`Malformed XML: ${valid.err.msg} (line ${valid.err.line}).`)
  let nodes: Ordered[]
  try {
    nodes = parser.parse(text) as Ordered[]
  } catch (error) {
    throw badRequest(`Malformed XML: ${(error as Error).message}`)
  }
  const roots = nodes.map((node) => convert(node, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]))).filter((n): n is XmlElement => typeof n !== 'string')
  if (roots.length !== 1) throw badRequest('The XML body must have exactly one document element.')
  return roots[0]
}

/**
 * Does the prolog declare a document type? WebDAV bodies have no use for one, and its entities
 * are where expansion attacks live: such a body is refused rather than parsed. The prolog is
 * walked item by item (declaration, processing instructions, comments, white space) up to the
 * first markup that is none of these.
 */
function hasDoctype(text: string): boolean {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  for (;;) {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++
    if (text.startsWith('<?', i)) i = skipPast(text, '?>', i)
    else if (text.startsWith('<!--', i)) i = skipPast(text, '-->', i)
    else return text.startsWith('<!DOCTYPE', i) || text.startsWith('<!doctype', i)
    if (i < 0) return false
  }
}

function skipPast(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from + 2)
  return at < 0 ? -1 : at + end.length
}

function convert(node: Ordered, scope: Map<string, string>): XmlNode | undefined {
  const key = Object.keys(node).find((k) => k !== ':@')
  if (key === undefined) return undefined
  if (key === '#text') return String(node[key])
  if (key.startsWith('?') || key.startsWith('!')) return undefined
  const raw = (node[':@'] ?? {}) as Record<string, string>
  const inner = new Map(scope)
  for (const [attr, value] of Object.entries(raw)) {
    if (attr === 'xmlns') inner.set('', value)
    else if (attr.startsWith('xmlns:')) {
      if (value === '') throw badRequest(`The namespace prefix "${attr.slice(6)}" is declared empty, which XML namespaces forbid.`)
      inner.set(attr.slice(6), value)
    }
  }
  const [ns, name] = resolve(key, inner, true)
  const attributes: XmlAttribute[] = []
  for (const [attr, value] of Object.entries(raw)) {
    if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue
    const [ans, aname] = resolve(attr, inner, false)
    attributes.push({ns: ans, name: aname, value})
  }
  const children: XmlNode[] = []
  for (const child of (node[key] as Ordered[]) ?? []) {
    const converted = convert(child, inner)
    if (converted !== undefined) children.push(converted)
  }
  return {ns, name, attributes, children}
}

/** `p:local` → [namespace of p, local]; unprefixed elements take the default namespace, unprefixed attributes none. */
function resolve(qname: string, scope: Map<string, string>, element: boolean): [string, string] {
  const colon = qname.indexOf(':')
  if (colon < 0) return [element ? scope.get('') ?? '' : '', qname]
  const prefix = qname.slice(0, colon)
  const ns = scope.get(prefix)
  if (ns === undefined) throw badRequest(`The namespace prefix "${prefix}" is not declared.`)
  return [ns, qname.slice(colon + 1)]
}

/** Child elements of `element`, text and whitespace skipped. */
export function elementsOf(element: XmlElement): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== 'string')
}

export function isElement(element: XmlElement | undefined, ns: string, name: string): element is XmlElement {
  return element !== undefined && element.ns === ns && element.name === name
}

export function childOf(element: XmlElement, ns: string, name: string): XmlElement | undefined {
  return elementsOf(element).find((c) => c.ns === ns && c.name === name)
}

/** The text content of an element and its descendants. */
export function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('')
}

/** For attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'})[c]!)
}

/** For element content: quotes stay as they are (an ETag reads `"abc"`, not `&quot;abc&quot;`). */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'})[c]!)
}

/**
 * The content of an element as XML that stands on its own: every element declares its own
 * namespace as the default one (`<foo xmlns="bar">`), so the fragment means the same wherever
 * it is later written (a dead property's value, a lock's owner).
 */
export function serializeChildren(element: XmlElement): string {
  return element.children.map((c) => (typeof c === 'string' ? escapeText(c) : serializeElement(c))).join('')
}

function serializeElement(element: XmlElement): string {
  const attributes = element.attributes
    .map((a, i) => (a.ns ? ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.name}="${escapeXml(a.value)}"` : ` ${a.name}="${escapeXml(a.value)}"`))
    .join('')
  const open = `${element.name} xmlns="${escapeXml(element.ns)}"${attributes}`
  const inner = serializeChildren(element)
  return inner ? `<${open}>${inner}</${element.name}>` : `<${open}/>`
}

/** A property element `{ns}name` with already-serialized content, namespace declared on the element itself. */
export function propertyXml(ns: string, name: string, content = ''): string {
  if (ns === DAV_NS) return content ? `<D:${name}>${content}</D:${name}>` : `<D:${name}/>`
  const open = ns ? `P:${name} xmlns:P="${escapeXml(ns)}"` : `${name} xmlns=""`
  const close = ns ? `P:${name}` : name
  return content ? `<${open}>${content}</${close}>` : `<${open}/>`
}

export const XML_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n'
