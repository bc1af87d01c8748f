import { spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { generate } from './helpers.js';
import { arrayWords, invocations, shellWords } from './lib/shell-commands.js';

/** `--name` flags a help text lists (ffcli's `  --name, …` / `  --name value`, Go flag's `  -name type`). */
function helpFlags(help: string): Set<string> {
  return new Set([...help.matchAll(/^ {2}--?([a-z0-9][a-z0-9-]*)/gm)].map((match) => match[1]!));
}
function helpSubcommands(help: string): Set<string> {
  const section = /\nSUBCOMMANDS\n([\s\S]*?)(?:\n\n|\nFLAGS|$)/.exec(help)?.[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][a-z0-9-]*)\s/gm)].map((match) => match[1]!));
}
function help(binary: string, path: readonly string[]): string {
  const run = spawnSync(binary, [...path, '--help'], { encoding: 'utf8' });
  return run.stdout + run.stderr;
}
const flagName = (word: string) => /^--?([a-z0-9][a-z0-9-]*)/.exec(word)?.[1];

/**
 * Checks one invocation against the real binary's help: global flags first, then subcommands as long as the help
 * lists them, then the flags of the subcommand reached. Returns what it could not find.
 */
function unknownParts(binary: string, args: readonly string[]): string[] {
  const missing: string[] = [];
  const path: string[] = [];
  let i = 0;
  const rootFlags = helpFlags(help(binary, []));
  for (; i < args.length && args[i]!.startsWith('-'); i++)
    if (!rootFlags.has(flagName(args[i]!)!)) missing.push(args[i]!);
  while (i < args.length && !args[i]!.startsWith('-') && helpSubcommands(help(binary, path)).has(args[i]!))
    path.push(args[i++]!);
  const flags = helpFlags(help(binary, path));
  for (; i < args.length; i++) {
    const name = flagName(args[i]!);
    if (name && !flags.has(name)) missing.push(`${path.join(' ')} ${args[i]}`);
  }
  return missing;
}

describe('the generated start.sh against the real tailscale and tailscaled (built by e2e/peers/build.sh)', () => {
  const peers = inject('peers');
  const variants = {
    defaults: {},
    'tags and a login server': { tailscaleTags: 'tag:paperclip', tailscaleLoginServer: 'https://hs.example' },
  };

  it.each(Object.entries(variants))('%s: every subcommand and flag exists', async (_label, flags) => {
    const startSh = (await generate(flags)).files.get('start.sh')!;
    const calls = invocations(startSh, ['tailscale', 'tailscaled']);
    const cli = calls.filter((call) => call.program === 'tailscale');
    // up (with its flag array), status --json, serve --bg --https, serve status --json; and the daemon.
    expect(
      cli.map((call) => call.args.filter((arg) => !arg.startsWith('--socket')).find((arg) => !arg.startsWith('-'))),
    ).toEqual(expect.arrayContaining(['up', 'status', 'serve']));
    expect(calls.some((call) => call.program === 'tailscaled')).toBe(true);
    for (const call of calls) {
      const binary = call.program === 'tailscale' ? peers.tailscale! : peers.tailscaled!;
      expect(unknownParts(binary, call.args), call.line).toEqual([]);
    }
    const up = cli.find((call) => call.args.includes('up'))!;
    for (const flag of ['--reset', '--hostname', '--accept-dns', '--timeout', '--login-server', '--auth-key']) {
      expect(up.args.some((arg) => arg.startsWith(flag))).toBe(true);
    }
  });

  it('reports a flag the real CLI does not have', () => {
    expect(unknownParts(peers.tailscale!, ['--socket=/x', 'up', '--hostname=a', '--auth-keys=b'])).toEqual([
      'up --auth-keys=b',
    ]);
    expect(unknownParts(peers.tailscale!, ['serve', 'status', '--json'])).toEqual([]);
    expect(unknownParts(peers.tailscaled!, ['--statedir=/s', '--tunnel=tailscale0'])).toEqual(['--tunnel=tailscale0']);
  });
});

describe('reading command lines from shell text', () => {
  it.each([
    [
      'tailscale --socket="$S" up "${a[@]}" || die "tailscale up failed"',
      ['--socket="$S"', 'up', '--reset', '--hostname="$H"'],
    ],
    [
      'timeout 60 tailscale serve --bg --https=443 "http://127.0.0.1:$PORT"; then',
      ['serve', '--bg', '--https=443', '"http://127.0.0.1:$PORT"'],
    ],
    ['name=$(tailscale status --json 2>/dev/null | node -e x)', ['status', '--json']],
    ['log "tailscale serve did not finish"', null],
    ['"$FLY" secrets list --app "$APP" --json', null],
  ])('%s', (line, expected) => {
    const text = `local -a a=(--reset --hostname="$H")\n${line}\n# tailscale in a comment\n`;
    const found = invocations(text, ['tailscale']);
    expect(found.map((call) => call.args)).toEqual(expected ? [expected] : []);
  });

  it('joins continuation lines, splits operators, reads arrays', () => {
    expect(
      invocations('"$FLY" deploy \\\n  --app "$APP"\n$(FLY) ips list --app "$(APP)" >/dev/null\n', [
        '"$FLY"',
        '$(FLY)',
      ]).map((c) => c.args),
    ).toEqual([
      ['deploy', '--app', '"$APP"'],
      ['ips', 'list', '--app', '"$(APP)"'],
    ]);
    expect(shellWords(`a 'b c' "d e"&&f|g`)).toEqual(['a', 'b c', 'd e', '&&', 'f', '|', 'g']);
    expect(arrayWords('up_args=(--a)\nup_args+=(--b="x y")\n', 'up_args')).toEqual(['--a', '--b=x y']);
  });
});
