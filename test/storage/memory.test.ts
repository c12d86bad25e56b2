import { MemoryStorage } from '../../src/storage/memory.js';
import { storageCompliance } from './compliance.js';

storageCompliance('MemoryStorage', async (layout) => ({ storage: new MemoryStorage(layout), cleanup: async () => {} }));
