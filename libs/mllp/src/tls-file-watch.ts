import { type StatWatcher, watchFile, unwatchFile } from 'node:fs';

/**
 * Calls `onChange` when any of the files changes (content swapped, symlink re-pointed as Kubernetes does for
 * mounted Secrets). Polls with fs.watchFile because inotify watches are lost when a symlinked file is replaced.
 * Returns a function that stops watching.
 */
export function watchTlsFiles(files: readonly string[], onChange: () => void, intervalMs = 10000): () => void {
  let pending: NodeJS.Timeout | undefined;
  // Key, certificate and CA are usually replaced together: reload once after the burst.
  const changed = () => {
    clearTimeout(pending);
    pending = setTimeout(onChange, Math.min(1000, intervalMs));
  };
  const watchers: StatWatcher[] = files.map((file) =>
    watchFile(file, { interval: intervalMs, persistent: false }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) changed();
    }),
  );
  return () => {
    clearTimeout(pending);
    for (const file of files) unwatchFile(file);
    watchers.length = 0;
  };
}
