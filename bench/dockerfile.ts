// The Docker image's bundle, built outside Docker exactly as ./Dockerfile
// says: its last `RUN bun build …` (with the output moved into a directory of
// the caller's), its final CMD and its final stage's ENV. bench/run.ts measures
// the bundle's size and start-up with it; index.test.ts starts it and drives
// it with the openai package. There is no Docker engine here: this is the
// nearest to the image that can be run.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** What ./Dockerfile says about its bundle. */
export interface DockerRecipe {
  /** The words after `bun build` of the last `RUN bun build …`. */
  build: string[];
  /** The final CMD's words. */
  cmd: string[];
  /** The final stage's ENV. */
  env: Record<string, string>;
}

/** The recipe before the Dockerfile had one to read: `bun server.js` from a single-file build. */
export const FALLBACK_RECIPE: DockerRecipe = { build: ["index.ts", "--target=bun", "--minify", "--outfile=server.js"], cmd: ["bun", "server.js"], env: { NODE_ENV: "production" } };

/** A bundle built into a directory, and how to start it as the CMD does. */
export interface Bundle {
  /** The file the CMD runs, and the `bun` options before it. */
  entry: string;
  bunArgs: string[];
  /** The directory the build wrote into (the final stage's WORKDIR stands for it: the process runs there). */
  dir: string;
  /** The final stage's ENV (but PORT, HOST and HOME, which the caller sets), and the transpiler cache off, as the oven/bun images set it. */
  env: Record<string, string>;
  /** Every file the build wrote, relative to `dir`, and their bytes and gzip -6 bytes together. */
  files: string[];
  bytes: number;
  gzipBytes: number;
}

/** The Dockerfile's instructions, one per logical line (continuations joined, comments dropped), as [INSTRUCTION, rest]. */
export function dockerInstructions(text: string): Array<[string, string]> {
  const lines = text.split(/\r?\n/).filter((line) => !/^\s*#/.test(line));
  const logical: string[] = [];
  let current = "";
  for (const line of lines) {
    if (/\\\s*$/.test(line)) current += `${line.replace(/\\\s*$/, "")} `;
    else {
      logical.push(current + line);
      current = "";
    }
  }
  if (current !== "") logical.push(current);
  return logical.flatMap((line) => {
    const match = /^\s*([A-Za-z]+)\s+(.*\S)\s*$/.exec(line);
    return match ? [[(match[1] as string).toUpperCase(), match[2] as string] as [string, string]] : [];
  });
}

/** Words of a shell-form instruction or of an exec-form JSON array; simple quotes only (no variables, no operators). */
function dockerWords(rest: string): string[] {
  if (rest.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === "string")) return parsed as string[];
    } catch {
      // Not JSON: shell form after all.
    }
  }
  return [...rest.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3] ?? "")));
}

/** Reads `<root>/Dockerfile`'s bundle recipe, or says why it cannot. */
export function readDockerRecipe(root: string): DockerRecipe | string {
  const path = join(root, "Dockerfile");
  if (!existsSync(path)) return "no ./Dockerfile";
  let build: string[] | undefined;
  let cmd: string[] | undefined;
  let env: Record<string, string> = {};
  for (const [instruction, rest] of dockerInstructions(readFileSync(path, "utf8"))) {
    if (instruction === "FROM") env = {};
    else if (instruction === "ENV") {
      const words = dockerWords(rest);
      if (words.length > 0 && !(words[0] as string).includes("=")) env[words[0] as string] = words.slice(1).join(" ");
      else for (const word of words) env[word.slice(0, word.indexOf("="))] = word.slice(word.indexOf("=") + 1);
    } else if (instruction === "RUN") {
      const words = dockerWords(rest);
      if (/^(\S*\/)?bun$/.test(words[0] ?? "") && words[1] === "build") build = words.slice(2);
    } else if (instruction === "CMD") cmd = dockerWords(rest);
  }
  if (build === undefined) return "./Dockerfile has no `RUN bun build …` line";
  if (cmd === undefined || !/^(\S*\/)?bun$/.test(cmd[0] ?? "")) return `./Dockerfile's CMD does not run bun (${cmd?.join(" ") ?? "no CMD"})`;
  return { build, cmd, env };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]));
}

/** Bytes after gzip -6 of a file, or of every file under a directory (about what a layer tarball compresses to). */
export function gzipSize(path: string): number {
  if (!statSync(path).isDirectory()) return Bun.gzipSync(readFileSync(path), { level: 6 }).length;
  let total = 0;
  for (const entry of readdirSync(path)) total += gzipSize(join(path, entry));
  return total;
}

/**
 * Builds the bundle as `recipe` says (its `bun build` words, the output path
 * or directory moved into `dir`, run from `root` as the build stage runs it
 * from /app, with `env`), and says what its CMD starts; or why it cannot.
 */
export function buildBundle(root: string, recipe: DockerRecipe, dir: string, env: Record<string, string>): Bundle | string {
  const { build, cmd } = recipe;
  let hasOutput = false;
  const args = build.map((word, i) => {
    const option = /^(--outfile|--outdir)=(.*)$/.exec(word);
    if (option) {
      hasOutput = true;
      return `${option[1]}=${join(dir, option[2] as string)}`;
    }
    if (i > 0 && (build[i - 1] === "--outfile" || build[i - 1] === "--outdir")) {
      hasOutput = true;
      return join(dir, word);
    }
    return word;
  });
  if (!hasOutput) return `./Dockerfile's bun build has no --outfile or --outdir: ${build.join(" ")}`;
  const result = Bun.spawnSync([process.execPath, "build", ...args], { cwd: root, env, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const stderr = result.stderr.toString();
  // A build that says "error" has failed, whatever its exit code.
  if (result.exitCode !== 0 || stderr.includes("error")) {
    const errors = stderr.split("\n").filter((line) => /^error\b/i.test(line.trim()));
    return `\`bun build ${build.join(" ")}\` (./Dockerfile's) failed: ${(errors.length > 0 ? errors.slice(0, 3).join("; ") : stderr).slice(0, 300)}`;
  }
  // CMD's first word after bun's own options is the entry, relative to the final stage's WORKDIR.
  const entryIndex = cmd.findIndex((word, i) => i > 0 && !word.startsWith("-"));
  const entryWord = cmd[entryIndex];
  if (entryWord === undefined) return `./Dockerfile's CMD names no file: ${cmd.join(" ")}`;
  const files = filesUnder(dir);
  // The final stage may copy the build's output to another place: then find it by name.
  const entry = existsSync(join(dir, entryWord)) ? join(dir, entryWord) : files.filter((f) => f.split("/").pop() === entryWord.split("/").pop()).map((f) => join(dir, f))[0];
  if (entry === undefined) return `the build wrote no ${entryWord} (CMD ${cmd.join(" ")}); it wrote ${files.join(", ")}`;
  const { PORT: _port, HOST: _host, HOME: _home, ...stageEnv } = recipe.env;
  const bytes = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  return { entry, bunArgs: cmd.slice(1, entryIndex), dir, env: { ...stageEnv, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" }, files, bytes, gzipBytes: gzipSize(dir) };
}
