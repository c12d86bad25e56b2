import type { Command } from '../command.js';
import { createCommand } from './create.js';
import { downloadCommand } from './download.js';
import { seedCommand } from './seed.js';
import { infoCommand } from './info.js';
import { verifyCommand } from './verify.js';
import { daemonCommand } from './daemon.js';
import { trackerCommand } from './tracker.js';

/** Every sub-command, in the order `shoal --help` lists them. */
export const commands: readonly Command[] = [createCommand, infoCommand, verifyCommand, downloadCommand, seedCommand, trackerCommand, daemonCommand];
