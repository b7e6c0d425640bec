// category and mime_type derive from the extension (§4.1 lists the category values).

type Category = 'video' | 'doc' | 'audio' | 'zip' | 'others' | 'image' | 'app'

const TABLE: Record<string, [Category, string]> = {
  mp4: ['video', 'video/mp4'],
  mkv: ['video', 'video/x-matroska'],
  mov: ['video', 'video/quicktime'],
  avi: ['video', 'video/x-msvideo'],
  flv: ['video', 'video/x-flv'],
  wmv: ['video', 'video/x-ms-wmv'],
  webm: ['video', 'video/webm'],
  m4v: ['video', 'video/x-m4v'],
  ts: ['video', 'video/mp2t'],
  rmvb: ['video', 'application/vnd.rn-realmedia-vbr'],
  '3gp': ['video', 'video/3gpp'],
  mp3: ['audio', 'audio/mpeg'],
  flac: ['audio', 'audio/flac'],
  wav: ['audio', 'audio/wav'],
  aac: ['audio', 'audio/aac'],
  m4a: ['audio', 'audio/mp4'],
  ogg: ['audio', 'audio/ogg'],
  ape: ['audio', 'audio/ape'],
  wma: ['audio', 'audio/x-ms-wma'],
  jpg: ['image', 'image/jpeg'],
  jpeg: ['image', 'image/jpeg'],
  png: ['image', 'image/png'],
  gif: ['image', 'image/gif'],
  bmp: ['image', 'image/bmp'],
  webp: ['image', 'image/webp'],
  heic: ['image', 'image/heic'],
  tif: ['image', 'image/tiff'],
  tiff: ['image', 'image/tiff'],
  svg: ['image', 'image/svg+xml'],
  livp: ['image', 'application/zip'],
  pdf: ['doc', 'application/pdf'],
  txt: ['doc', 'text/plain'],
  md: ['doc', 'text/markdown'],
  csv: ['doc', 'text/csv'],
  json: ['doc', 'application/json'],
  doc: ['doc', 'application/msword'],
  docx: ['doc', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xls: ['doc', 'application/vnd.ms-excel'],
  xlsx: ['doc', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ppt: ['doc', 'application/vnd.ms-powerpoint'],
  pptx: ['doc', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  epub: ['doc', 'application/epub+zip'],
  zip: ['zip', 'application/zip'],
  rar: ['zip', 'application/x-rar-compressed'],
  '7z': ['zip', 'application/x-7z-compressed'],
  tar: ['zip', 'application/x-tar'],
  gz: ['zip', 'application/gzip'],
  bz2: ['zip', 'application/x-bzip2'],
  xz: ['zip', 'application/x-xz'],
  apk: ['app', 'application/vnd.android.package-archive'],
  exe: ['app', 'application/x-msdownload'],
  msi: ['app', 'application/x-msi'],
  dmg: ['app', 'application/x-apple-diskimage'],
  ipa: ['app', 'application/octet-stream'],
  deb: ['app', 'application/vnd.debian.binary-package'],
}

/** lowercase extension after the last dot; "" for none (and for dotfiles like ".bashrc") */
export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.')
  return i <= 0 ? '' : name.slice(i + 1).toLowerCase()
}

export function classify(name: string): {file_extension: string; category: Category; mime_type: string} {
  const ext = extensionOf(name)
  const [category, mime_type] = TABLE[ext] ?? ['others', 'application/octet-stream']
  return {file_extension: ext, category, mime_type}
}
