// The four error shapes of the service (§7.1): business JSON `{code, message, requestId}`, the
// gateway default for unknown routes, plain text (413), and OSS XML on the data plane (§5.6).

/** A business error: `{code, message, requestId}` with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** A data-plane error rendered as OSS XML. `fields` are extra elements placed after HostId. */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly ec: string,
    readonly fields: Array<[string, string | number]> = [],
  ) {
    super(message)
  }
}

/** A non-JSON-error reply with an explicit status/body (plain text 413, online `{text}` bodies). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[]> = {},
  ) {}
}

const xmlEscape = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;'})[c] as string)

/** Element order as in the observed body: Code, Message, RequestId, HostId, extras, EC, RecommendDoc. */
export function ossXml(err: OssError, requestId: string, hostId: string): string {
  const el = (name: string, value: string | number) => `  <${name}>${xmlEscape(String(value))}</${name}>\n`
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
    el('Code', err.code) +
    el('Message', err.message) +
    el('RequestId', requestId) +
    el('HostId', hostId) +
    err.fields.map(([k, v]) => el(k, v)).join('') +
    el('EC', err.ec) +
    el('RecommendDoc', `https://api.aliyun.com/troubleshoot?q=${err.ec}`) +
    '</Error>\n'
  )
}

// ---- business errors used in more than one module ------------------------------------------

const snakeToPascal = (s: string): string =>
  s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')

/** `InvalidParameter.<Field>` (§7.2), e.g. drive_id → InvalidParameter.DriveId */
export const invalidParam = (field: string, detail?: string): ApiError =>
  new ApiError(
    400,
    `InvalidParameter.${snakeToPascal(field)}`,
    `The input parameter ${field} is not valid.${detail ? ' ' + detail : ''}`,
  )

export const notFoundFile = (): ApiError =>
  new ApiError(404, 'NotFound.File', 'The resource file cannot be found. file not exist')

export const inRecycleBin = (): ApiError =>
  new ApiError(400, 'ForbiddenFileInTheRecycleBin', 'The resource file is in the recycle bin.')

export const alreadyExist = (): ApiError =>
  new ApiError(409, 'AlreadyExist.File', 'The resource file has already exists. file already exist')

export const quotaExhausted = (): ApiError =>
  new ApiError(400, 'QuotaExhausted.Drive', 'The drive quota is exhausted.')

export const notFoundUploadId = (): ApiError =>
  new ApiError(400, 'NotFound.UploadId', 'The resource upload_id cannot be found. upload_id not exist')

export const notFoundParent = (): ApiError =>
  new ApiError(400, 'NotFound.ParentFileId', 'The resource parent_file_id cannot be found.')
