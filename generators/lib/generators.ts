/** The generators this package ships: the app writes everything; each concern re-asks its settings on a generated project. */
export const CONCERNS = ['fly', 'postgres', 'tailscale'] as const;
export type Concern = (typeof CONCERNS)[number];

export const GENERATORS = ['app', ...CONCERNS] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** The generator that asks a setting: the app, or one concern. */
export type SettingOwner = 'app' | Concern;
