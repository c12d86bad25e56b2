import type { Command } from '../command.js';
import { createCommand } from './create.js';
import { infoCommand } from './info.js';
import { verifyCommand } from './verify.js';

/** Every sub-command, in the order `shoal --help` lists them. */
export const commands: readonly Command[] = [createCommand, infoCommand, verifyCommand];
