import { goodModel } from './build.js';
import { analyzeModel } from '../../src/analyze/index.js';
import { allRules } from '../../src/analyze/rules/index.js';
console.log(allRules.length);
for (const f of analyzeModel(goodModel()).findings) console.log(f.severity, f.rule, f.message);
