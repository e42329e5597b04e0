// Global setup runs outside jest's module system (no moduleNameMapper), so the @qupersync/*
// aliases that tools/stack uses are registered here, before it is imported.
import * as path from 'node:path';
import { register } from 'tsconfig-paths';

register({ baseUrl: path.resolve(__dirname, '..'), paths: { '@qupersync/*': ['libs/*/src'] } });
