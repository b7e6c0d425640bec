import type {RemoteEntry} from '../drive/drive.js'
import {humanSize} from '../output/format.js'
import {hrefOf, joinPath, splitPath} from './paths.js'
import {mtimeOf} from './properties.js'

/** A plain HTML page listing a folder, for a browser that GETs it (pure). */
export function indexHtml(path: string, entries: RemoteEntry[]): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  const sorted = [...entries].sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type === 'folder' ? -1 : 1))
  const rows = sorted.map((entry) => {
    const href = hrefOf(joinPath(path, entry.name), entry.type === 'folder')
    const ms = mtimeOf(entry)
    const when = ms === undefined ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
    const size = entry.type === 'folder' ? '' : humanSize(entry.size)
    return `<tr><td><a href="${escape(href)}">${escape(entry.name)}${entry.type === 'folder' ? '/' : ''}</a></td><td class="n">${size}</td><td>${when}</td></tr>`
  })
  const up = path === '/' ? '' : `<tr><td><a href="${escape(hrefOf(splitPath(path)[0], true))}">../</a></td><td></td><td></td></tr>`
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(path)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:2px 12px}td.n{text-align:right}a{text-decoration:none}</style></head>
<body><h1>${escape(path)}</h1>
<table><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr>
${up}${rows.join('\n')}
</table></body></html>
`
}
