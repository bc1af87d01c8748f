/** Rules on what people and CI run: deploys, IP allocation, auth keys, the Makefile's make. */
import { flyCommands, machineScripts, operatorScripts, runs, where, whereRun } from '../facts.js';
import { hasOption, positional } from '../parse/shell.js';
import { doctorRule, rule } from './types.js';

export const noPublicIps = rule({
  checks:
    'Every fly deploy/launch in the Makefile, workflows and scripts passes --no-public-ips (or --flycast); no ips allocate-v4, allocate-v6 only with --private.',
  severity: 'error',
  needs: [],
  check({ project: p, found }) {
    const scripts = [...operatorScripts(p), ...machineScripts(p)];
    const deploys = [...flyCommands(scripts, 'deploy'), ...flyCommands(scripts, 'launch')];
    for (const run of deploys) {
      if (!hasOption(run.args, '--no-public-ips', '--flycast'))
        found(
          whereRun(run),
          `fly ${positional(run.args)[0]} without --no-public-ips: on the first deploy Fly gives the app a public IPv4 and IPv6`,
        );
    }
    for (const run of flyCommands(scripts, 'ips', 'allocate-v4'))
      found(whereRun(run), 'allocates a public IPv4 address');
    for (const run of flyCommands(scripts, 'ips', 'allocate-v6')) {
      if (!hasOption(run.args, '--private'))
        found(whereRun(run), 'allocates a public IPv6 address (add --private for Flycast)');
    }
    if (!deploys.length)
      return 'no fly deploy in the Makefile, workflows or scripts: a deploy typed by hand needs --no-public-ips';
  },
});

export const reusableAuthkey = rule({
  checks: 'Scripts that create a pre-auth key (headscale preauthkeys create) make it --reusable.',
  severity: 'warning',
  needs: [],
  check({ project: p, found }) {
    const minted = runs([...operatorScripts(p), ...machineScripts(p)]).filter(
      (run) =>
        run.name === 'headscale' &&
        ['preauthkeys', 'preauthkey'].includes(positional(run.args)[0] ?? '') &&
        positional(run.args)[1] === 'create',
    );
    for (const run of minted)
      if (!hasOption(run.args, '--reusable'))
        found(
          whereRun(run),
          'creates a single-use pre-auth key: it is spent on the first boot, and a redeploy that must log in again fails',
        );
    if (!minted.length)
      return 'whether the Tailscale key is reusable is set where it is created (the admin console); nothing here creates one';
  },
});

/** Doctor-only (issue 7 takes the generated Makefile to 3.81): what macOS's make does with a newer Makefile. */
export const makeVersion = doctorRule({
  checks:
    'The Makefile uses nothing newer than GNU make 3.81 (.ONESHELL, .SHELLFLAGS, .RECIPEPREFIX, ::=, !=, undefine, $(file ...)), or guards with $(MAKE_VERSION)/$(.FEATURES) and $(error ...).',
  title: 'Makefile needs GNU make 3.82 or newer',
  symptom:
    'macOS ships GNU make 3.81, which ignores .ONESHELL and .SHELLFLAGS: every recipe line runs in its own shell, so multi-line recipes (secrets, backup) break silently.',
  fix: 'Keep the Makefile to make 3.81 (logic in scripts the recipes call), or stop early with a $(MAKE_VERSION) or $(.FEATURES) check and $(error ...).',
  severity: 'warning',
  needs: ['Makefile'],
  check({ project: p, found }) {
    const makefile = p.makefile;
    if (makefile.versionGuard) return;
    const seen = new Set<string>();
    for (const feature of makefile.features) {
      if (seen.has(feature.name)) continue;
      seen.add(feature.name);
      found(
        where(makefile.file, feature.at),
        `${feature.name} needs GNU make ${feature.since}, and nothing stops an older make`,
      );
    }
  },
});
