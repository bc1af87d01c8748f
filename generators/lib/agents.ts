/**
 * The agent CLIs the image can carry. One entry per agent: adding one is an entry here (plus its pinned version in
 * versions.ts and its tests); the Dockerfile, the secrets, .env.example and the README all read this list.
 */
import type { SecretSpec } from './secrets.js';
import { VERSIONS } from './versions.js';

export interface AgentSpec {
  /** The value of `--agents`. */
  id: string;
  /** Its name in prose. */
  name: string;
  /** npm package installed globally in the image, at `version`. */
  npmPackage: string;
  version: string;
  /** A command that fails the image build when the CLI did not install. */
  installCheck: string;
  /** Secrets this agent reads; `make secrets` asks for them when the agent is installed. */
  secrets: readonly SecretSpec[];
  /** Where the CLI keeps its login, relative to the app user's HOME (the volume). */
  loginDir: string;
}

export const AGENT_SPECS = [
  {
    id: 'claude',
    name: 'Claude Code',
    npmPackage: '@anthropic-ai/claude-code',
    version: VERSIONS.claudeCode,
    installCheck: 'claude --version >/dev/null',
    loginDir: '.claude',
    secrets: [
      {
        name: 'CLAUDE_CODE_OAUTH_TOKEN',
        source: 'asked',
        required: false,
        prompt: "Claude Code token from 'claude setup-token' (empty to skip)",
        hint: 'From `claude setup-token` on your computer: agents use your Claude subscription. Or set ANTHROPIC_API_KEY.',
      },
    ],
  },
  {
    id: 'codex',
    name: 'Codex',
    npmPackage: '@openai/codex',
    version: VERSIONS.codex,
    installCheck: 'codex --version >/dev/null',
    loginDir: '.codex',
    secrets: [
      {
        name: 'OPENAI_API_KEY',
        source: 'asked',
        required: false,
        prompt: 'OpenAI API key for Codex (empty to skip)',
        hint: 'For the Codex agent.',
      },
    ],
  },
] as const satisfies readonly AgentSpec[];

export type Agent = (typeof AGENT_SPECS)[number]['id'];
export const AGENTS: readonly Agent[] = AGENT_SPECS.map((agent) => agent.id);
