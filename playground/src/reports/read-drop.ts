/**
 * What was dropped or picked, as [path, text] pairs: a folder (dragged in, walked through the
 * File System entries API, or picked with the folder button, whose files carry their
 * webkitRelativePath), loose files, or a .zip of a folder (the Training panel's download). Only
 * the JSON files a report reads are kept.
 */
import { strFromU8, unzipSync } from 'fflate';

const WANTED = /(^|\/)(experiment\.json|config\.json|final\.json|epochs\.jsonl|diagnostics\.jsonl)$/;

async function fromFile(file: File, path: string, out: [string, string][]): Promise<void> {
  if (/\.zip$/i.test(file.name)) {
    const entries = unzipSync(new Uint8Array(await file.arrayBuffer()), { filter: (f) => WANTED.test(f.name) });
    for (const [name, bytes] of Object.entries(entries)) out.push([name, strFromU8(bytes)]);
  } else if (WANTED.test(path)) {
    out.push([path, await file.text()]);
  }
}

/** Picked files (an <input>'s FileList): a folder's files keep their path inside it. */
export async function readPicked(files: readonly File[]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const f of files) await fromFile(f, f.webkitRelativePath || f.name, out);
  return out;
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function entries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries hands them over in batches until it hands over none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: [string, string][]): Promise<void> {
  if (entry.isFile) {
    const path = entry.fullPath.replace(/^\//, '');
    await fromFile(await entryFile(entry as FileSystemFileEntry), path, out);
  } else if (entry.isDirectory) {
    for (const e of await entries(entry as FileSystemDirectoryEntry)) await walk(e, out);
  }
}

/** A drop: folders walked, files read. */
export async function readDropped(data: DataTransfer): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const items = [...data.items].map((i) => i.webkitGetAsEntry?.() ?? null);
  if (items.some((e) => e !== null)) {
    for (const e of items) if (e) await walk(e, out);
    return out;
  }
  return readPicked([...data.files]);
}
