/**
 * Paperclip's own config schema (`@paperclipai/shared`, the version the generator pins). The package's index
 * loads ~1,200 exports (about 2 s cold on this project's machines); its config-schema module alone loads in a
 * tenth of that, so doctor imports the module beside the resolved index and falls back to the index if a later
 * version moves it. A test checks both give the same functions.
 */
export interface PaperclipSchema {
  paperclipConfigSchema: {
    safeParse(data: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  };
  findPaperclipConfigKeyWarnings: (data: unknown) => { path: string; suggestion?: string }[];
}

let loaded: PaperclipSchema | undefined;

export async function loadPaperclipSchema(): Promise<PaperclipSchema> {
  if (loaded) return loaded;
  const index = import.meta.resolve('@paperclipai/shared');
  try {
    const module = (await import(new URL('./config-schema.js', index).href)) as Partial<PaperclipSchema>;
    if (module.paperclipConfigSchema && module.findPaperclipConfigKeyWarnings) loaded = module as PaperclipSchema;
  } catch {
    // The module moved: the package index has it.
  }
  loaded ??= (await import('@paperclipai/shared')) as unknown as PaperclipSchema;
  return loaded;
}

/** The schema, once loadPaperclipSchema() has run (doctor loads it before the rules when there is a config.json). */
export function paperclipSchema(): PaperclipSchema {
  if (!loaded) throw new Error('loadPaperclipSchema() has not run');
  return loaded;
}
