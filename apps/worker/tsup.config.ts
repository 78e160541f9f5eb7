import { defineConfig } from 'tsup';
import { appBuild } from '../../tooling/tsup/app-config';

export default defineConfig(appBuild());
