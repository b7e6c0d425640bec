import {Context, type DriveType} from './context.js'
import {AlipanDrive} from './drive/alipan-drive.js'
import type {Drive} from './drive/drive.js'
import {type Location, locationPrefix, remoteLocation} from './drive/location.js'
import {AlipanError, AuthError, UsageError} from './errors.js'
import {hintForProfile, profileDir, profileExists, unknownProfile} from './profiles.js'

/** A location made concrete: the drive it names, whose login it is, and the path there. */
export interface OpenedLocation {
  location: Location
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

  constructor(private readonly home: Context) {
    this.contexts.set(home.profile.name, home)
  }

  /** A remote path argument: a location, or a bare path in the command's own drive. */
  openPath(raw: string): Promise<OpenedLocation> {
    return this.open(remoteLocation(raw))
  }

  async open(location: Location): Promise<OpenedLocation> {
    if (location.name !== 'alipan') throw new UsageError(`There is no location named ${location.name}.`)
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
