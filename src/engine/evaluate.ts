import { type EvaluateOptions, effectiveMode, makeDecision } from './decision.js';
import { type CompiledRule, type NormalizedFile, compileRule, normalizeFile } from './matcher.js';
import type { Decision, FileRequest } from './model.js';
import { processingComparator } from './order.js';
import type { ComputerView, ViewPolicy } from './view.js';

export {
  type DecidingPolicy,
  type EffectiveMode,
  type EvaluateOptions,
  NO_MATCH_REASON,
  effectiveMode,
  makeDecision,
  policyReason,
} from './decision.js';
/** The indexed evaluator: a view compiled into its image (view-image.ts) and decided over it. */
export { CompiledView } from './view-image.js';

function isLive(policy: ViewPolicy, nowMs: number): boolean {
  return policy.expiresAtMs === null || nowMs < policy.expiresAtMs;
}

/**
 * The plain reference: walks every candidate in processing order and tests
 * each application's rules until one matches. Used by tests and as the
 * benchmark's baseline; it shares only the rule matcher with CompiledView.
 */
export class LinearEvaluator {
  readonly view: ComputerView;
  readonly snapshotVersion: number | null;
  private readonly sorted: [ViewPolicy[], ViewPolicy[]];
  private readonly rules = new Map<string, CompiledRule[]>();

  constructor(view: ComputerView, snapshotVersion: number | null = null) {
    this.view = view;
    this.snapshotVersion = snapshotVersion;
    const structure = effectiveMode(view).structure;
    this.sorted = [
      [...view.policies].sort(processingComparator(structure, false)),
      [...view.policies].sort(processingComparator(structure, true)),
    ];
    for (const app of view.applications) {
      this.rules.set(
        app.id,
        app.rules.map((r) => compileRule(r, view.computer.os)),
      );
    }
  }

  private matches(policy: ViewPolicy, file: NormalizedFile): boolean {
    if (policy.isDefault) return true;
    if (policy.app === null) return false;
    return (this.rules.get(policy.app) ?? []).some((r) => r.test(file));
  }

  evaluate(file: FileRequest, options: EvaluateOptions): Decision {
    const mode = effectiveMode(this.view, options.settings);
    const nf = normalizeFile(file, this.view.computer.os);
    const decided = this.sorted[mode.builtInsFirst ? 1 : 0].find(
      (p) => isLive(p, options.nowMs) && this.matches(p, nf),
    );
    return makeDecision(decided, mode, this.snapshotVersion);
  }
}
