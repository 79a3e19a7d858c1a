#!/usr/bin/env node
// Writes docs/operators.md from the operator registry (src/docs/operators-md.ts). Needs a build first:
//   npx tsc -p . && node scripts/operators-doc.mjs
// test/unit/operators-doc.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../dist/src/io/package-root.js';
import { OPERATORS_DOC, operatorsMarkdown } from '../dist/src/docs/operators-md.js';

const path = join(packageRoot(), OPERATORS_DOC);
writeFileSync(path, operatorsMarkdown());
console.log(`wrote ${OPERATORS_DOC}`);
