import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { commitChanges } from '../generators/lib/commit.js';
import { paperclipVersionWarning } from '../generators/lib/upgrade.js';
import { VERSIONS } from '../generators/lib/versions.js';
import { GENERATED_AT, generate, readTree, runIn, tempProject } from './helpers.js';

const stored = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, Record<string, unknown>>)[
    'generator-paperclip-fly'
  ] ?? {};

describe('all or nothing', () => {
  it('refuses a symlinked output, naming it, and writes nothing (not even through the link)', async () => {
    const { dir } = await generate();
    const outside = join(tempProject('outside'), 'fly.toml');
    writeFileSync(outside, 'outside the project\n');
    rmSync(join(dir, 'fly.toml'));
    symlinkSync(outside, join(dir, 'fly.toml'));
    const before = readTree(dir);
    await expect(runIn(dir, 'app', { options: { region: 'fra', force: true } })).rejects.toThrow(
      /fly\.toml is a symbolic link/,
    );
    expect(readFileSync(outside, 'utf8')).toBe('outside the project\n');
    expect(readTree(dir)).toEqual(before);
  });

  it('refuses an output path that is a folder before writing any other file; .yo-rc.json unchanged', async () => {
    const { dir } = await generate();
    rmSync(join(dir, 'README.md'));
    mkdirSync(join(dir, 'README.md'));
    const before = readTree(dir);
    await expect(runIn(dir, 'app', { options: { region: 'fra', tailscale: false } })).rejects.toThrow(
      /^Nothing written: README\.md is a folder, where the generator writes a file\.$/,
    );
    expect(readTree(dir)).toEqual(before);
  });

  it('puts back every file when a write fails part-way, leaving no staged copies', () => {
    const dir = tempProject();
    writeFileSync(join(dir, 'a'), 'old a');
    writeFileSync(join(dir, 'b'), 'old b');
    writeFileSync(join(dir, 'gone'), 'old gone');
    let renames = 0;
    const failing = {
      writeFile: (path: string, contents: string) => {
        writeFileSync(path, contents);
      },
      rename: (from: string, to: string) => {
        // a: 2 renames, gone: 1, then b's first rename fails.
        if (++renames === 4) throw new Error('disk full (FAKE)');
        renameSync(from, to);
      },
    };
    expect(() => {
      commitChanges(
        dir,
        [
          { path: 'a', action: 'write', contents: 'new a' },
          { path: 'gone', action: 'delete' },
          { path: 'b', action: 'write', contents: 'new b' },
          { path: 'sub/c', action: 'write', contents: 'new c' },
        ],
        failing,
      );
    }).toThrow(/disk full/);
    expect(readTree(dir)).toEqual(
      new Map([
        ['a', 'old a'],
        ['b', 'old b'],
        ['gone', 'old gone'],
      ]),
    );
  });

  it('turning --githubActions off without a terminal deletes the untouched workflow', async () => {
    const { dir } = await generate({ githubActions: true });
    const workflow = '.github/workflows/fly-deploy.yml';
    expect(existsSync(join(dir, workflow))).toBe(true);
    await runIn(dir, 'app', { options: { githubActions: false } });
    expect(existsSync(join(dir, workflow))).toBe(false);
    expect(stored(dir).fileHashes).not.toHaveProperty(workflow);
  });

  it('a declined conflict keeps the previous hash and is reported on every later run until resolved', async () => {
    const { dir } = await generate();
    const flyToml = join(dir, 'fly.toml');
    const edited = `${readFileSync(flyToml, 'utf8')}# my own note\n`;
    writeFileSync(flyToml, edited);
    const hashBefore = (stored(dir).fileHashes as Record<string, string>)['fly.toml'];
    await runIn(dir, 'fly', {
      options: { interactive: true, vmMemory: '4096' },
      answers: { conflict: 'keep' },
    });
    expect(readFileSync(flyToml, 'utf8')).toBe(edited);
    expect((stored(dir).fileHashes as Record<string, string>)['fly.toml']).toBe(hashBefore);
    // A later run without a terminal reports it (it does not say "keep: edited by hand" and exit 0) ...
    await expect(runIn(dir, 'app', {})).rejects.toThrow(/^Nothing written: fly\.toml was changed by hand/);
    // ... and so does the CI check.
    await expect(runIn(dir, 'app', { options: { check: true } })).rejects.toThrow(/fly\.toml/);
    // Accepting it resolves it.
    await runIn(dir, 'app', { options: { interactive: true }, answers: { conflict: 'write' } });
    expect(readFileSync(flyToml, 'utf8')).toContain('memory = "4096mb"');
    await runIn(dir, 'app', { options: { check: true } });
  });
});

describe('--check and --dry-run', () => {
  it('passes on a project as generated, and writes nothing', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'app', { options: { check: true } });
    expect(readTree(dir)).toEqual(files);
  });

  it('fails listing every file a changed .yo-rc.json setting would change, writing nothing', async () => {
    const { dir } = await generate();
    const yoRc = JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    (yoRc['generator-paperclip-fly'] ?? {}).region = 'fra';
    writeFileSync(join(dir, '.yo-rc.json'), JSON.stringify(yoRc));
    const before = readTree(dir);
    const error = await runIn(dir, 'app', { options: { check: true } }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.name).toBe('SettingsError');
    expect(error?.message).toMatch(/^check: \d+ file\(s\) differ/);
    for (const file of ['fly.toml', 'ops.sh']) expect(error?.message).toContain(`${file} (`);
    expect(error?.message).not.toContain('Dockerfile');
    expect(readTree(dir)).toEqual(before);
  });

  it('--diff prints a readable unified diff on stdout', async () => {
    const { dir } = await generate();
    const flyToml = join(dir, 'fly.toml');
    writeFileSync(flyToml, readFileSync(flyToml, 'utf8').replace('primary_region = "sjc"', 'primary_region = "fra"'));
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      await expect(runIn(dir, 'app', { options: { check: true, diff: true } })).rejects.toThrow(/fly\.toml/);
    } finally {
      spy.mockRestore();
    }
    const diff = printed.join('');
    expect(diff).toContain('--- a/fly.toml');
    expect(diff).toContain('+++ b/fly.toml');
    expect(diff).toMatch(/^-primary_region = "fra"$/m);
    expect(diff).toMatch(/^\+primary_region = "sjc"$/m);
  });

  it('--dry-run decides as a real run would and writes nothing', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'app', { options: { region: 'fra', dryRun: true } });
    expect(readTree(dir)).toEqual(files);
  });
});

describe('team templates', () => {
  it('stamps three repos from one template: each distinct by name, otherwise identical', async () => {
    const { dir: source } = await generate(
      { region: 'fra', vmMemory: '4096', tailscaleTags: 'tag:paperclip' },
      'acme-clip',
    );
    const template = join(source, '.yo-rc.json');
    const names = ['alpha-clip', 'beta-clip', 'gamma-clip'];
    const trees = [];
    for (const name of names) {
      const dir = tempProject(name);
      await runIn(dir, 'app', { options: { template, appName: name }, yoRc: { generatedAt: GENERATED_AT } });
      const block = stored(dir);
      expect(block).toMatchObject({ appName: name, tailscaleHostname: name, region: 'fra', vmMemory: 4096 });
      const tree = readTree(dir);
      expect(tree.get('fly.toml')).toContain(`app = "${name}"`);
      expect(tree.get('fly.toml')).toContain(`TS_HOSTNAME = "${name}"`);
      expect([...tree.values()].join('\n')).not.toContain('acme-clip');
      trees.push(tree);
    }
    // With the names swapped back (and the hashes of the named files left out), the three are byte-identical.
    const normalised = trees.map((tree, index) =>
      [...tree].map(([path, text]) => {
        const named = text.replaceAll(names[index] ?? '', 'NAME');
        if (path !== '.yo-rc.json') return [path, named];
        const yoRc = JSON.parse(named) as Record<string, Record<string, unknown>>;
        delete yoRc['generator-paperclip-fly']?.fileHashes;
        return [path, yoRc];
      }),
    );
    expect(normalised[1]).toEqual(normalised[0]);
    expect(normalised[2]).toEqual(normalised[0]);
  });

  it('keeps an explicitly set hostname from the template', async () => {
    const { dir: source } = await generate({ tailscaleHostname: 'shared-host' }, 'acme-clip');
    const dir = tempProject('beta-clip');
    await runIn(dir, 'app', { options: { template: join(source, '.yo-rc.json'), yes: true } });
    expect(stored(dir)).toMatchObject({ appName: 'beta-clip', tailscaleHostname: 'shared-host' });
  });

  it('renaming an app re-derives the values that followed its name', async () => {
    const { dir } = await generate({}, 'acme-clip');
    await runIn(dir, 'app', { options: { appName: 'beta-clip' } });
    expect(stored(dir)).toMatchObject({ appName: 'beta-clip', tailscaleHostname: 'beta-clip' });
    expect(readFileSync(join(dir, 'fly.toml'), 'utf8')).toContain('TS_HOSTNAME = "beta-clip"');
  });

  it('rejects a template that is not JSON, naming the file', async () => {
    const dir = tempProject();
    const template = join(dir, 'team.json');
    writeFileSync(template, '{ "region": ');
    await expect(runIn(dir, 'app', { options: { template, yes: true } })).rejects.toThrow(
      /^--template .*team\.json is not valid JSON/,
    );
    expect(readdirSync(dir)).toEqual(['team.json']);
  });
});

describe('upgrades and the Paperclip version', () => {
  it("--upgrade moves the stored pins to this generator's versions", async () => {
    const { dir } = await generate({ paperclipVersion: '2026.831.0', tailscaleImage: 'v1.90.0' });
    await runIn(dir, 'app', { options: { upgrade: true, versionLookup: () => Promise.resolve([]) } });
    expect(stored(dir)).toMatchObject({
      paperclipVersion: VERSIONS.paperclip,
      tailscaleImage: VERSIONS.tailscaleImage,
      nodeImage: VERSIONS.nodeImage,
    });
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain(VERSIONS.paperclip);
  });

  it('looks a --paperclipVersion up on npm and warns, never fails, when it is unpublished', async () => {
    const lookups: string[] = [];
    const dir = tempProject();
    await runIn(dir, 'app', {
      options: {
        yes: true,
        paperclipVersion: '9.9.9',
        versionLookup: (name: string) => {
          lookups.push(name);
          return Promise.resolve(['2026.916.1']);
        },
      },
    });
    expect(lookups).toEqual(['paperclipai']);
    expect(stored(dir).paperclipVersion).toBe('9.9.9');
  });

  it.each([
    [['2026.916.1'], /^paperclipai@9\.9\.9 is not published on npm/],
    [undefined, /^Could not reach the npm registry to check that paperclipai@9\.9\.9 is published/],
  ] as const)('the warning for 9.9.9 when the registry gives %j', (published, warning) => {
    expect(paperclipVersionWarning('9.9.9', published)).toMatch(warning);
    expect(paperclipVersionWarning('2026.916.1', ['2026.916.1'])).toBeUndefined();
  });
});

describe('prompts', () => {
  it('checks a cross-setting rule at the prompt that breaks it (vmMemory against vmSize)', async () => {
    const verdicts: unknown[] = [];
    await runIn(tempProject(), 'app', {
      options: { interactive: true, vmSize: 'shared-cpu-1x' },
      answers: { vmMemory: '2048' },
      onQuestion: (question) => {
        if (question.name === 'vmMemory') verdicts.push(question.validate?.('4096'));
      },
    });
    expect(verdicts).toEqual([expect.stringMatching(/^Invalid --vmMemory "4096": use 1024-2048 MB/)]);
  });

  it('--ask-answered re-asks the stored settings', async () => {
    const { dir } = await generate();
    const result = await runIn(dir, 'app', { options: { interactive: true, askAnswered: true } });
    expect(result.askedQuestions.map((question) => question.name)).toContain('appName');
    expect(result.askedQuestions.map((question) => question.name)).toContain('region');
  });
});
