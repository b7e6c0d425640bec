import {Context, type DriveType} from './context.js'
import {CryptLocations} from './crypt/locations-file.js'
import {AlipanDrive} from './drive/alipan-drive.js'
import type {Drive} from './drive/drive.js'
import {type Location, locationPrefix, parseLocation, remoteLocation} from './drive/location.js'
import {normalizeRemotePath} from './drive/remote-path.js'
import {AlipanError, AuthError, UsageError} from './errors.js'
import {hintForProfile, profileDir, profileExists, unknownProfile} from './profiles.js'

/** A location made concrete: the drive it names, whose login it is, and the path there. */
export interface OpenedLocation {
  location: Location
  /** The drive (an AlipanDrive, or an encrypted location's CryptDrive over one). */
  drive: Drive
  /** The profile whose login this is. */
  profile: string
  driveType: DriveType
  /** The place: profile, drive id and root folder. Two locations with the same key are one place. */
  key: string
  /** The path inside the drive, as written (`alipan:` and any other prefix removed). */
  path: string
}

/**
 * Turns locations into opened drives, for one command. Each profile gets one Context (one login,
 * one API client and pacer: the service limits calls per user), each (profile, drive, root folder)
 * one Drive (one path cache), however many arguments name it.
 *
 * Which settings apply: a location without a profile, or naming the command's own, is the
 * command's login with its `--drive` and `--root-folder-id` (or their settings); `alipan@NAME:`
 * is profile NAME's login with NAME's settings. `drive=TYPE` picks the drive; the root folder
 * setting goes with the drive setting, so a `drive=` naming another drive than the configured one
 * starts at that drive's root.
 */
export class LocationResolver {
  private readonly contexts = new Map<string, Context>()
  private readonly requests = new Map<string, Promise<Omit<OpenedLocation, 'location' | 'path'>>>()
  private readonly drives = new Map<string, AlipanDrive>()
  private readonly cryptNames = new Map<string, readonly string[]>()

  constructor(
    private readonly home: Context,
    private readonly options: {
      /** Said once per thing: a name in an encrypted location that does not decrypt, and the like. */
      notice?: (message: string) => void
    } = {},
  ) {
    this.contexts.set(home.profile.name, home)
  }

  /**
   * Is `name` a location (of `profile`, when written `NAME@PROFILE:`)? `alipan`, and the encrypted
   * locations configured in that profile. A profile that does not exist is left for `open` to
   * refuse, with its own exit code.
   */
  readonly isKnown = (name: string, profile?: string): boolean => {
    if (name === 'alipan') return true
    const owner = profile ?? this.home.profile.name
    let names = this.cryptNames.get(owner)
    if (!names) {
      const dir = owner === this.home.profile.name ? this.home.profile.dir : profileExists(this.home.configDir, owner) ? profileDir(this.home.configDir, owner) : undefined
      if (dir === undefined) return true
      names = new CryptLocations(dir).names()
      this.cryptNames.set(owner, names)
    }
    return names.includes(name)
  }

  /** `raw` as a location (`alipan…:`, `NAME:`, `NAME@PROFILE:`), or undefined for a local path (sync and check tell sides apart so). */
  parse(raw: string): Location | undefined {
    return parseLocation(raw, this.isKnown)
  }

  /** A remote path argument: a location, or a bare path in the command's own drive. */
  openPath(raw: string): Promise<OpenedLocation> {
    return this.open(remoteLocation(raw, this.isKnown))
  }

  async open(location: Location): Promise<OpenedLocation> {
    if (location.name !== 'alipan') return {...(await this.openEncrypted(location)), location, path: location.path}
    const context = this.contextFor(location.profile)
    const request = `${context.profile.name}\0${location.drive ?? ''}`
    let opened = this.requests.get(request)
    if (!opened) {
      opened = this.resolve(context, location.drive)
      this.requests.set(request, opened)
    }
    return {...(await opened), location, path: location.path}
  }

  /** All of `raws` in one place (rm, mkdir: one location per command), or a usage error. */
  async openAll(raws: readonly string[], command: string): Promise<{drive: Drive; paths: string[]}> {
    if (raws.length === 0) return {drive: (await this.openPath('/')).drive, paths: []}
    const opened = await Promise.all(raws.map((raw) => this.openPath(raw)))
    const places = new Set(opened.map((o) => o.key))
    if (places.size > 1) {
      throw new UsageError(`${command} takes paths of one location at a time; these name ${places.size} (${[...new Set(opened.map((o) => locationPrefix(o.location)))].join(', ')}).`, {
        hint: `run one ${command} per location`,
      })
    }
    return {drive: opened[0].drive, paths: opened.map((o) => o.path)}
  }

  /**
   * An encrypted location (`NAME:`, `NAME@PROFILE:`): its settings from that profile's
   * crypt.json, its files in the location it was added over (opened like any other), and a
   * CryptDrive over that. Each opens once per command.
   */
  private openEncrypted(location: Location): Promise<Omit<OpenedLocation, 'location' | 'path'>> {
    const owner = location.profile ?? this.home.profile.name
    const request = `crypt\0${owner}\0${location.name}`
    let opened = this.requests.get(request)
    if (!opened) {
      opened = (async () => {
        if (location.drive) throw new UsageError(`${locationPrefix(location)} an encrypted location takes no options: its drive was set when it was added.`, {hint: `write ${location.name}:/PATH (see \`alipan crypt list\`)`})
        const context = this.contextFor(location.profile)
        const config = new CryptLocations(context.profile.dir).revealed(location.name)
        if (!config) throw new UsageError(`There is no location named ${location.name}${location.profile ? ` in profile ${location.profile}` : ''}.`, {hint: 'see `alipan crypt list`; add one with `alipan crypt add`'})
        const where = parseLocation(config.remote, ['alipan']) ?? {name: 'alipan', path: config.remote, prefixed: false}
        // The files live in a location of the crypt's own profile unless it names another.
        const inner = await this.open({...where, profile: where.profile ?? (owner === this.home.profile.name ? undefined : owner)})
        const {openCryptDrive} = await import('./crypt/open.js')
        const drive = await openCryptDrive(inner.drive, normalizeRemotePath(inner.path), config, {noncesDir: context.transfersDir, notice: this.options.notice})
        return {drive, profile: inner.profile, driveType: inner.driveType, key: drive.place}
      })()
      this.requests.set(request, opened)
    }
    return opened
  }

  private contextFor(name: string | undefined): Context {
    const known = this.contexts.get(name ?? this.home.profile.name)
    if (known) return known
    const {configDir} = this.home
    if (!profileExists(configDir, name!)) throw unknownProfile(configDir, name!)
    // Its own login, settings and lock; ALIPAN_REFRESH_TOKEN seeds only the command's profile.
    const context = new Context({
      ...this.home.options,
      env: {...this.home.env, refreshToken: undefined},
      profile: {name: name!, dir: profileDir(configDir, name!), source: 'flag'},
      overrides: {retries: this.home.options.overrides?.retries},
    })
    this.contexts.set(name!, context)
    return context
  }

  private async resolve(context: Context, wanted: DriveType | undefined): Promise<Omit<OpenedLocation, 'location' | 'path'>> {
    const profile = context.profile.name
    const other = context !== this.home
    try {
      const [settings, client] = await Promise.all([context.settings(), context.client()])
      // "run `alipan login`" must name the login that failed, not the command's.
      if (other) client.hintFor = (hint) => hintForProfile(hint, profile, true)
      const configured = settings.drive as DriveType
      const {driveId, driveType} = await context.driveIdOf(wanted ?? configured)
      const rootId = wanted === undefined || wanted === configured ? settings['root-folder-id'] : 'root'
      const key = `${profile}\0${driveId}\0${rootId}`
      let drive = this.drives.get(key)
      if (!drive) this.drives.set(key, (drive = new AlipanDrive(await context.authedClient(), driveId, rootId)))
      return {drive, profile, driveType, key}
    } catch (error) {
      if (!other || !(error instanceof AlipanError)) throw error
      if (error.code === 'NotLoggedIn') throw new AuthError(`The profile ${profile} is not logged in.`, {code: 'NotLoggedIn', hint: `run \`alipan login --profile ${profile}\``})
      if (error.hint) Object.defineProperty(error, 'hint', {value: hintForProfile(error.hint, profile, true)})
      throw error
    }
  }
}

/** Same storage (one Alipan drive, read the same way): the server-side copy and move work. */
export function sameDrive(a: Drive, b: Drive): boolean {
  return a.storage === b.storage
}
